"""Creating an account, confirming its address by the e-mail that really arrives, and
what a second registration of the same address gets (no account enumeration)."""
import time
from email.header import decode_header, make_header

import pytest
from flask_babel import force_locale, gettext
from itsdangerous import TimestampSigner

from consult.extensions import db
from consult.models import User
from tests.conftest import CSRF, PASSWORD, log_in, post_form

NEW = "camille@example.org"


def log_in_and_follow(client, email, password=PASSWORD):
    return post_form(client, "/account/login", {"email": email, "password": password},
                     follow_redirects=True)


def register(client, email=NEW, name="Camille", password=PASSWORD, confirm=None, **kwargs):
    return post_form(client, "/account/register", {
        "email": email, "display_name": name, "password": password,
        "confirm": password if confirm is None else confirm,
    }, **kwargs)


def users() -> list[User]:
    return list(db.session.execute(db.select(User).order_by(User.id)).scalars())


def is_logged_in(client) -> bool:
    return client.get("/account/profile").status_code == 200


def test_register_confirm_log_in_and_log_out(client, mailbox):
    response = register(client, email="Camille@Example.org")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Check your inbox" in page
    [message] = mailbox.to(NEW)
    assert message["Subject"] == "Confirm your e-mail address"
    assert "Hello Camille," in message.get_payload(decode=True).decode()

    link = mailbox.last_link(NEW)
    assert link.startswith("/account/confirm/")
    confirmed = client.get(link, follow_redirects=True)
    assert confirmed.request.path == "/account/login"
    assert "Your e-mail address is confirmed. You can log in." in confirmed.get_data(as_text=True)

    logged_in = log_in_and_follow(client, "camille@EXAMPLE.org")
    assert "You are logged in." in logged_in.get_data(as_text=True)
    assert is_logged_in(client)
    assert "Log out" in client.get("/").get_data(as_text=True)

    logged_out = post_form(client, "/account/logout", form_page="/", follow_redirects=True)
    assert "You are logged out." in logged_out.get_data(as_text=True)
    assert not is_logged_in(client)
    assert "Log out" not in client.get("/").get_data(as_text=True)


def test_log_in_is_refused_until_the_address_is_confirmed_and_a_new_link_can_be_sent(
    client, mailbox
):
    register(client)
    response = log_in_and_follow(client, NEW)
    assert response.request.path == "/account/confirm"
    assert ("Confirm your e-mail address first: follow the link we sent you."
            in response.get_data(as_text=True))
    assert not is_logged_in(client)

    resent = post_form(client, "/account/confirm", {"email": NEW})
    assert "Check your inbox" in resent.get_data(as_text=True)
    assert len(mailbox.to(NEW)) == 2
    client.get(mailbox.last_link(NEW))
    log_in(client, NEW)
    assert is_logged_in(client)


@pytest.mark.parametrize("email", ["nobody@example.org", "person@example.org"])
def test_a_new_confirmation_link_is_only_sent_to_an_unconfirmed_account(
    client, mailbox, make_user, email
):
    make_user("person@example.org")  # already confirmed
    response = post_form(client, "/account/confirm", {"email": email})
    assert "Check your inbox" in response.get_data(as_text=True)
    assert mailbox.messages == []


def test_following_the_confirmation_link_again_is_harmless(client, mailbox):
    register(client)
    link = mailbox.last_link(NEW)
    client.get(link)
    again = client.get(link, follow_redirects=True)
    assert again.request.path == "/account/login"
    assert users()[0].is_confirmed


