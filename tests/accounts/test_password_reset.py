"""Forgot-password: the link that really arrives, what it allows, once, and for how long."""
import time
from email.header import decode_header, make_header

import pytest
from flask_babel import force_locale, gettext
from itsdangerous import TimestampSigner

from consult.extensions import db
from consult.models import User
from tests.conftest import CSRF, PASSWORD, log_in, post_form

EMAIL = "person@example.org"
NEW_PASSWORD = "a brand new passphrase"


def is_logged_in(client) -> bool:
    return client.get("/account/profile").status_code == 200


def ask_for_reset(client, email=EMAIL):
    return post_form(client, "/account/forgot-password", {"email": email})


def choose_password(client, link, password=NEW_PASSWORD, confirm=None):
    # The form's token is read from the home page: a used link has no form any more.
    return post_form(client, link, {
        "password": password, "confirm": password if confirm is None else confirm,
    }, form_page="/", follow_redirects=True)


def test_a_reset_link_arrives_sets_a_new_password_and_the_old_one_stops_working(
    client, app, mailbox, make_user
):
    make_user(EMAIL, "Camille")
    response = ask_for_reset(client, "Person@Example.org")
    assert "If an account uses this address" in response.get_data(as_text=True)
    [message] = mailbox.to(EMAIL)
    assert message["Subject"] == "Reset your password"
    assert "Hello Camille," in message.get_payload(decode=True).decode()
    link = mailbox.last_link(EMAIL)
    assert link.startswith("/account/reset-password/")

    form = client.get(link)
    assert form.status_code == 200
    assert form.headers["Cache-Control"] == "no-store"
    done = choose_password(client, link)
    assert done.request.path == "/account/login"
    assert "Your password has been changed. You can log in." in done.get_data(as_text=True)

    fresh = app.test_client()
    fresh.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    refused = log_in(fresh, EMAIL, PASSWORD)
    assert "Wrong e-mail address or password." in refused.get_data(as_text=True)
    assert not is_logged_in(fresh)
    log_in(fresh, EMAIL, NEW_PASSWORD)
    assert is_logged_in(fresh)


def test_an_unknown_address_gets_the_same_answer_and_no_message(client, app, make_user):
    make_user(EMAIL)
    known = ask_for_reset(client, EMAIL).get_data(as_text=True)
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    unknown = ask_for_reset(other, "nobody@example.org").get_data(as_text=True)
    assert CSRF.sub("", unknown) == CSRF.sub("", known)


def test_nothing_is_sent_for_an_unknown_address(client, mailbox):
    response = ask_for_reset(client, "nobody@example.org")
    assert response.status_code == 200
    assert "If an account uses this address" in response.get_data(as_text=True)
    assert mailbox.messages == []


def test_a_reset_link_works_only_once(client, mailbox, make_user):
    make_user(EMAIL)
    ask_for_reset(client)
    link = mailbox.last_link(EMAIL)
    choose_password(client, link)

    again = client.get(link, follow_redirects=True)
    assert again.request.path == "/account/forgot-password"
    assert "This reset link is not valid or has expired." in again.get_data(as_text=True)
    reused = choose_password(client, link, "a third password here")
    assert "This reset link is not valid or has expired." in reused.get_data(as_text=True)
    log_in(client, EMAIL, "a third password here")
    assert not is_logged_in(client)


def test_an_older_link_stops_working_once_the_password_has_changed(client, mailbox, make_user):
    make_user(EMAIL)
    ask_for_reset(client)
    first = mailbox.last_link(EMAIL)
    ask_for_reset(client)
    second = mailbox.last_link(EMAIL)
    choose_password(client, second)
    response = client.get(first, follow_redirects=True)
    assert "This reset link is not valid or has expired." in response.get_data(as_text=True)


def test_an_expired_reset_link_says_so(client, mailbox, make_user, monkeypatch):
    make_user(EMAIL)
    two_hours_ago = int(time.time()) - 2 * 3600
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: two_hours_ago)
        ask_for_reset(client)
    link = mailbox.last_link(EMAIL)
    response = client.get(link, follow_redirects=True)
    assert response.request.path == "/account/forgot-password"
    assert "This reset link is not valid or has expired." in response.get_data(as_text=True)
    choose_password(client, link)
    log_in(client, EMAIL, NEW_PASSWORD)
    assert not is_logged_in(client)


