"""Importing testimonies typed into a spreadsheet, from the web: every invalid row named
with its line, all or nothing, and a second import of the same file adds nothing."""
import hashlib
import io
import json
import os

import openpyxl
import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import (
    AuditEntry,
    Channel,
    ConsentMethod,
    MemberRole,
    Membership,
    Status,
    Testimony,
    Visibility,
    testimony_themes,
    utcnow,
)
from consult.moderation import services as moderation
from consult.paper import services
from consult.paper.spreadsheet import read_sheet
from tests.conftest import log_in, post_form
from tests.paper.conftest import (
    HEADER,
    confirm,
    csv_file,
    reference_in,
    row,
    rows,
    count_testimonies,
    upload,
    xlsx_file,
)


def test_one_bad_row_among_1000_imports_nothing_and_names_its_line(facilitator_a, place):
    content = csv_file(rows(1000, line_734={"themes": "Gouvernance;Logement"}))
    page = upload(facilitator_a, place.import_url, content).get_data(as_text=True)
    assert "Nothing was imported: 1 problem to correct" in page
    assert "<td>734</td><td>Unknown theme “Logement”.</td>" in page
    assert 'name="reference"' not in page  # no confirm button
    assert count_testimonies() == 0


def test_every_invalid_row_is_listed_with_its_reason(facilitator_a, place, app):
    too_long = "x" * (app.config["TESTIMONY_MAX_CHARS"] + 1)
    content = csv_file([
        row(1),
        row(2, testimony=""),
        row(3, visibility="everyone"),
        row(4, visibility="public", display_name=""),
        row(5, testimony=too_long),
        row(6, key="F-00001"),
        row(7, event=str(place.event_b.id)),
        row(8, email="not-an-address"),
        row(9, consent="nodded"),
        row(10, category="Astronaute"),
        row(11, themes=""),
    ])
    page = upload(facilitator_a, place.import_url, content).get_data(as_text=True)
    expected = {
        3: "testimony: Write your testimony.",
        4: "visibility: write public, anonymous or confidential.",
        5: "display_name: Give a display name, or choose to publish without a name.",
        6: "testimony: Your testimony has 20001 characters; the limit is 20000.",
        7: "The key “F-00001” is already on line 2.",
        8: f"Event {place.event_b.id} is not one of this organisation",
        9: "email: Invalid email address.",
        10: "consent: write signed_form, oral or written.",
        11: "Unknown category “Astronaute”.",
        12: "themes: Choose at least one theme.",
    }
    assert "10 problems to correct" in page
    for line, reason in expected.items():
        assert f"<td>{line}</td><td>{reason}" in page.replace("&#39;", "'"), (line, reason)
    assert count_testimonies() == 0


def test_a_valid_file_is_previewed_then_imported_as_pending_paper_testimonies(
        facilitator_a, place, make_client):
    data = rows(30)
    data[0].update(event=str(place.event_a.id), email="Lea@Example.org", title="Titre")
    page = upload(facilitator_a, place.import_url, csv_file(data)).get_data(as_text=True)
    assert "30 new testimonies to import." in page and "The first 20 rows:" in page
    assert "F-00019" in page and "F-00020" not in page
    assert count_testimonies() == 0  # nothing before confirmation
    done = confirm(facilitator_a, place, reference_in(page)).get_data(as_text=True)
    assert "30 testimonies imported, waiting for moderation." in done
    first = db.session.execute(select(Testimony).order_by(Testimony.id)).scalars().first()
    assert (first.status, first.channel, first.author, first.entered_by, first.organisation,
            first.event, first.consent_method, first.contact_email, first.title) == (
        Status.PENDING, Channel.PAPER, None, place.facilitator_a, place.org_a, place.event_a,
        ConsentMethod.SIGNED_FORM, "lea@example.org", "Titre")
    assert first.submission_key == hashlib.sha256(
        f"import:{place.consultation.id}:{place.org_a.id}:F-00000".encode()).hexdigest()
    assert (first.visibility, first.display_name) == (Visibility.PUBLIC, "Marie")
    second = db.session.execute(select(Testimony).filter_by(body=data[1]["testimony"])).scalar_one()
    assert [t.name for t in second.themes] == ["Gouvernance", "Accès"]
    assert second.visibility is Visibility.ANONYMOUS and second.display_name is None
    tokens = db.session.execute(select(Testimony.receipt_token_hash)).scalars()
    assert len(set(tokens)) == 30
    audit = db.session.execute(select(AuditEntry).filter_by(action="testimonies_imported")
                               ).scalar_one()
    assert audit.actor_id == place.facilitator_a.id
    assert json.loads(audit.details) == {"already_imported": 0, "imported": 30}

    moderator = make_client()
    log_in(moderator, place.moderator.email)
    queue = moderator.get("/c/papier/moderation?channel=paper").get_data(as_text=True)
    assert data[3]["testimony"].replace("'", "&#39;") in queue


