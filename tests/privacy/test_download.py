"""Download my data: everything held about the person, in the documented format, and
nothing secret, nothing about anyone else."""
import json

import pytest

from consult.extensions import db
from consult.models import (
    Attachment,
    Channel,
    Role,
    Status,
    Testimony,
    UserSession,
    Visibility,
)
from tests.conftest import log_in

EMAIL = "camille.export@example.org"
OTHER = "dominique.autre@example.org"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def download(client) -> dict:
    response = client.get("/account/data/download")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


@pytest.fixture
def person(client, app, make_user, make_consultation, make_testimony):
    """A participant with a role, two sessions, a testimony of every status and an
    attachment; and another participant, with a testimony and a session of their own."""
    consultation = make_consultation("eg")
    user = make_user(EMAIL, "Camille Export", roles=((consultation, Role.FACILITATOR),))
    user.locale = "fr"
    db.session.commit()
    log_in(client, EMAIL)
    log_in(app.test_client(), EMAIL)
    # Set after logging in: the second factor is not what this test is about.
    user.totp_secret = TOTP_SECRET
    db.session.commit()
    mine = {}
    for status in Status:
        mine[status], _token = make_testimony(
            consultation, f"Mon témoignage {status.value}.", title=f"Titre {status.value}",
            status=status, visibility=Visibility.PUBLIC, display_name="Camille Export",
            themes=consultation.themes[:2], category=consultation.categories[0],
            region=consultation.regions[1], channel=Channel.ONLINE, author=user,
        )
    db.session.add(Attachment(testimony=mine[Status.PENDING], original_name="mémoire.pdf",
                              stored_name="f" * 32, media_type="application/pdf", size=1234,
                              uploader_key="k" * 64))
    db.session.commit()

    other = make_user(OTHER, "Dominique Autre")
    log_in(app.test_client(), OTHER)
    make_testimony(consultation, "Texte de quelqu’un d’autre.", author=other,
                   visibility=Visibility.PUBLIC, display_name="Dominique Autre")
    # Sent without an account, giving the same address: not tied to the account.
    make_testimony(consultation, "Envoyé sans compte.", contact_email=EMAIL)
    return user, mine


def test_the_file_is_a_private_json_attachment(client, person):
    response = client.get("/account/data/download")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="consult-my-data-')
    assert disposition.endswith('.json"')
    assert response.headers["Cache-Control"] == "no-store"


def test_the_file_holds_the_account_its_roles_and_sessions(client, person):
    user, _mine = person
    data = download(client)
    assert data["format"] == {"name": "consult-personal-data", "version": 1}
    assert list(data) == ["format", "exported_at", "account", "sessions", "testimonies", "votes",
                          "statements", "organisations", "invitations", "event_registrations",
                          "testimonies_entered_for_others"]
    account = data["account"]
    assert account["email"] == EMAIL
    assert account["display_name"] == "Camille Export"
    assert account["language"] == "fr"
    assert account["is_admin"] is False
    assert account["second_factor_enabled"] is True
    assert account["created_at"].endswith("Z") and account["email_confirmed_at"].endswith("Z")
    assert [(r["consultation"], r["role"]) for r in account["roles"]] == [("eg", "facilitator")]
    assert len(data["sessions"]) == 2
    for entry in data["sessions"]:
        assert set(entry) == {"created_at", "last_seen_at"}


def test_the_file_holds_every_testimony_whatever_its_status(client, person):
    _user, mine = person
    data = download(client)
    by_id = {t["id"]: t for t in data["testimonies"]}
    assert set(by_id) == {t.id for t in mine.values()}
    for status, testimony in mine.items():
        entry = by_id[testimony.id]
        assert entry["status"] == status.value
        assert entry["text"] == f"Mon témoignage {status.value}."
        assert entry["title"] == f"Titre {status.value}"
        assert entry["visibility"] == "public"
        assert entry["display_name"] == "Camille Export"
        assert entry["themes"] == ["Gouvernance", "Pratiques"]
        assert entry["participant_category"] == "Usager"
        assert entry["region"] == "Estrie"
        assert entry["channel"] == "online"
        assert entry["consultation"] == {"slug": "eg", "title": "Consultation eg"}
        assert entry["created_at"].endswith("Z")
    published = by_id[mine[Status.PUBLISHED].id]
    assert published["published_text"] == "Mon témoignage published."
    assert published["published_at"].endswith("Z")
    assert by_id[mine[Status.REJECTED].id]["published_text"] is None
    [attachment] = by_id[mine[Status.PENDING].id]["attachments"]
    assert (attachment["name"], attachment["media_type"], attachment["size"]) == (
        "mémoire.pdf", "application/pdf", 1234)


def test_the_file_holds_no_secret(client, person):
    user, _mine = person
    raw = client.get("/account/data/download").get_data(as_text=True)
    secrets = [user.password_hash, TOTP_SECRET, "f" * 32, "k" * 64]
    secrets += [s.token_hash for s in db.session.execute(db.select(UserSession)).scalars()]
    secrets += [t.receipt_token_hash for t in db.session.execute(db.select(Testimony)).scalars()]
    for secret in secrets:
        assert secret not in raw
    for word in ("argon2", "password", "totp", "token", "hash", "stored_name", "uploader"):
        assert word not in raw.lower()


def test_another_persons_data_is_never_in_the_file(client, person):
    raw = client.get("/account/data/download").get_data(as_text=True)
    data = json.loads(raw)
    assert OTHER not in raw and "Dominique" not in raw
    assert "quelqu’un d’autre" not in raw
    # Nor a testimony sent without an account, even with the account's address.
    assert "Envoyé sans compte" not in raw
    assert len(data["sessions"]) == 2


def test_the_other_person_gets_their_own_data_only(app, person):
    other_client = app.test_client()
    log_in(other_client, OTHER)
    data = download(other_client)
    assert data["account"]["email"] == OTHER
    assert [t["text"] for t in data["testimonies"]] == ["Texte de quelqu’un d’autre."]
    assert EMAIL not in json.dumps(data)


def test_the_personal_data_page_links_to_the_download_and_the_deletion(client, person):
    user, _mine = person
    user.locale = None  # the pages in English, as the browser asks
    db.session.commit()
    page = client.get("/account/data/").get_data(as_text=True)
    assert "My personal data" in page
    assert 'href="/account/data/download"' in page
    assert 'href="/account/data/delete"' in page
    assert "5 testimonies, whatever their status" in page
    assert "2 logged-in sessions" in page
    # Every page leads there, from its footer.
    assert 'href="/account/data/"' in client.get("/").get_data(as_text=True)