def test_registering_an_address_that_has_an_account_creates_nothing_and_tells_its_owner(
    client, app, mailbox, make_user
):
    owner = make_user("person@example.org", "Owner")
    first_page = register(client, email="newcomer@example.org").get_data(as_text=True)

    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = register(other, email="Person@Example.org", name="Intruder",
                        password="another password 123")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Check your inbox" in page
    assert CSRF.sub("", page) == CSRF.sub("", first_page)

    assert [u.email for u in users()] == ["person@example.org", "newcomer@example.org"]
    db.session.refresh(owner)
    assert owner.display_name == "Owner"
    [message] = mailbox.to("person@example.org")
    assert message["Subject"] == "An account already exists"
    assert mailbox.last_link("person@example.org") == "/account/login"
    # The owner's password still works; the one typed by the other person does not.
    assert log_in(other, "person@example.org", "another password 123").status_code == 200
    assert not is_logged_in(other)
    log_in(other, "person@example.org")
    assert is_logged_in(other)


def test_the_owner_is_told_in_the_language_of_their_account(client, mailbox, make_user):
    owner = make_user("person@example.org", "Owner")
    owner.locale = "fr"
    db.session.commit()
    register(client, email="person@example.org")  # from a browser asking for English
    [message] = mailbox.to("person@example.org")
    with force_locale("fr"):
        subject = gettext("An account already exists")
    assert str(make_header(decode_header(message["Subject"]))) == subject


def test_the_confirmation_is_in_the_language_of_the_registration_page(app, mailbox):
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-CA,fr;q=0.9"
    register(browser)
    [message] = mailbox.to(NEW)
    with force_locale("fr"):
        subject = gettext("Confirm your e-mail address")
    assert str(make_header(decode_header(message["Subject"]))) == subject
    assert users()[0].locale == "fr"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"password": "short pass", "confirm": "short pass"}, "Use at least 12 characters."),
        ({"confirm": "something else entirely"}, "The two passwords differ."),
        ({"email": "not an address"}, "Invalid email address."),
        ({"email": ""}, "This field is required."),
        ({"name": ""}, "This field is required."),
        ({"name": "Two\nlines"}, "Keep this on one line."),
        ({"name": "x" * 81}, "Field cannot be longer than 80 characters."),
    ],
)
def test_bad_input_gets_a_message_keeps_what_was_typed_but_not_the_passwords(
    client, mailbox, changes, message
):
    data = {"email": NEW, "name": "Camille Typed", "password": "secret typed password",
            "confirm": None} | changes
    response = register(client, **data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    if data["email"] and "@" in data["email"]:
        assert f'value="{data["email"]}"' in page
    if data["name"] and len(data["name"]) < 80 and "\n" not in data["name"]:
        assert f'value="{data["name"]}"' in page
    assert data["password"] not in page
    assert "something else entirely" not in page
    assert users() == []
    assert mailbox.messages == []


def test_the_password_is_stored_as_an_argon2id_hash(client):
    register(client)
    [user] = users()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize("token", ["garbled", "eyJ1c2VyIjoxfQ.not-signed.at-all"])
def test_a_garbled_confirmation_link_gets_a_clear_message(client, token):
    response = client.get(f"/account/confirm/{token}", follow_redirects=True)
    assert response.status_code == 200
    assert "This confirmation link is not valid." in response.get_data(as_text=True)


def test_a_tampered_confirmation_link_confirms_nothing(client, mailbox):
    register(client)
    link = mailbox.last_link(NEW)
    tampered = link[:-2] + ("AA" if not link.endswith("AA") else "BB")
    response = client.get(tampered, follow_redirects=True)
    assert "This confirmation link is not valid." in response.get_data(as_text=True)
    assert not users()[0].is_confirmed


def test_an_expired_confirmation_link_says_so_and_a_new_one_can_be_asked(
    client, mailbox, monkeypatch
):
    four_days_ago = int(time.time()) - 4 * 24 * 3600
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: four_days_ago)
        register(client)
    response = client.get(mailbox.last_link(NEW), follow_redirects=True)
    assert response.request.path == "/account/confirm"
    assert ("This confirmation link has expired. Ask for a new one."
            in response.get_data(as_text=True))
    assert not users()[0].is_confirmed

    post_form(client, "/account/confirm", {"email": NEW})
    client.get(mailbox.last_link(NEW))
    assert users()[0].is_confirmed
