"""The `flask consult` commands."""
import contextlib
import functools
import json
import os
import secrets
import sys
from pathlib import Path

import click
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask.cli import with_appcontext
from huey.consumer import Consumer

from consult.accounts import services as accounts
from consult.consultations import figures
from consult.demo import DEMO_EMAIL_DOMAIN, DEMO_SLUG, load_demo, reset_demo_passwords
from consult.extensions import db
from consult.synthesis import services as synthesis
from consult.synthesis.outline import OutlineError
from consult.models import (
    Consultation,
    Hearing,
    LocalEvent,
    Organisation,
    Role,
    RoleAssignment,
    Testimony,
    User,
)
from consult.moderation.pii import find_personal_information
from consult.paper import services as paper
from consult.paper.spreadsheet import FileRefused, read_sheet
from consult.exports import formats, opendata, refiqda
from consult.exports.tasks import report_pdf
from consult.exports import services as exports
from consult.privacy import services as privacy
from consult.queue import queue
from consult.voting import polis_files
from consult.voting import services as voting

def with_site_context(command):
    """Run inside a request context for the configured site address, so that the
    links in e-mails sent by the command point at the site."""

    @with_appcontext
    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
            return command(*args, **kwargs)

    return wrapped


class OutputPath(click.Path):
    """A file (or, with file_okay=False, a folder) that a command will write, checked when
    the command starts rather than after its work: the folder to hold it must exist (a
    folder written may have missing parents, made on the way) and be writable."""

    def __init__(self, **kwargs):
        super().__init__(writable=True, path_type=Path, **kwargs)

    def convert(self, value, param, ctx) -> Path:
        path = super().convert(value, param, ctx)
        if path.exists():
            return path  # click.Path checked that it may be written
        holder = path.parent
        while not self.file_okay and not holder.exists() and holder != holder.parent:
            holder = holder.parent
        if not holder.exists():
            self.fail(f"Folder '{holder}' does not exist.", param, ctx)
        if not holder.is_dir():
            self.fail(f"'{holder}' is not a folder.", param, ctx)
        if not os.access(holder, os.W_OK | os.X_OK):
            self.fail(f"Folder '{holder}' is not writable.", param, ctx)
        return path


@contextlib.contextmanager
def _writing(output: Path):
    """Turn a failure to write OUTPUT (a full disk, a folder removed meanwhile) into one
    line, removing what was partly written."""
    try:
        yield
    except OSError as error:
        if output.is_file():
            output.unlink()
        raise click.ClickException(
            f"Nothing written to {output}: {error.strerror or error}.") from error


@click.group("consult")
def consult_cli():
    """Consult's administration commands."""


@consult_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="Admin", show_default=True, help="Display name.")
@click.password_option(help="Prompted for when not given (at least 12 characters).")
@with_appcontext
def create_admin(email: str, name: str, password: str):
    """Create an administrator account, or make an existing account one."""
    try:
        # The same check as the log-in form's: an address it refuses could never log in.
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.BadParameter(f"not a valid e-mail address ({error})",
                                 param_hint="EMAIL") from error
    if len(password) < accounts.MIN_PASSWORD_LENGTH:
        raise click.BadParameter(
            f"use at least {accounts.MIN_PASSWORD_LENGTH} characters", param_hint="password"
        )
    existed = accounts.find_user(email) is not None
    accounts.create_admin(email, name, password)
    if existed:
        click.echo("This address already had an account: it is now an administrator. "
                   "Its password has not changed (use \"Forgot your password?\" to change it).")
    else:
        click.echo("Administrator ready.")


