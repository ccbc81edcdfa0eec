"""Sessions end for real, passwords resist guessing, and staff use a second factor."""
from datetime import timedelta

import pyotp
import pytest

from config import Config
from consult.extensions import db
from consult.models import Role, UserSession, utcnow
from tests.conftest import PASSWORD, log_in, pass_second_factor, post_form

EMAIL = "camille@example.org"


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def is_logged_in(client) -> bool:
    return client.get("/my-testimonies").status_code == 200


def replay(client, cookie: str) -> None:
    client.set_cookie("session", cookie)


def test_logging_in_starts_a_new_session(client, make_user):
    make_user(EMAIL)
    client.get("/account/login")
    before = session_cookie(client)
    log_in(client, EMAIL)
    assert is_logged_in(client)
    assert session_cookie(client) != before
    # A cookie planted before the log-in (session fixation) logs nobody in.
    other = client.application.test_client()
    replay(other, before)
    assert not is_logged_in(other)


def test_an_old_cookie_is_refused_after_logout(client, make_user):
    make_user(EMAIL)
    log_in(client, EMAIL)
    kept = session_cookie(client)
    post_form(client, "/account/logout", form_page="/")
    assert not is_logged_in(client)
    replay(client, kept)
    assert not is_logged_in(client)
    assert db.session.query(UserSession).count() == 0


def test_an_old_cookie_is_refused_after_a_password_change(client, app, make_user):
    make_user(EMAIL)
    elsewhere = app.test_client()
    log_in(elsewhere, EMAIL)
    log_in(client, EMAIL)
    kept = session_cookie(client)
    response = post_form(client, "/account/password", {
        "current": PASSWORD, "password": "une phrase de passe neuve", "confirm":
        "une phrase de passe neuve"}, follow_redirects=True)
    assert "Your password has been changed" in response.get_data(as_text=True)
    assert is_logged_in(client)
    assert not is_logged_in(elsewhere)
    other = app.test_client()
    replay(other, kept)
    assert not is_logged_in(other)


def test_a_wrong_current_password_changes_nothing(client, make_user):
    make_user(EMAIL)
    log_in(client, EMAIL)
    response = post_form(client, "/account/password", {
        "current": "pas le bon mot de passe", "password": "une phrase de passe neuve",
        "confirm": "une phrase de passe neuve"})
    assert "Your current password is not this one." in response.get_data(as_text=True)
    other = client.application.test_client()
    assert log_in(other, EMAIL).status_code == 302


def test_log_out_everywhere_ends_every_session(client, app, make_user):
    make_user(EMAIL)
    phone, laptop = app.test_client(), app.test_client()
    for browser in (phone, laptop, client):
        log_in(browser, EMAIL)
    post_form(client, "/account/sessions/end-all", form_page="/account/profile")
    assert not any(is_logged_in(browser) for browser in (phone, laptop, client))


@pytest.mark.parametrize("field, age", [("last_seen_at", timedelta(minutes=31)),
                                        ("created_at", timedelta(hours=13))])
def test_sessions_time_out(client, make_user, field, age):
    make_user(EMAIL)
    log_in(client, EMAIL)
    user_session = db.session.execute(db.select(UserSession)).scalar_one()
    setattr(user_session, field, utcnow() - age)
    if field == "created_at":
        user_session.last_seen_at = utcnow()
    db.session.commit()
    assert not is_logged_in(client)


def test_session_cookies_are_secure_httponly_and_samesite(app, monkeypatch):
    assert Config.SESSION_COOKIE_SECURE, "Secure by default outside local development"
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", Config.SESSION_COOKIE_SECURE)
    cookie = app.test_client().get("/account/login").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_repeated_failures_lock_the_account_for_a_while(client, make_user):
    user = make_user(EMAIL)
    for _ in range(5):
        post_form(client, "/account/login", {"email": EMAIL, "password": "mauvais essai"})
    locked = post_form(client, "/account/login", {"email": EMAIL, "password": PASSWORD})
    assert "this account is locked" in locked.get_data(as_text=True)
    assert not is_logged_in(client)
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert log_in(client, EMAIL).status_code == 302
    assert is_logged_in(client)


@pytest.mark.parametrize("password", ["password1234", "qwertyuiop123", "iloveyou!!!!!!",
                                      "aaaaaaaaaaaaaaaa", "1q2w3e4r5t6y"])
def test_common_breached_passwords_are_refused(client, password):
    response = post_form(client, "/account/register", {
        "email": EMAIL, "display_name": "Camille", "password": password, "confirm": password})
    assert "most often stolen" in response.get_data(as_text=True)


@pytest.mark.parametrize("admin, role", [(True, None), (False, Role.MODERATOR),
                                         (False, Role.COMMISSIONER)])
def test_staff_need_a_second_factor(client, make_user, make_consultation, admin, role):
    consultation = make_consultation()
    roles = ((consultation, role),) if role else ()
    user = make_user(EMAIL, admin=admin, roles=roles)
    assert user.needs_second_factor
    post_form(client, "/account/login", {"email": EMAIL, "password": PASSWORD})
    if admin:
        page = client.get("/admin/consultations")
        assert page.status_code == 302 and "/account/second-factor" in page.headers["Location"]
    pass_second_factor(client, user)
    if admin:
        assert client.get("/admin/consultations").status_code == 200


def test_a_second_factor_code_works_once(client, make_user):
    user = make_user(EMAIL, admin=True)
    post_form(client, "/account/login", {"email": EMAIL, "password": PASSWORD})
    code = pyotp.TOTP(user.totp_secret).now()
    assert post_form(client, "/account/second-factor", {"code": code}).status_code == 302
    other = client.application.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    post_form(other, "/account/login", {"email": EMAIL, "password": PASSWORD})
    replayed = post_form(other, "/account/second-factor", {"code": code})
    assert "This code is not the right one." in replayed.get_data(as_text=True)
    assert other.get("/admin/consultations").status_code == 302


def test_a_participant_needs_no_second_factor(client, make_user):
    assert not make_user(EMAIL).needs_second_factor


@pytest.mark.parametrize("path, data, allowed", [
    ("/account/login", {"email": EMAIL, "password": "mauvais essai"}, 10),
    ("/account/register", {"email": EMAIL}, 5),
    ("/account/forgot-password", {"email": EMAIL}, 5),
    ("/c/eg/testify", {"body": ""}, 20),
])
def test_rate_limits(client, rate_limits, make_consultation, path, data, allowed):
    make_consultation("eg")
    statuses = [post_form(client, path, data).status_code for _ in range(allowed + 1)]
    assert 429 not in statuses[:allowed]
    assert statuses[allowed] == 429