def test_the_same_file_imported_twice_adds_its_rows_once(facilitator_a, place):
    content = csv_file(rows(50))
    for _attempt in range(2):
        page = upload(facilitator_a, place.import_url, content).get_data(as_text=True)
        if _attempt == 0:
            confirm(facilitator_a, place, reference_in(page))
    assert "0 new testimonies to import." in page
    assert "50 already imported: they will be skipped." in page
    assert "Nothing new to import." in page
    assert count_testimonies() == 50
    # The same file with 10 more rows: only these are new.
    page = upload(facilitator_a, place.import_url, csv_file(rows(60))).get_data(as_text=True)
    assert "10 new testimonies to import." in page and "50 already imported" in page
    done = confirm(facilitator_a, place, reference_in(page)).get_data(as_text=True)
    assert "10 testimonies imported" in done and "50 already imported before." in done
    assert count_testimonies() == 60


@pytest.mark.parametrize("kind", ["xlsx", "csv-bom-semicolon", "csv-french-headings"])
def test_xlsx_and_csv_variants_are_read_alike(facilitator_a, place, kind):
    data = rows(5)
    if kind == "xlsx":
        content, name = xlsx_file(data), "saisie.xlsx"
    elif kind == "csv-bom-semicolon":
        content, name = csv_file(data, delimiter=";", bom=True), "saisie.csv"
    else:
        french = ["Clé", "Canal", "Événement", "Titre", "Témoignage", "Thèmes", "Catégorie",
                  "Région", "Visibilité", "Nom affiché", "Consentement", "Courriel"]
        content, name = csv_file(data, header=french), "saisie.csv"
    page = upload(facilitator_a, place.import_url, content, name).get_data(as_text=True)
    assert "5 new testimonies to import." in page, page
    confirm(facilitator_a, place, reference_in(page))
    assert count_testimonies() == 5
    assert db.session.execute(select(Testimony.title)).scalars().all() == [None] * 5


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@pytest.mark.parametrize("content, message", [
    (PNG, "This file is neither a CSV file nor an XLSX spreadsheet."),
    (b"", "The file is empty."),
    (b"\n\n", "The file is empty."),
    (",".join(HEADER).encode(), "The file has its column names but no testimony."),
    (b"key,themes,visibility,consent\nF-1,Pratiques,anonymous,oral\n",
     "Columns missing from the first line: testimony."),
    ("clé;témoignage\r\nF-1;Un texte".encode("latin-1"), "is not in UTF-8"),
    (b"PK\x03\x04 not really a zip", "This spreadsheet cannot be read."),
    (b"surname,age\nA,B\n", "The first line must hold the column names"),
])
def test_a_malformed_file_gets_one_clear_message(facilitator_a, place, content, message):
    page = upload(facilitator_a, place.import_url, content).get_data(as_text=True)
    assert message in page.replace("&#34;", '"')
    assert count_testimonies() == 0


def test_a_line_not_in_utf8_far_into_the_file_is_named(facilitator_a, place):
    lines = csv_file(rows(40)).split(b"\r\n")
    lines[30] = lines[30].replace("numéro".encode(), "numéro".encode("latin-1"))
    page = upload(facilitator_a, place.import_url, b"\r\n".join(lines)).get_data(as_text=True)
    assert "Line 31 of this CSV file is not in UTF-8" in page
    assert count_testimonies() == 0


def test_a_file_over_the_limit_is_refused(facilitator_a, place, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1024 * 1024)
    content = csv_file(rows(1)) + b"x" * (6 * 1024 * 1024)
    page = upload(facilitator_a, place.import_url, content).get_data(as_text=True)
    assert "This file is larger than 1 MB" in page
    assert count_testimonies() == 0


def test_a_stale_or_foreign_reference_imports_nothing(facilitator_a, place, make_client,
                                                      make_user, import_dir):
    page = upload(facilitator_a, place.import_url, csv_file(rows(3))).get_data(as_text=True)
    reference = reference_in(page)
    # Another facilitator of the same organisation cannot confirm it.
    colleague = make_user("collegue@example.org")
    place.org_a.members.append(Membership(user=colleague, role=MemberRole.FACILITATOR))
    db.session.commit()
    other = make_client()
    log_in(other, colleague.email)
    refused = confirm(other, place, reference).get_data(as_text=True)
    assert "This preview has expired or is not yours" in refused
    for bad in ("../../etc/passwd", "A" * 32, ""):
        assert "expired or is not yours" in confirm(facilitator_a, place, bad).get_data(
            as_text=True)
    # An hour later, the preview has expired.
    for path in import_dir.iterdir():
        old = path.stat().st_mtime - services.UPLOAD_MAX_AGE_SECONDS - 1
        os.utime(path, (old, old))
    assert "expired or is not yours" in confirm(facilitator_a, place, reference).get_data(
        as_text=True)
    assert count_testimonies() == 0
    # Sending a file again clears the expired ones away.
    upload(facilitator_a, place.import_url, csv_file(rows(3)))
    assert len(list(import_dir.iterdir())) == 2