@consult_cli.command("grant-role")
@click.argument("email")
@click.argument("slug")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@click.option("--revoke", is_flag=True, help="Take the role away instead.")
@with_appcontext
def grant_role(email: str, slug: str, role: str, revoke: bool):
    """Give ROLE in the consultation SLUG to the account EMAIL (or take it back)."""
    user = accounts.find_user(email)
    if user is None:
        raise click.ClickException("No account has this e-mail address.")
    consultation = _consultation_or_fail(slug)
    change = accounts.revoke_role if revoke else accounts.grant_role
    changed = change(user, consultation, Role(role))
    verb = "revoked" if revoke else "granted"
    click.echo(f"Role {role} {verb}." if changed else "Nothing to change.")


@consult_cli.command("worker")
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Tasks run at the same time.")
@with_appcontext
def worker(threads: int):
    """Run the background work until stopped: e-mail, text analysis, the nightly purge.

    Tasks come from REDIS_URL's Redis, else from the SQLite file QUEUE_DATABASE; start
    one worker (or more, on any machine) beside the web processes. SIGINT (Ctrl-C) lets
    the tasks under way finish before it stops; SIGTERM stops it at once.
    """
    if queue.immediate:
        raise click.ClickException("this configuration runs tasks at once; no worker needed.")
    Consumer(queue, workers=threads, worker_type="thread", periodic=True).run()


@consult_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be erased; change nothing.")
@with_appcontext
def purge(dry_run: bool):
    """Erase the contact details that are no longer needed.

    Erases the e-mail addresses left with testimonies once their consultation closed
    more than its retention period ago (set per consultation), deletes accounts whose
    address is still unconfirmed UNCONFIRMED_ACCOUNT_DAYS days after they were created,
    expired sessions, and the upload-quota keys of files older than 24 hours. Prints
    counts, never addresses. Run it daily (see docs/privacy.md).
    """
    report = privacy.purge(dry_run=dry_run)
    verb = "would be" if dry_run else "were"
    click.echo(f"Contact e-mail addresses of testimonies: {report.contact_emails} {verb} erased, "
               f"in {report.consultations} consultation(s) closed past their retention period.")
    click.echo(f"Accounts unconfirmed after {report.unconfirmed_account_days} days: "
               f"{report.unconfirmed_accounts} {verb} deleted.")
    click.echo(f"Expired sessions: {report.expired_sessions} {verb} deleted.")
    click.echo(f"Uploader keys older than 24 hours: {report.upload_keys} {verb} erased.")
    click.echo(f"Expired invitations to organisations: {report.expired_invitations} {verb} "
               "deleted.")
    click.echo(f"Spreadsheets never confirmed within the hour: {report.waiting_imports} {verb} "
               "deleted.")
    if dry_run:
        click.echo("Dry run: nothing was changed.")


@consult_cli.command("import-recommendations")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Import without asking, after showing the tree.")
@with_appcontext
def import_recommendations(slug: str, file: Path, yes: bool):
    """Read FILE, a report's outline in plain text, Markdown or Word (.docx): orientations
    (numbered, or plain titles), numbered recommendations, lettered measures. Shows the
    tree and the lines not understood, then asks before adding it all as drafts of the
    consultation SLUG, at once.

    All or nothing: a malformed outline adds nothing and names the line at fault.
    """
    # python-docx loads with the first outline file read, not with the app (docs/benchmarks.md).
    from consult.synthesis.outline_files import read_outline_file

    consultation = _consultation_or_fail(slug)
    try:
        outline, _text = read_outline_file(file.name, file.read_bytes())
    except OutlineError as error:
        raise click.ClickException(f"Nothing imported: {error}") from error
    unit = outline.unit.lower()
    for o_number, orientation in enumerate(outline.orientations, start=1):
        click.echo(f"Orientation {o_number} — {orientation.title}")
        for r_number, recommendation in enumerate(orientation.recommendations, start=1):
            click.echo(f"  {o_number}.{r_number} {_shortened(recommendation.text)}")
            for measure in recommendation.measures:
                click.echo(f"    {measure.letter}. {_shortened(measure.text)}")
    click.echo(f"Read from {unit} {outline.first_line} to {unit} {outline.last_line}.")
    for number, text in outline.skipped:
        click.echo(f"Not understood, {unit} {number}: {_shortened(text)}")
    if not yes and not click.confirm("Import this outline as drafts?"):
        click.echo("Nothing imported.")
        return
    added = synthesis.import_outline(consultation, outline.orientations)
    click.echo("Imported as drafts: {} orientations, {} recommendations, {} measures.".format(*added))


