"""`flask consult import-testimonies`: the same checks and import as the web pages."""
from sqlalchemy import event, func, select

from consult.extensions import db
from consult.models import AuditEntry, Channel, Status, Testimony
from consult.paper import services as paper
from tests.paper.conftest import csv_file, rows, count_testimonies, xlsx_file


def run(runner, place, path, *options):
    return runner.invoke(args=["consult", "import-testimonies", place.consultation.slug,
                               str(path), *options])


def test_a_dry_run_checks_and_writes_nothing(runner, place, tmp_path):
    path = tmp_path / "saisie.csv"
    path.write_bytes(csv_file(rows(40)))
    result = run(runner, place, path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run: 40 new row(s) would be imported, 0 already imported." in result.output
    assert count_testimonies() == 0


def test_the_import_works_and_is_idempotent(runner, place, tmp_path):
    path = tmp_path / "saisie.xlsx"
    path.write_bytes(xlsx_file(rows(40)))
    options = ("--organisation", str(place.org_a.id), "--entered-by", place.facilitator_a.email)
    first = run(runner, place, path, *options)
    assert first.exit_code == 0, first.output
    assert "Imported 40 testimonies (pending moderation); 0 already imported." in first.output
    again = run(runner, place, path, *options)
    assert "Imported 0 testimonies (pending moderation); 40 already imported." in again.output
    assert count_testimonies() == 40
    testimony = db.session.execute(select(Testimony).limit(1)).scalar_one()
    assert (testimony.status, testimony.channel, testimony.entered_by, testimony.organisation) == (
        Status.PENDING, Channel.PAPER, place.facilitator_a, place.org_a)
    # Without --organisation, the same keys are another organisation's rows: new ones.
    alone = run(runner, place, path, "--dry-run")
    assert "40 new row(s)" in alone.output
    assert db.session.execute(select(func.count()).select_from(AuditEntry).filter_by(
        action="testimonies_imported")).scalar_one() == 2


def test_an_invalid_row_fails_with_its_line(runner, place, tmp_path, monkeypatch):
    path = tmp_path / "saisie.csv"
    path.write_bytes(csv_file(rows(100, line_57={"visibility": "secret"})))
    monkeypatch.setattr(paper, "BATCH_ROWS", 10)  # the rows before line 57 written, then undone
    result = run(runner, place, path)
    assert result.exit_code == 1
    assert "line 57: visibility: write public, anonymous or confidential." in result.output
    assert "Nothing imported: 1 problem(s) to correct." in result.output
    assert count_testimonies() == 0
    french = run(runner, place, path, "--language", "fr")
    assert french.exit_code == 1 and "line 57: visibilit" in french.output


def test_an_unreadable_file_or_a_wrong_organisation_is_refused(runner, place, tmp_path):
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = run(runner, place, path)
    assert result.exit_code == 1 and "neither a CSV file nor an XLSX" in result.output
    path.write_bytes(csv_file(rows(1)))
    result = run(runner, place, path, "--organisation", "999999")
    assert result.exit_code == 1 and "No organisation 999999" in result.output
    result = run(runner, place, path, "--entered-by", "nobody@example.org")
    assert result.exit_code == 1 and "No account" in result.output
    assert count_testimonies() == 0


def test_a_reimport_looks_up_earlier_rows_a_batch_at_a_time(runner, place, tmp_path,
                                                            monkeypatch):
    path = tmp_path / "saisie.csv"
    path.write_bytes(csv_file(rows(200)))
    assert run(runner, place, path).exit_code == 0
    monkeypatch.setattr(paper, "BATCH_ROWS", 20)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        again = run(runner, place, path)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert "Imported 0 testimonies (pending moderation); 200 already imported." in again.output
    lookups = [sql for sql in statements if "testimonies.submission_key IN (" in sql]
    assert len(lookups) == 10  # one a batch, not one a row
    assert len(statements) < 100
    assert count_testimonies() == 200
