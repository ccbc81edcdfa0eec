"""Public and internal exports of testimonies, recommendations, results and excerpts, as
CSV, JSON and XLSX: what each may hold, safe cells, and the command line."""
import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from flask_babel import force_locale

from consult.exports import formats
from consult.exports import services as export_services
from consult.extensions import db
from consult.models import (
    AuditEntry,
    Excerpt,
    Job,
    Role,
    Status,
    Testimony,
    Visibility,
    utcnow,
)
from consult.synthesis import services as synthesis
from consult.testimonies.services import refresh_public_copy
from consult.voting import services as voting
from tests.conftest import log_in, post_form

SECRET = "Canari-confidentiel-9d3f"
MASKED = "Canari-masque-41aa"
EMAIL = "canari.courriel@example.org"
FORMULA = '=HYPERLINK("http://example.org/x","clic")'
LONG = "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 שלום عربى " + "mot " * 5000


@pytest.fixture
def archive(make_consultation, make_testimony, make_user):
    consultation = make_consultation("archive")
    make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),))
    make_testimony(consultation, f"Un secret : {SECRET}", visibility=Visibility.CONFIDENTIAL,
                   title="Confidentiel")
    make_testimony(consultation, "En attente de moderation.", status=Status.PENDING,
                   contact_email=EMAIL)
    masked, _ = make_testimony(consultation, f"Appelez {MASKED} demain.", contact_email=EMAIL)
    masked.redacted_body = "Appelez [nom] demain."
    refresh_public_copy(masked)
    make_testimony(consultation, FORMULA, title="-2+3", visibility=Visibility.PUBLIC,
                   display_name="Camille")
    make_testimony(consultation, LONG, visibility=Visibility.ANONYMOUS, display_name="Caché")
    db.session.commit()
    return consultation


def download(client, dataset="testimonies", kind="public", export_format="csv", **filters):
    response = post_form(client, "/c/archive/exports", {
        "dataset": dataset, "kind": kind, "format": export_format, **filters})
    assert response.status_code == 200, response.status_code
    return response


def test_a_public_export_holds_only_what_the_public_pages_show(client, archive):
    log_in(client, "com@example.org")
    for export_format in ("csv", "json", "xlsx"):
        response = download(client, export_format=export_format)
        assert "public" in response.headers["Content-Disposition"]
        data = response.get_data()
        text = data.decode("utf-8") if export_format != "xlsx" else _xlsx_text(data)
        for canary in (SECRET, MASKED, EMAIL, "En attente", "Caché", "Confidentiel"):
            assert canary not in text, (export_format, canary)
        assert "Appelez [name] demain." in text and "Camille" in text  # in English
    assert db.session.query(AuditEntry).filter_by(action="export.internal").count() == 0


def test_an_internal_export_says_confidential_and_is_audited(client, archive):
    log_in(client, "com@example.org")
    response = download(client, kind="internal", status="pending")
    assert "CONFIDENTIAL" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("CONFIDENTIAL")
    rows = list(csv.DictReader(lines[1:]))
    assert [row["status"] for row in rows] == ["pending"]
    assert EMAIL not in response.get_data(as_text=True)  # no e-mail address, even inside
    everything = download(client, kind="internal", export_format="json").get_json()
    assert everything["classification"] == "CONFIDENTIAL"
    assert any(SECRET in row["text"] for row in everything["rows"])
    entries = db.session.query(AuditEntry).filter_by(action="export.internal").all()
    assert [json.loads(e.details)["filters"] for e in entries] == [{"status": "pending"}, {}]


def test_formulas_stay_text_and_long_and_foreign_texts_survive(client, archive):
    log_in(client, "com@example.org")
    workbook = openpyxl.load_workbook(io.BytesIO(download(client, export_format="xlsx").get_data()))
    cells = [cell.value for row in workbook.active.iter_rows() for cell in row]
    assert FORMULA in cells and "-2+3" in cells and LONG in cells
    assert all(cell.data_type != "f" for row in workbook.active.iter_rows() for cell in row)
    rows = list(csv.DictReader(io.StringIO(download(client).get_data(as_text=True))))
    assert "'" + FORMULA in [row["text"] for row in rows]
    assert LONG in [row["text"] for row in rows]
    assert LONG in [row["text"] for row in download(client, export_format="json").get_json()["rows"]]


def test_results_are_exported_publicly_only_once_closed(client, archive):
    log_in(client, "com@example.org")
    refused = post_form(client, "/c/archive/exports", {
        "dataset": "results", "kind": "public", "format": "csv"}, follow_redirects=True)
    assert "public once the consultation is closed" in refused.get_data(as_text=True)
    assert download(client, "results", "internal").get_data(as_text=True).startswith(
        "CONFIDENTIAL")