@pytest.mark.parametrize("token", ["garbled", "eyJ1c2VyIjoxfQ.aaaaaa.bbbbbbbbbb"])
def test_a_garbled_reset_link_says_so(client, make_user, token):
    make_user(EMAIL)
    response = client.get(f"/account/reset-password/{token}", follow_redirects=True)
    assert "This reset link is not valid or has expired." in response.get_data(as_text=True)


def test_a_confirmation_link_is_no_reset_link(client, mailbox):
    post_form(client, "/account/register", {
        "email": EMAIL, "display_name": "Camille", "password": PASSWORD, "confirm": PASSWORD,
    })
    token = mailbox.last_link(EMAIL).rsplit("/", 1)[1]
    response = client.get(f"/account/reset-password/{token}", follow_redirects=True)
    assert "This reset link is not valid or has expired." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "password, confirm, message",
    [
        ("too short", "too short", "Use at least 12 characters."),
        (NEW_PASSWORD, "something else entirely", "The two passwords differ."),
    ],
)
def test_a_refused_new_password_changes_nothing_and_the_link_still_works(
    client, mailbox, make_user, password, confirm, message
):
    make_user(EMAIL)
    ask_for_reset(client)
    link = mailbox.last_link(EMAIL)
    response = choose_password(client, link, password, confirm)
    page = response.get_data(as_text=True)
    assert response.request.path == link
    assert message in page
    assert password not in page and confirm not in page
    log_in(client, EMAIL, PASSWORD)
    assert is_logged_in(client)
    post_form(client, "/account/logout", form_page="/")

    choose_password(client, link)
    log_in(client, EMAIL, NEW_PASSWORD)
    assert is_logged_in(client)


def test_resetting_the_password_also_confirms_the_address(client, mailbox, make_user):
    make_user(EMAIL, confirmed=False)
    ask_for_reset(client)
    choose_password(client, mailbox.last_link(EMAIL))
    log_in(client, EMAIL, NEW_PASSWORD)
    assert is_logged_in(client)


def test_the_new_password_is_stored_as_an_argon2id_hash(client, mailbox, make_user):
    make_user(EMAIL)
    ask_for_reset(client)
    choose_password(client, mailbox.last_link(EMAIL))
    user = db.session.execute(db.select(User)).scalar_one()
    db.session.refresh(user)
    assert user.password_hash.startswith("$argon2id$")
    assert NEW_PASSWORD not in user.password_hash


def in_french(message: str) -> str:
    with force_locale("fr"):
        return gettext(message)


def test_the_message_is_in_the_language_the_account_chose(client, mailbox, make_user):
    user = make_user(EMAIL, "Camille")
    user.locale = "fr"
    db.session.commit()
    ask_for_reset(client)  # from a browser asking for English
    [message] = mailbox.to(EMAIL)
    body = message.get_payload(decode=True).decode()
    assert str(make_header(decode_header(message["Subject"]))) == in_french(
        "Reset your password")
    assert in_french("Hello %(name)s,") % {"name": "Camille"} in body


def test_an_account_that_follows_the_browser_gets_the_message_in_the_page_language(
    app, mailbox, make_user
):
    make_user(EMAIL, "Camille")  # no language chosen
    for language, subject in (("en", "Reset your password"),
                              ("fr", in_french("Reset your password"))):
        mailbox.messages.clear()
        browser = app.test_client()
        browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        ask_for_reset(browser)
        [message] = mailbox.to(EMAIL)
        assert str(make_header(decode_header(message["Subject"]))) == subject


@pytest.mark.parametrize("path", ["/account/forgot-password", "/account/confirm"])
@pytest.mark.parametrize(
    "typed, message",
    [("not an address", "Invalid email address."), ("", "This field is required.")],
)
def test_a_bad_address_gets_a_message_and_comes_back_as_typed(
    client, mailbox, make_user, path, typed, message
):
    make_user(EMAIL, confirmed=False)
    response = post_form(client, path, {"email": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert f'value="{typed}"' in page or not typed
    assert "Check your inbox" not in page
    assert mailbox.messages == []
