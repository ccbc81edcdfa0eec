"""One's profile: display name and interface language."""
import re

import pytest

from consult.extensions import db
from consult.models import User
from tests.conftest import log_in, post_form

EMAIL = "person@example.org"


def html_lang(client, path="/") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def save_profile(client, name="Camille", locale=""):
    return post_form(client, "/account/profile", {"display_name": name, "locale": locale},
                     follow_redirects=True)


@pytest.fixture
def logged_in(client, make_user):
    user = make_user(EMAIL, "Person")
    log_in(client, EMAIL)
    return user


def test_the_profile_needs_an_account(client):
    response = client.get("/account/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")


def test_the_profile_shows_the_current_values(client, logged_in):
    page = client.get("/account/profile").get_data(as_text=True)
    assert 'value="Person"' in page
    assert '<option selected value="">As my browser says</option>' in page


def test_changing_the_display_name(client, logged_in):
    response = save_profile(client, "  Camille Tremblay  ")
    page = response.get_data(as_text=True)
    assert "Your profile has been saved." in page
    assert 'value="Camille Tremblay"' in page
    db.session.refresh(logged_in)
    assert logged_in.display_name == "Camille Tremblay"


def test_after_choosing_french_the_pages_are_in_french(client, logged_in):
    assert html_lang(client) == "en"
    response = save_profile(client, "Person", "fr")
    assert '<html lang="fr">' in response.get_data(as_text=True)
    assert html_lang(client, "/") == "fr"
    assert html_lang(client, "/terms") == "fr"
    assert '<option selected value="fr">Français</option>' in client.get(
        "/account/profile").get_data(as_text=True)


def test_the_chosen_language_follows_the_account_to_another_browser(client, app, logged_in):
    save_profile(client, "Person", "fr")
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert html_lang(other) == "en"
    log_in(other, EMAIL)
    assert html_lang(other) == "fr"


def test_going_back_to_the_browser_language_undoes_the_language_switch(client, logged_in):
    # The header's language button, then the profile's "As my browser says" (English here).
    post_form(client, "/language", {"locale": "fr", "next": "/"})
    assert html_lang(client) == "fr"
    save_profile(client, "Person", "")
    assert html_lang(client) == "en"
    db.session.refresh(logged_in)
    assert logged_in.locale is None


def test_choosing_english_overrides_an_earlier_language_switch(client, logged_in):
    post_form(client, "/language", {"locale": "fr", "next": "/"})
    save_profile(client, "Person", "en")
    assert html_lang(client) == "en"


@pytest.mark.parametrize(
    "name, locale, message",
    [
        ("", "fr", "This field is required."),
        ("Two\nlines", "fr", "Keep this on one line."),
        ("Camille", "de", "Not a valid choice."),
    ],
)
def test_a_bad_profile_is_refused_with_a_message_and_changes_nothing(
    client, logged_in, name, locale, message
):
    response = post_form(client, "/account/profile", {"display_name": name, "locale": locale})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    if name == "Camille":
        assert 'value="Camille"' in page
    user = db.session.execute(db.select(User)).scalar_one()
    db.session.refresh(user)
    assert (user.display_name, user.locale) == ("Person", None)