def _shortened(text: str, width: int = 100) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


@consult_cli.command("import-testimonies")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and count; write nothing.")
@click.option("--organisation", "organisation_id", type=int,
              help="The id of the organisation the testimonies came through.")
@click.option("--entered-by", "entered_by_email", metavar="EMAIL",
              help="The account recorded as having typed them in (default: none).")
@click.option("--language", type=click.Choice(["fr", "en"]), default="en", show_default=True,
              help="The language of the messages about invalid rows.")
@with_site_context
def import_testimonies(slug: str, file: Path, dry_run: bool, organisation_id: int | None,
                       entered_by_email: str | None, language: str):
    """Import the testimonies typed into FILE (CSV or XLSX, the columns of the template
    of the import page) into the consultation SLUG, as pending testimonies.

    All or nothing: if any row is invalid, nothing is imported, every invalid row is
    printed with its line number, and the exit status is 1. A row whose key was already
    imported is skipped, so the same file can be imported again safely.
    """
    consultation = _consultation_or_fail(slug)
    organisation = None
    if organisation_id is not None:
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None or organisation.consultation_id != consultation.id:
            raise click.ClickException(f"No organisation {organisation_id} in {slug!r}.")
    entered_by = None
    if entered_by_email:
        entered_by = accounts.find_user(entered_by_email)
        if entered_by is None:
            raise click.ClickException("No account has this e-mail address.")
    with force_locale(language):
        try:
            if dry_run:
                checked = paper.check(consultation, organisation, read_sheet(file))
            else:
                checked = paper.import_rows(consultation, organisation, read_sheet(file),
                                            entered_by)
        except FileRefused as error:
            raise click.ClickException(f"Nothing imported: {error}") from error
        except paper.ImportRefused as error:
            raise click.ClickException(str(error)) from error
        for problem in checked.problems:
            click.echo(f"line {problem.line}: {problem.message}", err=True)
        if checked.problems:
            click.echo(f"Nothing imported: {len(checked.problems)} problem(s) to correct.",
                       err=True)
            sys.exit(1)
    if dry_run:
        click.echo(f"Dry run: {checked.new} new row(s) would be imported, "
                   f"{checked.already} already imported. Nothing was written.")
    else:
        click.echo(f"Imported {checked.new} testimonies (pending moderation); "
                   f"{checked.already} already imported.")


@consult_cli.command("analyse-texts")
@click.argument("slug")
@click.option("--topics", type=click.IntRange(2, 50), help="How many topics (default: chosen).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole result as JSON.")
@with_appcontext
def analyse_texts(slug: str, topics: int | None, as_json: bool):
    """Group the testimonies of the consultation SLUG by topic, find near-duplicates and
    each testimony's most similar ones (deterministic: same data, same result). The
    result is kept: the commissioners' pages show the latest one."""
    run, started = synthesis.start_analysis(_consultation_or_fail(slug))
    if not started:
        raise click.ClickException(f"An analysis of {slug} is already running (since "
                                   f"{run.started_at:%Y-%m-%d %H:%M} UTC).")
    run = synthesis.complete_analysis(run.id, topics=topics)
    if as_json:
        click.echo(run.result)
        return
    result = json.loads(run.result)
    for topic in result["topics"]:
        click.echo(f"Topic {topic['number']}: {len(topic['testimony_ids'])} testimonies — "
                   f"{', '.join(topic['top_terms'])} (read first: "
                   f"{', '.join(map(str, topic['representative_ids']))})")
    groups = result["duplicate_groups"]
    click.echo(f"Near-duplicate groups: {len(groups)} ({sum(map(len, groups))} testimonies)")