def test_the_kept_file_is_removed_after_the_import(facilitator_a, place, import_dir):
    page = upload(facilitator_a, place.import_url, csv_file(rows(3))).get_data(as_text=True)
    assert len(list(import_dir.iterdir())) == 2
    confirm(facilitator_a, place, reference_in(page))
    assert list(import_dir.iterdir()) == []
    # Confirming twice imports once.
    assert "expired or is not yours" in confirm(facilitator_a, place, reference_in(page)
                                                ).get_data(as_text=True)
    assert count_testimonies() == 3


def test_a_failure_half_way_leaves_the_database_as_it_was(app, place, monkeypatch, tmp_path):
    path = tmp_path / "saisie.csv"
    path.write_bytes(csv_file(rows(1000)))
    monkeypatch.setattr(services, "BATCH_ROWS", 100)
    calls = []
    real = services._theme_links

    def failing(ids, batch):
        calls.append(len(batch))
        if len(calls) == 5:
            raise RuntimeError("the disk is full")
        return real(ids, batch)

    monkeypatch.setattr(services, "_theme_links", failing)
    with app.test_request_context(), pytest.raises(RuntimeError):
        services.import_rows(place.consultation, place.org_a, read_sheet(path),
                             place.facilitator_a)
    assert calls == [100] * 5
    assert count_testimonies() == 0
    assert db.session.execute(select(func.count()).select_from(testimony_themes)).scalar_one() == 0
    assert db.session.execute(select(AuditEntry).filter_by(action="testimonies_imported")
                              ).first() is None


def test_an_event_of_organisation_b_is_an_invalid_row_in_a_file_of_a(facilitator_a, place):
    content = csv_file([row(0, event=str(place.event_b.id)), row(1, event=str(place.event_a.id))])
    page = upload(facilitator_a, place.import_url, content).get_data(as_text=True)
    assert f"<td>2</td><td>Event {place.event_b.id} is not one of this organisation" in page
    assert "1 problem to correct" in page


def test_a_facilitator_of_b_gets_404_on_the_import_pages_of_a(client, place):
    log_in(client, place.facilitator_b.email)
    base = place.import_url
    for path in (base, base + "/template.csv", base + "/template.xlsx"):
        assert client.get(path).status_code == 404
    assert post_form(client, base, {"reference": "x"}, form_page="/").status_code == 404
    assert post_form(client, base + "/confirm", {"reference": "x"},
                     form_page="/").status_code == 404


def test_the_templates_hold_the_columns_and_the_lists(facilitator_a, place):
    response = facilitator_a.get(place.import_url + "/template.csv")
    assert response.mimetype == "text/csv"
    assert response.get_data() == ("\ufeff" + ",".join(HEADER) + "\r\n").encode()
    response = facilitator_a.get(place.import_url + "/template.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    first, guide = workbook.worksheets
    assert [cell.value for cell in first[1]] == HEADER
    cells = [cell.value for line in guide.iter_rows() for cell in line if cell.value]
    assert "testimony" in cells and "Accès" in cells and "Estrie" in cells
    assert place.event_a.title in cells and place.event_b.title not in cells
    # The empty CSV template, filled in, imports.
    filled = facilitator_a.get(place.import_url + "/template.csv").get_data()
    filled += "F-1,,,,Un texte.,Pratiques,,,anonymous,,oral,\r\n".encode()
    page = upload(facilitator_a, place.import_url, filled).get_data(as_text=True)
    assert "1 new testimony to import." in page


def test_a_closed_consultation_takes_no_import(facilitator_a, place):
    place.consultation.synthesis_at = utcnow()
    db.session.commit()
    page = upload(facilitator_a, place.import_url, csv_file(rows(2))).get_data(as_text=True)
    assert "not accepting testimonies" in page
    assert count_testimonies() == 0


def test_the_daily_purge_deletes_previews_never_confirmed(facilitator_a, place, import_dir,
                                                          runner):
    upload(facilitator_a, place.import_url, csv_file(rows(3)))
    assert "never confirmed within the hour: 0 were deleted" in runner.invoke(
        args=["consult", "purge"]).output
    for path in import_dir.iterdir():
        old = path.stat().st_mtime - services.UPLOAD_MAX_AGE_SECONDS - 1
        os.utime(path, (old, old))
    assert "never confirmed within the hour: 1 were deleted" in runner.invoke(
        args=["consult", "purge"]).output
    assert list(import_dir.iterdir()) == []


def test_imported_testimonies_wait_outside_the_public_figures_until_published(
        facilitator_a, place, app):
    page = upload(facilitator_a, place.import_url, csv_file(rows(6))).get_data(as_text=True)
    confirm(facilitator_a, place, reference_in(page))
    db.session.expire_all()
    assert place.consultation.public_testimonies == 0
    anonymous = db.session.execute(select(Testimony).filter_by(
        visibility=Visibility.ANONYMOUS).order_by(Testimony.id)).scalars().first()
    with app.test_request_context():
        moderation.publish(anonymous, place.moderator, anonymous.version)
    db.session.expire_all()
    assert place.consultation.public_testimonies == 1
    assert {t.name: t.public_testimonies for t in place.consultation.themes} == {
        t.name: int(t in anonymous.themes) for t in place.consultation.themes}
