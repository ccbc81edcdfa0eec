"""Submitting a testimony online, and what bad input gets."""
import io
from pathlib import Path

import pytest

from consult.extensions import db
from consult.models import Attachment, Channel, Status, Testimony, Visibility
from tests.conftest import csrf_token, log_in, post_form
from tests.files import DOCX, ODT, PDF, docx_parts, odt_parts, zip_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


def count_testimonies() -> int:
    return db.session.query(Testimony).count()


def form_data(consultation, **changes):
    data = {
        "title": "Huit mois d'attente",
        "body": "Ma fille a attendu huit mois avant un premier rendez-vous.",
        "themes": [str(consultation.themes[0].id)],
        "category": str(consultation.categories[0].id),
        "region": str(consultation.regions[1].id),
        "visibility": "anonymous",
        "display_name": "",
        "contact_email": "",
        "consent": "y",
    }
    data.update(changes)
    return data


def submit(client, consultation, data, files=()):
    path = f"/c/{consultation.slug}/testify"
    payload = dict(data)
    if files:
        payload["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return post_form(client, path, payload, content_type="multipart/form-data",
                     follow_redirects=True)


def test_anyone_can_testify_and_lands_on_a_private_receipt(client, make_consultation):
    consultation = make_consultation()
    response = submit(client, consultation, form_data(consultation))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.request.path.startswith("/receipt/")
    assert "Ma fille a attendu huit mois" in page
    testimony = db.session.execute(db.select(Testimony)).scalar_one()
    assert testimony.status is Status.PENDING
    assert testimony.channel is Channel.ONLINE
    assert testimony.visibility is Visibility.ANONYMOUS
    assert testimony.is_public is False and testimony.public_body is None
    assert [t.name for t in testimony.themes] == [consultation.themes[0].name]
    assert testimony.region_id == consultation.regions[1].id
    assert response.headers["Cache-Control"] == "no-store"


def test_the_receipt_link_arrives_by_email_when_an_address_is_given(
    client, make_consultation, mailbox
):
    consultation = make_consultation()
    submit(client, consultation, form_data(consultation, contact_email="Camille@Example.org"))
    [message] = mailbox.to("camille@example.org")
    link = mailbox.last_link("camille@example.org")
    assert link.startswith("/receipt/")
    fresh = client.application.test_client()
    assert "Ma fille a attendu" in fresh.get(link).get_data(as_text=True)
    assert "Ma fille" not in message.get_payload(decode=True).decode()


def test_a_logged_in_author_finds_it_under_my_testimonies(client, make_consultation, make_user):
    consultation = make_consultation()
    user = make_user("author@example.org", "Camille")
    log_in(client, "author@example.org")
    form = client.get(f"/c/{consultation.slug}/testify").get_data(as_text=True)
    assert "No account is needed" not in form
    assert "You are logged in as Camille: this testimony goes with your account" in form
    data = form_data(consultation, visibility="public", display_name="Camille",
                     submission_key="sent-while-logged-in")
    response = submit(client, consultation, data)
    testimony = db.session.execute(db.select(Testimony)).scalar_one()
    assert response.request.path == f"/my-testimonies/{testimony.id}"
    landing = response.get_data(as_text=True)
    assert "private receipt link" not in landing
    assert "find it under My testimonies" in landing
    # Sending the same form again leads back to the same page.
    again = submit(client, consultation, data)
    assert count_testimonies() == 1
    assert again.request.path == f"/my-testimonies/{testimony.id}"
    page = client.get("/my-testimonies").get_data(as_text=True)
    assert "Huit mois d&#39;attente" in page
    assert testimony.author_id == user.id
    assert testimony.contact_email is None
    assert client.get(f"/my-testimonies/{testimony.id}").status_code == 200


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"body": ""}, "Write your testimony."),
        ({"body": "x" * 200_000}, "the limit is 20000"),
        ({"themes": []}, "Choose at least one theme."),
        ({"themes": ["999999"]}, "valid choice"),
        ({"themes": ["abc"]}, "could not be coerced"),
        ({"category": "999999"}, "Not a valid choice"),
        ({"visibility": "everyone"}, "Not a valid choice"),
        ({"visibility": "public", "display_name": ""}, "Give a display name"),
        ({"consent": ""}, "You must agree to the terms"),
        ({"contact_email": "not an address"}, "Invalid email address"),
        ({"title": "two\nlines"}, "Keep this on one line."),
    ],
)
def test_bad_input_gets_a_clear_message_keeps_what_was_typed_and_stores_nothing(
    client, make_consultation, changes, message
):
    consultation = make_consultation()
    data = form_data(consultation, **changes)
    response = submit(client, consultation, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert count_testimonies() == 0
    if changes.get("body", "x") and len(data["body"]) < 1000:
        assert data["body"] in page


def test_a_theme_of_another_consultation_is_refused(client, make_consultation):
    consultation = make_consultation("a")
    other = make_consultation("b", themes=("Autre",))
    response = submit(client, consultation,
                      form_data(consultation, themes=[str(other.themes[0].id)]))
    assert "valid choice" in response.get_data(as_text=True)
    assert count_testimonies() == 0


def test_a_missing_csrf_token_is_refused_and_stores_nothing(client, make_consultation):
    consultation = make_consultation()
    response = client.post(f"/c/{consultation.slug}/testify", data=form_data(consultation))
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert count_testimonies() == 0


@pytest.mark.parametrize("phase", ["draft", "synthesis", "vote", "closed"])
def test_no_testimony_outside_the_open_phase(client, make_consultation, make_user, phase):
    consultation = make_consultation(phase=phase)
    make_user("admin@example.org", admin=True)
    token = csrf_token(client)
    response = client.post(f"/c/{consultation.slug}/testify",
                           data=form_data(consultation, csrf_token=token))
    assert response.status_code in (403, 404)
    if phase != "draft":  # a draft is not even visible to the public
        assert "not accepting testimonies" in response.get_data(as_text=True)
    assert count_testimonies() == 0


def test_attachments_of_each_accepted_type_are_kept(client, make_consultation):
    consultation = make_consultation()
    files = [("memoire.pdf", PDF), ("photo.png", PNG), ("scan.jpg", JPEG)]
    response = submit(client, consultation, form_data(consultation), files)
    assert response.request.path.startswith("/receipt/")
    stored = db.session.execute(db.select(Attachment).order_by(Attachment.id)).scalars().all()
    assert [a.media_type for a in stored] == ["application/pdf", "image/png", "image/jpeg"]
    download = client.get(response.request.path + f"/attachments/{stored[0].id}")
    assert download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("brief.odt", ODT, "application/vnd.oasis.opendocument.text"),
        ("brief.docx", DOCX,
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("named-wrongly.txt", PDF, "application/pdf"),
    ],
)
def test_the_type_is_read_from_the_content(client, make_consultation, name, content, expected):
    consultation = make_consultation()
    submit(client, consultation, form_data(consultation), [(name, content)])
    assert db.session.execute(db.select(Attachment.media_type)).scalar_one() == expected


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("rapport.pdf", EXECUTABLE, "is not a PDF, ODT, DOCX, PNG or JPEG file"),
        ("archive.docx", zip_of({"evil.exe": EXECUTABLE}), "is not a PDF, ODT, DOCX, PNG or JPEG"),
        ("page.pdf", b"<html><script>alert(1)</script></html>", "is not a PDF"),
        ("vide.pdf", b"", "is empty"),
        ("huge.pdf", PDF + b"0" * (10 * 1024 * 1024), "is larger than 10 MB"),
    ],
)
def test_refused_files_store_nothing_and_say_the_files_must_be_chosen_again(
    client, make_consultation, app, name, content, message
):
    consultation = make_consultation()
    data = form_data(consultation)
    response = submit(client, consultation, data, [(name, content)])
    page = response.get_data(as_text=True)
    assert message in page
    assert "choose them again" in page
    assert data["body"] in page
    assert count_testimonies() == 0
    assert list(Path(app.config["UPLOAD_DIR"]).iterdir()) == []