@consult_cli.command("publish-recommendations")
@click.argument("slug")
@with_appcontext
def publish_recommendations(slug: str):
    """Publish every orientation and recommendation of the consultation SLUG."""
    synthesis.publish_all(_consultation_or_fail(slug))
    click.echo("Published.")


@consult_cli.command("recount-figures")
@click.argument("slug")
@with_appcontext
def recount_figures(slug: str):
    """Count again the public figures of the consultation SLUG (testimonies the public
    may read, in all and by theme), which are otherwise kept up to date as they change."""
    consultation = _consultation_or_fail(slug)
    figures.recount(consultation.id)
    db.session.commit()
    click.echo(f"{consultation.public_testimonies} public testimonies; by theme: " + ", ".join(
        f"{theme.name} {theme.public_testimonies}" for theme in consultation.themes))


@consult_cli.command("import-polis")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--slug", required=True, help="The consultation to import into (made if missing).")
@with_site_context
def import_polis(directory: Path, slug: str):
    """Import a Polis export DIRECTORY (comments.csv, votes.csv): its comments become
    statements to vote on (rejected ones kept out of the vote and the analysis), its
    participants voters, the latest vote of each on each comment a vote. All or nothing."""
    try:
        export = polis_files.read_export(directory)
    except (ValueError, OSError) as error:
        raise click.ClickException(f"Nothing imported: {error}") from error
    consultation = db.session.execute(
        db.select(Consultation).filter_by(slug=slug)).scalar_one_or_none()
    if consultation is None:
        consultation = Consultation(slug=slug, title=_polis_topic(directory) or slug)
        db.session.add(consultation)
        db.session.flush()
    try:
        counts = voting.import_polis(consultation, export)
    except voting.VotingError as error:
        raise click.ClickException(f"Nothing imported: {error}") from error
    click.echo("Imported into {}: {} statements, {} participants, {} votes.".format(slug, *counts))


def _polis_topic(directory: Path) -> str:
    """The conversation's topic, from the export's summary.csv when there is one."""
    summary = directory / "summary.csv"
    if summary.exists():
        for line in summary.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(",")
            if key == "topic":
                return value.strip().strip('"')[:200]
    return ""


@consult_cli.command("opinion-groups")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print the whole result as JSON.")
@with_appcontext
def opinion_groups(slug: str, as_json: bool):
    """Opinion groups of the consultation SLUG's voters, as Polis computes them
    (deterministic): members, representative items and consensus. Participants and
    items are named by their ids in the imported file when they were imported."""
    consultation = _consultation_or_fail(slug)
    result = voting.opinion_groups(consultation)
    voter_ids, proposal_ids = voting.external_ids(consultation)
    data = result.to_dict()
    data["participants"] = [voter_ids[p] for p in data["participants"]]
    for group in data["groups"]:
        group["members"] = [voter_ids[m] for m in group["members"]]
        for item in group["representative"]:
            item["item"] = proposal_ids[item["item"]]
    for item in data["consensus"]:
        item["item"] = proposal_ids[item["item"]]
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(f"{len(data['groups'])} groups among {len(data['participants'])} participants")
    for group in data["groups"]:
        items = ", ".join(f"{r['item']} ({r['direction']})" for r in group["representative"])
        click.echo(f"Group {group['id']}: {len(group['members'])} participants; "
                   f"representative: {items or '—'}")
    top = ", ".join(c["item"] for c in sorted(data["consensus"], key=lambda c: -c["agree"])[:5])
    click.echo(f"Consensus (agree): {top or '—'}")


@consult_cli.command("export-polis")
@click.argument("slug")
@click.argument("directory", type=OutputPath(file_okay=False))
@with_appcontext
def export_polis(slug: str, directory: Path):
    """Write the statements and every vote cast (changed ones included, as Polis does) of
    the consultation SLUG into DIRECTORY in Polis's CSV shapes (comments.csv, votes.csv,
    participants-votes.csv with our groups)."""
    consultation = _consultation_or_fail(slug)
    with _writing(directory):
        comments, votes = voting.export_polis(consultation, directory,
                                              voting.opinion_groups(consultation))
    click.echo(f"Wrote {comments} statements and {votes} votes to {directory}.")


