"""French by default, English on request, and a French catalog with nothing missing."""
import html
import re
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from consult.extensions import db
from tests.conftest import csrf_token, log_in

ROOT = Path(__file__).resolve().parent.parent


def test_pages_are_in_french_by_default(app):
    page = app.test_client().get("/account/login").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Se connecter" in page


def test_the_browser_language_is_followed(app):
    client = app.test_client()
    page = client.get("/account/login", headers={"Accept-Language": "en-CA,en;q=0.8"})
    assert '<html lang="en">' in page.get_data(as_text=True)


LANGUAGE_LINK = re.compile(r'<a href="([^"]+)" lang="(\w+)" hreflang')


def test_the_language_switch_works_on_every_page_without_javascript(app):
    client = app.test_client()
    link = LANGUAGE_LINK.search(client.get("/terms?").get_data(as_text=True))
    assert link.group(2) == "en"
    response = client.get(html.unescape(link.group(1)))
    assert response.status_code == 302 and response.headers["Location"] == "/terms"
    assert '<html lang="en">' in client.get("/terms").get_data(as_text=True)
    client.get(html.unescape(LANGUAGE_LINK.search(client.get("/terms").get_data(as_text=True)).group(1)))
    assert '<html lang="fr">' in client.get("/terms").get_data(as_text=True)


def test_a_signed_in_person_switches_with_a_form_that_keeps_the_choice(app, make_user):
    person = make_user()
    client = app.test_client()
    log_in(client, person.email)
    token = csrf_token(client, "/terms")
    response = client.post("/language", data={"locale": "en", "next": "/terms?",
                                              "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/terms"
    assert '<html lang="en">' in client.get("/terms").get_data(as_text=True)
    db.session.refresh(person)
    assert person.locale == "en"


def test_the_switch_never_sends_people_elsewhere(app):
    client = app.test_client()
    token = csrf_token(client)
    for target in ("https://evil.example/", "//evil.example", "/\\evil.example", "/\t/evil.example"):
        response = client.post("/language", data={"locale": "en", "next": target,
                                                  "csrf_token": token})
        assert response.headers["Location"] == "/"
        response = client.get("/language/fr", query_string={"next": target})
        assert response.headers["Location"] == "/"


def test_every_message_has_a_french_translation(tmp_path):
    template = tmp_path / "messages.pot"
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
        "-o", str(template), str(ROOT),
    ])
    with template.open("rb") as handle:
        wanted = {message.id for message in read_po(handle) if message.id}
    with (ROOT / "consult/translations/fr/LC_MESSAGES/messages.po").open("rb") as handle:
        french = read_po(handle)
    missing = sorted(str(m) for m in wanted if not french.get(m) or not french.get(m).string
                     or (isinstance(m, tuple) and not all(french.get(m).string)))
    fuzzy = sorted(str(m.id) for m in french if m.id and m.fuzzy)
    assert missing == [], f"{len(missing)} messages without French: {missing[:10]}"
    assert fuzzy == []


def _french_texts() -> list[str]:
    with (ROOT / "consult/translations/fr/LC_MESSAGES/messages.po").open("rb") as handle:
        messages = [m for m in read_po(handle) if m.id]
    return [text for m in messages
            for text in (m.string if isinstance(m.string, (list, tuple)) else [m.string])]


def test_french_punctuation_is_held_by_no_break_spaces_and_never_doubled():
    texts = _french_texts()
    # A plain space before : ; ! ? » or after « lets the line break before the sign.
    plain = [t for t in texts if re.search(r" [:;!?»]|« ", t)]
    doubled = [t for t in texts if re.search(r"[.;:!?][\u00a0\u202f ]?[:;]", t)]
    assert plain == [] and doubled == []


def test_the_hearing_channel_has_one_french_name():
    with (ROOT / "consult/translations/fr/LC_MESSAGES/messages.po").open("rb") as handle:
        hearings = [m for m in read_po(handle)
                    if m.id and "hearing" in str(m.id).casefold()]
    assert hearings and all("audition" in str(m.string).casefold() for m in hearings), [
        (m.id, m.string) for m in hearings if "audition" not in str(m.string).casefold()]
    assert not any(re.search(r"\baudience", text, re.I) for text in _french_texts())


def test_a_form_error_ends_its_label_with_one_colon(app, make_consultation):
    make_consultation("ponctuation")
    client = app.test_client()
    response = client.post("/c/ponctuation/testify", data={
        "csrf_token": csrf_token(client, "/c/ponctuation/testify"), "body": "Un mot."})
    page = response.get_data(as_text=True)
    assert "J’accepte les conditions de participation\u00a0:" in page
    assert ".:" not in page and ".\u00a0:" not in page