def test_excerpts_and_recommendations(client, archive, make_user):
    author = make_user("com2@example.org", roles=((archive, Role.COMMISSIONER),))
    masked = db.session.execute(db.select(synthesis.Testimony).filter(
        synthesis.Testimony.body.like("Appelez%"))).scalar_one()
    code = synthesis.add_code(archive, "Appels", "", None)
    synthesis.apply_code(code, masked, author, f"Appelez {MASKED}")
    orientation = synthesis.add_orientation(archive, "Écouter", "")
    synthesis.add_recommendation(orientation, "Rappeler les gens")
    log_in(client, "com@example.org")
    public = download(client, "excerpts").get_data(as_text=True)
    assert MASKED not in public and "[passage masked]" in public
    assert MASKED in download(client, "excerpts", "internal").get_data(as_text=True)
    assert "Rappeler" not in download(client, "recommendations").get_data(as_text=True)
    assert "Rappeler" in download(client, "recommendations", "internal").get_data(as_text=True)


def test_exports_are_for_this_consultations_commissioners(app, archive, make_user,
                                                          make_consultation, make_client):
    other = make_consultation("autre")
    make_user("ailleurs@example.org", roles=((other, Role.COMMISSIONER),))
    make_user("mod@example.org", roles=((archive, Role.MODERATOR),))
    for email in ("ailleurs@example.org", "mod@example.org"):
        client = make_client()
        log_in(client, email)
        assert client.get("/c/archive/exports").status_code == 404


def test_the_command_line_streams_with_the_same_rules(runner, archive, tmp_path):
    target = tmp_path / "public.json"
    result = runner.invoke(args=["consult", "export", "archive", "--format", "json",
                                 "-o", str(target)])
    assert result.exit_code == 0, result.output
    data = json.loads(target.read_text(encoding="utf-8"))
    assert len(data["rows"]) == 3 and SECRET not in target.read_text(encoding="utf-8")
    internal = tmp_path / "internal.xlsx"
    result = runner.invoke(args=["consult", "export", "archive", "--internal", "--format", "xlsx",
                                 "-o", str(internal)])
    assert result.exit_code == 0 and "Wrote 5 rows" in result.output
    assert openpyxl.load_workbook(internal).active["A1"].value.startswith("CONFIDENTIAL")
    assert db.session.query(AuditEntry).filter_by(action="export.internal").count() == 1


def _xlsx_text(data: bytes) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(str(cell.value) for row in workbook.active.iter_rows() for cell in row
                     if cell.value is not None)


def test_recommendations_list_their_evidence_public_ones_only_in_public(client, archive):
    orientation = synthesis.add_orientation(archive, "Écouter", "")
    recommendation = synthesis.add_recommendation(orientation, "Rappeler les gens")
    cited = {}
    for testimony in db.session.execute(db.select(synthesis.Testimony).where(
            synthesis.Testimony.consultation_id == archive.id,
            synthesis.Testimony.status == Status.PUBLISHED)).scalars():
        synthesis.add_evidence(recommendation, testimony)
        cited[testimony.id] = testimony.is_public
    synthesis.publish_all(archive)
    log_in(client, "com@example.org")
    public = list(csv.DictReader(io.StringIO(download(client, "recommendations").get_data(
        as_text=True))))
    row = next(r for r in public if r["level"] == "recommendation")
    assert row["evidence"] == str(len(cited))
    assert row["testimonies"] == "; ".join(str(i) for i, shown in sorted(cited.items()) if shown)


def test_exports_are_rate_limited(client, archive, rate_limits):
    log_in(client, "com@example.org")
    statuses = [post_form(client, "/c/archive/exports", {
        "dataset": "recommendations", "kind": "public", "format": "csv"}).status_code
        for _ in range(21)]
    assert statuses == [200] * 20 + [429]  # 20 an hour