@consult_cli.command("export")
@click.argument("slug")
@click.option("--dataset", "name", type=click.Choice(sorted(exports.DATASETS)),
              default="testimonies", show_default=True, help="What to export.")
@click.option("--format", "export_format",
              type=click.Choice(["csv", "json", "xlsx", "opendata", "pdf", "qdpx", "qdc"]),
              default="csv", show_default=True,
              help="opendata: the zip of public CSVs, datapackage.json and README of a closed "
                   "consultation; pdf: the synthesis report; qdpx: the coded corpus as a "
                   "REFI-QDA project, for qualitative-analysis software; qdc: its codebook "
                   "alone (--dataset is ignored for these four).")
@click.option("--language", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="The language of the PDF report.")
@click.option("--public/--internal", "public", default=True, show_default=True,
              help="Public: what the public pages show. Internal: everything, CONFIDENTIAL.")
@click.option("-o", "--output", type=OutputPath(dir_okay=False), required=True,
              help="The file to write (its folder is checked before the work starts).")
@with_site_context
def export(slug: str, name: str, export_format: str, public: bool, output: Path,
           language: str):
    """Export a dataset of the consultation SLUG, streamed (constant memory for CSV and
    JSON), with a progress bar. Internal exports are recorded in the audit log."""
    consultation = _consultation_or_fail(slug)
    if export_format == "pdf":
        pdf = report_pdf(consultation, language)
        with _writing(output):
            output.write_bytes(pdf)
        click.echo(f"Wrote the synthesis report to {output}.")
        return
    if export_format == "opendata":
        if not (public and consultation.is_closed):
            raise click.ClickException("The open-data package is public, and made once the "
                                       "consultation is closed.")
        with _writing(output):
            opendata.write_package(consultation, output)
        click.echo(f"Wrote the open-data package to {output}.")
        return
    kind = exports.Kind.PUBLIC if public else exports.Kind.INTERNAL
    if export_format in refiqda.FORMATS:
        with _writing(output):
            try:
                held = refiqda.write(consultation, kind, export_format, output)
            except exports.ExportError as error:
                raise click.ClickException(f"Nothing written: {error}") from error
        exports.record(consultation, refiqda.FORMATS[export_format], kind, export_format, None)
        click.echo(f"Wrote the {refiqda.FORMATS[export_format]} ({kind.value}, {held}) "
                   f"to {output}.")
        return
    try:
        data = exports.dataset(name, consultation, kind)
    except exports.ExportError as error:
        raise click.ClickException(str(error)) from error
    exports.record(consultation, name, kind, export_format, None)
    preamble = exports.preamble(consultation, kind)
    lines = export_format == "csv" and data.lines is not None
    with click.progressbar(data.lines if lines else data.rows, label=f"{name} ({kind.value})",
                           show_pos=True, file=sys.stderr) as rows, _writing(output):
        if export_format == "xlsx":
            try:
                count = formats.write_xlsx(output, data.columns, rows, preamble)
            except formats.TooManyRows as error:
                output.unlink(missing_ok=True)
                raise click.ClickException(f"Nothing written: {error} for one sheet; "
                                           "export as CSV or JSON.") from error
        else:
            counted = _counting(rows)
            if lines:
                data.lines = counted
            else:
                data.rows = counted
            with open(output, "w", encoding="utf-8", newline="") as handle:
                handle.writelines(exports.text_chunks(consultation, data, kind, export_format))
            count = counted.count
    click.echo(f"Wrote {count:,} rows to {output}.")


