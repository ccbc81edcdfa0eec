"""Logging in and out: wrong credentials, where one lands afterwards, and CSRF."""
import pytest

from tests.conftest import PASSWORD, csrf_token, log_in, post_form

EMAIL = "person@example.org"


def is_logged_in(client) -> bool:
    return client.get("/account/profile").status_code == 200


@pytest.mark.parametrize(
    "email, password",
    [(EMAIL, "not the right password"), ("nobody@example.org", PASSWORD)],
)
def test_wrong_credentials_get_one_clear_message_and_no_session(
    client, make_user, email, password
):
    make_user(EMAIL)
    response = log_in(client, email, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Wrong e-mail address or password." in page
    assert f'value="{email}"' in page
    assert password not in page
    assert not is_logged_in(client)


def test_a_missing_field_is_named(client):
    response = log_in(client, "", "")
    assert response.status_code == 200
    assert "This field is required." in response.get_data(as_text=True)
    assert not is_logged_in(client)


def test_an_unconfirmed_account_with_a_wrong_password_learns_nothing_more(
    client, make_user
):
    make_user(EMAIL, confirmed=False)
    response = log_in(client, EMAIL, "not the right password")
    page = response.get_data(as_text=True)
    assert "Wrong e-mail address or password." in page
    assert "Confirm your e-mail address first" not in page


def test_log_out_needs_a_post_with_the_form_token(client, make_user):
    make_user(EMAIL)
    log_in(client, EMAIL)
    assert client.get("/account/logout").status_code == 405
    assert is_logged_in(client)
    refused = client.post("/account/logout")
    assert refused.status_code == 400
    assert "This form has expired" in refused.get_data(as_text=True)
    assert is_logged_in(client)
    response = client.post("/account/logout", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert not is_logged_in(client)


def test_log_in_needs_the_form_token(client, make_user):
    make_user(EMAIL)
    client.get("/account/login")
    response = client.post("/account/login", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 400
    assert not is_logged_in(client)


def test_a_page_that_needs_an_account_sends_to_log_in_and_back(client, make_user):
    make_user(EMAIL)
    response = client.get("/account/profile")
    assert response.status_code == 302
    login_page = response.headers["Location"]
    assert login_page.startswith("/account/login?next=")
    assert "Please log in to see this page." in client.get(login_page).get_data(as_text=True)
    back = post_form(client, login_page, {"email": EMAIL, "password": PASSWORD})
    assert back.headers["Location"] == "/account/profile"


def test_next_keeps_a_local_path_with_its_query(client, make_user):
    make_user(EMAIL)
    response = post_form(client, "/account/login?next=/c/eg/testimonies%3Ftheme%3D2",
                         {"email": EMAIL, "password": PASSWORD})
    assert response.headers["Location"] == "/c/eg/testimonies?theme=2"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/account/profile",
        "https://evil.example",
        "https://evil.example/account/login",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d%0aSet-Cookie:%20x=1",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_next_never_leads_off_the_site(client, make_user, target):
    make_user(EMAIL)
    path = "/account/login?next=" + target.replace("\t", "%09")
    response = post_form(client, path, {"email": EMAIL, "password": PASSWORD},
                         form_page="/account/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert is_logged_in(client)


def test_a_logged_in_person_visiting_the_login_page_goes_home(client, make_user):
    make_user(EMAIL)
    log_in(client, EMAIL)
    response = client.get("/account/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