def test_at_most_three_attachments(client, make_consultation):
    consultation = make_consultation()
    response = submit(client, consultation, form_data(consultation),
                      [(f"f{i}.pdf", PDF) for i in range(4)])
    assert "Attach at most 3 files." in response.get_data(as_text=True)
    assert count_testimonies() == 0


def test_a_double_submission_creates_one_testimony(client, make_consultation):
    consultation = make_consultation()
    data = form_data(consultation, submission_key="same-form-sent-twice")
    first = submit(client, consultation, data)
    second = submit(client, consultation, data)
    assert count_testimonies() == 1
    assert second.request.path == first.request.path
    assert "already received" in second.get_data(as_text=True)


@pytest.mark.parametrize(
    "name, content",
    [
        ("photo.png", PNG + b"PK\x03\x04" + b"\x00" * 40),
        ("photo.jpg", JPEG + b"<script>alert(1)</script>"),
        ("image.png", PNG + b"<svg onload=alert(1)>"),
        ("doc.pdf", PDF + b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
        ("doc.pdf", PDF + b"/Launch /F (cmd.exe)"),
        ("macro.docx", zip_of(docx_parts() | {"word/vbaProject.bin": b"\x00"})),
        ("texte.odt", zip_of(odt_parts() | {"Basic/Standard/Module1.xml": b"<x/>"})),
    ],
)
def test_polyglots_and_active_content_are_refused(client, make_consultation, name, content):
    consultation = make_consultation()
    response = submit(client, consultation, form_data(consultation), [(name, content)])
    assert "is not a PDF, ODT, DOCX, PNG or JPEG file" in response.get_data(as_text=True)
    assert count_testimonies() == 0


def test_each_person_has_an_upload_quota(client, make_consultation, app):
    consultation = make_consultation()
    quota = app.config["UPLOAD_QUOTA_BYTES"]
    big = PDF + b"0" * (app.config["MAX_ATTACHMENT_BYTES"] - len(PDF))
    sent = 0
    while sent + 3 * len(big) <= quota:
        response = submit(client, consultation, form_data(consultation),
                          [("a.pdf", big), ("b.pdf", big), ("c.pdf", big)])
        assert response.request.path.startswith("/receipt/")
        sent += 3 * len(big)
    response = submit(client, consultation, form_data(consultation), [("d.pdf", big)] * 3)
    page = response.get_data(as_text=True)
    assert "You have sent too many files today" in page
    assert form_data(consultation)["body"] in page
    assert count_testimonies() == quota // (3 * len(big))
    # Without files, the same person can still testify.
    assert submit(client, consultation, form_data(consultation)).request.path.startswith("/receipt/")


def test_a_nul_character_is_dropped_not_a_server_error(client, make_consultation):
    consultation = make_consultation()
    response = submit(client, consultation, form_data(consultation, body="Avant\x00après",
                                                      title="Ti\x00tre"))
    assert response.request.path.startswith("/receipt/")
    testimony = db.session.execute(db.select(Testimony)).scalar_one()
    assert (testimony.title, testimony.body) == ("Titre", "Avantaprès")