class _counting:
    """Rows passed through, counted."""

    def __init__(self, rows):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def _consultation_or_fail(slug: str) -> Consultation:
    consultation = db.session.execute(
        db.select(Consultation).filter_by(slug=slug)).scalar_one_or_none()
    if consultation is None:
        raise click.ClickException(f"No consultation is called {slug!r}.")
    return consultation


def _new_password() -> str:
    return secrets.token_urlsafe(12)


def _echo_accounts(accounts_shown: list[tuple[str, str, str]]) -> None:
    click.echo("Accounts (the passwords are shown only now):")
    for role, email, password in accounts_shown:
        click.echo(f"  {role:<13} {email:<36} {password}")


@consult_cli.command("demo")
@click.option("--reset-passwords", is_flag=True,
              help="Give the demonstration accounts new passwords and print them (the "
                   "previous ones stop working and their sessions end).")
@with_site_context
def demo(reset_passwords: bool):
    """Load the demonstration consultation and one account per role.

    The accounts' passwords are printed once, here; run it on an empty database. Lost
    them? Run it again with --reset-passwords.
    """
    if reset_passwords:
        changed = reset_demo_passwords(password_factory=_new_password)
        if not changed:
            raise click.ClickException(
                "There is no demonstration account: run `flask consult demo` first.")
        _echo_accounts(changed)
        return
    if db.session.execute(db.select(Consultation).filter_by(slug=DEMO_SLUG)).first():
        click.echo("The demonstration data is already loaded. To see its accounts again, "
                   "give them new passwords: flask consult demo --reset-passwords")
        return
    last_user_id = db.session.execute(db.select(db.func.max(User.id))).scalar() or 0
    try:
        accounts_created = load_demo(password_factory=_new_password)
    except Exception as error:
        # load_demo commits as it goes: without this, a failure half-way (the mail server
        # being down, say) would leave a consultation whose accounts' passwords were never
        # shown, and the next run would think the demonstration already loaded.
        _remove_partial_demo(last_user_id)
        raise click.ClickException(
            f"Loading the demonstration failed ({type(error).__name__}: {error}); "
            "nothing was kept. Fix the cause and run the command again."
        ) from error
    click.echo("Demonstration consultation loaded: /c/" + DEMO_SLUG)
    _echo_accounts(accounts_created)


def _remove_partial_demo(last_user_id: int) -> None:
    """Delete what an interrupted `demo` created: its consultation and its new accounts."""
    db.session.rollback()
    consultation = db.session.execute(
        db.select(Consultation).filter_by(slug=DEMO_SLUG)
    ).scalar_one_or_none()
    if consultation is not None:
        for model in (Testimony, RoleAssignment, LocalEvent, Hearing, Organisation):
            rows = db.session.execute(db.select(model).filter_by(consultation_id=consultation.id))
            for row in rows.scalars():
                db.session.delete(row)
        db.session.delete(consultation)
    new_demo_users = db.select(User).where(
        User.id > last_user_id, User.email.endswith(DEMO_EMAIL_DOMAIN)
    )
    for user in db.session.execute(new_demo_users).scalars():
        db.session.delete(user)
    db.session.commit()


@consult_cli.command("scan-pii")
def scan_pii():
    """Find likely personal information in the text read on standard input.

    Prints one JSON object per finding, one a line, in the order of the text: "kind"
    (email, phone, postal_code, address, sin, health_number, social_security, url or
    name), "start" and "end" (offsets in characters, end excluded) and "text". The same
    detector highlights personal information in the moderation queue; what it finds and
    misses is in docs/pii.md. Example:

        echo "Écrivez-moi à marie@example.org" | flask consult scan-pii
    """
    data = sys.stdin.buffer.read()  # bytes: offsets count "\r\n" as it was sent
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"Standard input is not UTF-8 text ({error}).") from error
    for finding in find_personal_information(text):
        click.echo(json.dumps({"kind": finding.kind, "start": finding.start,
                               "end": finding.end, "text": finding.text}, ensure_ascii=False))