def test_every_vote_exported_with_voters_by_number_only(runner, make_consultation, make_user,
                                                         tmp_path):
    consultation = make_consultation("votes-x", phase="vote")
    orientation = synthesis.add_orientation(consultation, "Agir", "")
    synthesis.add_recommendation(orientation, "Ouvrir le soir")
    synthesis.publish_all(consultation)
    voting.sync_proposals(consultation)
    [ballot] = voting.ballots(consultation, None)
    for index in range(3):
        voter = voting.voter_for_user(consultation, make_user(f"v{index}@example.org"),
                                      create=True)
        voting.cast_vote(consultation, voter, ballot.proposal, index - 1)
    refused = runner.invoke(args=["consult", "export", "votes-x", "--dataset", "votes",
                                  "-o", str(tmp_path / "public.csv")])
    assert refused.exit_code != 0  # public once closed
    target = tmp_path / "internal.csv"
    runner.invoke(args=["consult", "export", "votes-x", "--dataset", "votes", "--internal",
                        "-o", str(target)])
    rows = list(csv.DictReader(target.read_text(encoding="utf-8").splitlines()[1:]))
    assert [(r["voter"], r["vote"]) for r in rows] == [("1", "-1"), ("2", "0"), ("3", "1")]
    assert "@" not in target.read_text(encoding="utf-8")


def test_a_spreadsheet_that_cannot_be_written_raises_the_system_error(tmp_path):
    # As for CSV and JSON, so that the command line says why in one line.
    with pytest.raises(FileNotFoundError):
        formats.write_xlsx(tmp_path / "missing" / "export.xlsx", ["a"], [(1,)])


def test_a_large_export_is_written_in_the_background_for_whoever_asked(
        app, client, make_client, archive, make_user, monkeypatch):
    log_in(client, "com@example.org")
    small = download(client, kind="internal").get_data(as_text=True)
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 2)  # 5 testimonies: a job
    response = post_form(client, "/c/archive/exports", {
        "dataset": "testimonies", "kind": "internal", "format": "csv"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "The export is being written" in page
    [link] = re.findall(r'href="(/c/archive/exports/files/\d+)"', page)
    written = client.get(link)
    assert written.status_code == 200 and "CONFIDENTIAL" in written.headers["Content-Disposition"]
    assert written.get_data(as_text=True) == small
    assert db.session.query(AuditEntry).filter_by(action="export.internal").count() == 2
    make_user("autre@example.org", roles=((archive, Role.COMMISSIONER),))
    other = make_client()
    log_in(other, "autre@example.org")
    assert other.get(link).status_code == 404  # someone else's export
    assert link not in other.get("/c/archive/exports").get_data(as_text=True)
    job = db.session.execute(db.select(Job)).scalar_one()
    job.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(link).status_code == 404
    path = Path(app.config["EXPORT_DIR"]) / job.file_path
    assert path.exists() and export_services.delete_expired() == 1 and not path.exists()


def test_a_large_spreadsheet_that_does_not_fit_fails_with_its_reason(
        app, client, archive, monkeypatch):
    log_in(client, "com@example.org")
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 2)
    monkeypatch.setattr(formats, "XLSX_MAX_ROWS", 3)
    page = post_form(client, "/c/archive/exports", {
        "dataset": "testimonies", "kind": "public", "format": "xlsx"},
        follow_redirects=True).get_data(as_text=True)
    assert "failed: Too many rows for a spreadsheet" in page  # not tried again
    assert list(Path(app.config["EXPORT_DIR"]).glob("*.xlsx")) == []


def test_postgresql_writes_the_same_csv_lines_as_the_rows(archive):
    """On PostgreSQL the database writes the CSV lines itself; the bytes are those of the
    rows, formula guard and quoting included. SQLite writes from the rows."""
    testimonies = db.session.execute(db.select(Testimony).filter_by(
        consultation_id=archive.id).order_by(Testimony.id)).scalars().all()
    parent = synthesis.add_code(archive, "Accès", "", None)
    for index, code in enumerate((parent, synthesis.add_code(archive, "=Délais, \"longs\"", "",
                                                             parent))):
        for testimony in testimonies[index:]:
            db.session.add(Excerpt(code_id=code.id, testimony_id=testimony.id, start=0, end=3))
    testimonies[0].themes = list(archive.themes)
    testimonies[1].published_at = None
    db.session.commit()
    on_postgresql = db.session.get_bind().dialect.name == "postgresql"
    for language, placeholder in (("fr", "[nom]"), ("en", "[name]")):
        with force_locale(language):
            for kind in export_services.Kind:
                for filters in ({}, {"status": "published"}, {"q": "demain"}):
                    data = export_services.dataset("testimonies", archive, kind, filters)
                    assert (data.lines is not None) == on_postgresql
                    by_rows = "".join(formats.csv_chunks(data.columns, data.rows))
                    assert f"Appelez {placeholder} demain." in by_rows
                    if on_postgresql:
                        assert "".join(formats.csv_chunks(data.columns, (),
                                                          lines=data.lines)) == by_rows
