"""What the exports contain. Two kinds, told apart everywhere: a public export holds only
what the public pages show (published testimonies in their masked text, names only of
authors who chose to be named, never an e-mail address); an internal export, for the
consultation's commissioners, may hold confidential and original texts, says
CONFIDENTIAL in its name and first line, and is recorded in the audit log."""
import enum
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, case, cast, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from consult import audit
from consult.extensions import db
from consult.exports import formats
from consult.labels import placeholder_rewrites, placeholders_in_language
from consult.models import (
    AuditEntry,
    Code,
    Consultation,
    Excerpt,
    Job,
    JobState,
    ParticipantCategory,
    Region,
    Testimony,
    Theme,
    User,
    Visibility,
    Vote,
    Voter,
    VoteResults,
    testimony_themes,
    utcnow,
)
from consult.queue import new_job, on_commit, set_progress
from consult.synthesis import services as synthesis
from consult.voting import services as voting

#: Testimonies are read from the database this many at a time, in id order.
BATCH = 2000


class Kind(enum.StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class ExportError(Exception):
    """The export cannot be made; the message is for the person who asked."""


@dataclass
class Dataset:
    """One table to export: its columns and its rows, tuples in the columns' order (a
    generator: nothing is held)."""

    name: str
    columns: list[str]
    rows: Iterator[tuple]
    #: The same rows as CSV lines written by the database, where it can (PostgreSQL).
    lines: Iterator[str] | None = None


def _in_order(columns: list[str], rows: Iterator[dict]) -> Iterator[tuple]:
    return (tuple(row.get(column) for column in columns) for row in rows)


def _names(model, consultation: Consultation) -> dict[int, str]:
    return dict(db.session.execute(select(model.id, model.shown_name).where(
        model.consultation_id == consultation.id)).all())


def _by_testimony(query, names: dict[int, str] | None = None) -> dict[int, list[str]]:
    """(testimony id, name or id of a name in `names`) rows, grouped by testimony. Ids
    missing from `names` belong to another consultation's testimonies (whose ids fall in
    the same range) and are left out."""
    grouped: dict[int, list[str]] = {}
    for testimony_id, value in db.session.execute(query.order_by(*query.selected_columns)):
        if names is not None:
            if value not in names:
                continue
            value = names[value]
        grouped.setdefault(testimony_id, []).append(value)
    return grouped


PUBLIC_TESTIMONY_COLUMNS = ["id", "received_at", "published_at", "channel", "themes",
                            "participant_category", "region", "author_name", "title", "text"]
INTERNAL_TESTIMONY_COLUMNS = ["id", "status", "visibility", "received_at", "published_at",
                              "channel", "themes", "participant_category", "region",
                              "author_name", "title", "text", "masked", "published_title",
                              "published_text", "codes"]


def _raw(column):
    """The column as the driver returns it: no conversion to datetime or enum and back,
    which would cost more than writing the row (a datetime is a string on SQLite)."""
    return literal_column(f"{column.table.name}.{column.name}")


def _moment(value) -> str:
    if not value:
        return ""
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else \
        value[:19].replace(" ", "T")


def _listed(consultation: Consultation, kind: Kind, filters: dict[str, str]):
    """The testimonies to export, with the reading room's filters; a public export keeps
    the published ones and searches their public text only."""
    public = kind is Kind.PUBLIC
    query, _key = synthesis.reading_query(
        consultation, {**EMPTY_FILTERS, **filters, "copies": "shown"}, public_text=public)
    return query.where(Testimony.is_public.is_(True)) if public else query


def _testimony_rows(consultation: Consultation, kind: Kind,
                    filters: dict[str, str]) -> Iterator[tuple]:
    query = _listed(consultation, kind, filters)
    query = query.with_only_columns(Testimony.id, *(_raw(column) for column in (
        Testimony.status, Testimony.visibility, Testimony.created_at, Testimony.published_at,
        Testimony.channel, Testimony.category_id, Testimony.region_id, Testimony.display_name,
        Testimony.title, Testimony.body, Testimony.redacted_title, Testimony.redacted_body,
        Testimony.public_title, Testimony.public_body)))
    categories = _names(ParticipantCategory, consultation)
    regions = _names(Region, consultation)
    theme_names = _names(Theme, consultation)
    public = kind is Kind.PUBLIC
    after = 0
    while True:
        batch = db.session.execute(query.where(Testimony.id > after)
                                   .order_by(Testimony.id).limit(BATCH)).all()
        if not batch:
            return
        ids = [row[0] for row in batch]
        # A range of the primary key of the links, not a list of ids: one index walk.
        themes = _by_testimony(
            select(testimony_themes.c.testimony_id, testimony_themes.c.theme_id)
            .where(testimony_themes.c.testimony_id.between(ids[0], ids[-1])), theme_names)
        codes = {} if public else _by_testimony(
            select(Excerpt.testimony_id, Code.name).join(Code, Code.id == Excerpt.code_id)
            .where(Excerpt.testimony_id.between(ids[0], ids[-1])).distinct())
        for (id_, status, visibility, created_at, published_at, channel, category_id, region_id,
             display_name, title, body, redacted_title, redacted_body, public_title,
             public_body) in batch:
            if public:
                yield (id_, _moment(created_at), _moment(published_at), channel,
                       "; ".join(themes.get(id_, ())), categories.get(category_id, ""),
                       regions.get(region_id, ""),
                       (display_name or "") if visibility == Visibility.PUBLIC.value else "",
                       placeholders_in_language(public_title) or "",
                       placeholders_in_language(public_body))
            else:
                yield (id_, status, visibility, _moment(created_at), _moment(published_at),
                       channel, "; ".join(themes.get(id_, ())), categories.get(category_id, ""),
                       regions.get(region_id, ""), display_name or "", title or "", body,
                       "yes" if redacted_body is not None or redacted_title is not None
                       else "no", placeholders_in_language(public_title) or "",
                       placeholders_in_language(public_body) or "",
                       "; ".join(codes.get(id_, ())))
        after = ids[-1]


EMPTY_FILTERS = dict.fromkeys(("theme", "category", "region", "channel", "status",
                               "visibility", "code", "q", "copies"), "")


def testimonies(consultation: Consultation, kind: Kind, filters: dict[str, str]) -> Dataset:
    """The testimonies, with the reading room's filters (a public export keeps only the
    published ones, whatever the filters)."""
    columns = PUBLIC_TESTIMONY_COLUMNS if kind is Kind.PUBLIC else INTERNAL_TESTIMONY_COLUMNS
    lines = (_testimony_lines(consultation, kind, filters)
             if db.session.get_bind().dialect.name == "postgresql" else None)
    return Dataset("testimonies", columns, _testimony_rows(consultation, kind, filters), lines)


# CSV lines written by PostgreSQL ------------------------------------------------------
#
# The database writes each row as one CSV line, with `formats.csv_cell`'s rules (formula
# guard, quoting) in SQL: the driver then builds one string a row instead of one a cell,
# and the work runs in the database's own process. tests/exports checks that the bytes
# are the same as those the rows give.


def _guarded(text):
    """The first half of `formats.csv_cell` in SQL: the formula guard."""
    return case((func.substr(text, 1, 1).in_(formats.FORMULA_STARTS), "'" + text), else_=text)


def _quoted(text):
    """The second half: quotes where the cell needs them (a comma, the likeliest, tested
    first: most texts stop there)."""
    needs_quotes = or_(*(func.strpos(text, mark) > 0 for mark in (",", '"', "\n", "\r")))
    return case((needs_quotes, '"' + func.replace(text, '"', '""') + '"'), else_=text)


def _placeholders_sql(column):
    """`placeholders_in_language` in SQL: each placeholder written in another language
    replaced by the reader's, longest first (only in texts with a bracket)."""
    rewritten = column
    for words, shown in sorted(placeholder_rewrites().items(), key=lambda pair: -len(pair[0])):
        if words != shown:
            rewritten = func.replace(rewritten, words, shown)
    return case((func.strpos(column, "[") > 0, rewritten), else_=column)


def _moment_sql(column):
    """`_moment` in SQL."""
    return func.coalesce(func.to_char(column, 'YYYY-MM-DD"T"HH24:MI:SS'), "")


def _joined(names) -> object:
    """The distinct values of a correlated select of one column, joined by "; " in
    alphabetical order (as `_by_testimony` gives them)."""
    found = names.distinct().correlate(Testimony).subquery()
    return select(func.string_agg(found.c.name, aggregate_order_by(
        literal_column("'; '"), found.c.name))).scalar_subquery()


def _testimony_lines(consultation: Consultation, kind: Kind,
                     filters: dict[str, str]) -> Iterator[str]:
    query = _listed(consultation, kind, filters)
    public = kind is Kind.PUBLIC
    themes = select(func.string_agg(Theme.shown_name, aggregate_order_by(
        literal_column("'; '"), Theme.id))).join(
        testimony_themes, testimony_themes.c.theme_id == Theme.id).where(
        testimony_themes.c.testimony_id == Testimony.id,
        Theme.consultation_id == consultation.id).scalar_subquery()
    category = select(ParticipantCategory.shown_name).where(
        ParticipantCategory.id == Testimony.category_id).scalar_subquery()
    region = select(Region.shown_name).where(Region.id == Testimony.region_id).scalar_subquery()
    common = [_moment_sql(Testimony.created_at), _moment_sql(Testimony.published_at),
              cast(Testimony.channel, String), themes, category, region]
    if public:
        cells = [*common,
                 case((Testimony.visibility == Visibility.PUBLIC, Testimony.display_name)),
                 _placeholders_sql(Testimony.public_title), _placeholders_sql(Testimony.public_body)]
    else:
        codes = _joined(select(Code.name.label("name")).join(Excerpt, Excerpt.code_id == Code.id)
                        .where(Excerpt.testimony_id == Testimony.id))
        cells = [cast(Testimony.status, String), cast(Testimony.visibility, String), *common,
                 Testimony.display_name, Testimony.title, Testimony.body,
                 case((Testimony.redacted_body.is_not(None) | Testimony.redacted_title.is_not(None),
                       "yes"), else_="no"),
                 _placeholders_sql(Testimony.public_title),
                 _placeholders_sql(Testimony.public_body), codes]
    # Three steps, each value computed once (OFFSET 0 keeps PostgreSQL from folding a step
    # into the next, which would repeat a text's rewriting in every test of the next):
    # the texts, guarded, then quoted and joined.
    names = [f"c{index}" for index in range(len(cells))]
    texts = query.with_only_columns(Testimony.id.label("id"), *(
        func.coalesce(cell, "").label(name) for cell, name in zip(cells, names, strict=True))
    ).offset(0).subquery()
    guarded = select(texts.c.id, *(_guarded(texts.c[name]).label(name) for name in names)
                     ).offset(0).subquery()
    line = cast(guarded.c.id, String)
    for name in names:
        line = line + "," + _quoted(guarded.c[name])
    statement = select(line + "\r\n").order_by(guarded.c.id)
    result = db.session.execute(statement.execution_options(yield_per=BATCH))
    for (text,) in result:
        yield text


def recommendations(consultation: Consultation, kind: Kind, _filters) -> Dataset:
    """Orientations, recommendations and measures, one row each, with how many
    testimonies are cited in support and which (published items, and the numbers of
    published testimonies only, in a public export)."""

    def rows():
        for o in synthesis.orientations(consultation, published_only=kind is Kind.PUBLIC):
            yield {"number": o.number, "level": "orientation", "text": o.orientation.title,
                   "status": o.orientation.status.value, "evidence": ""}
            for r in o.recommendations:
                cited = sorted({e.testimony_id for e in r.recommendation.evidence
                                if kind is Kind.INTERNAL or e.testimony.is_public})
                yield {"number": r.number, "level": "recommendation",
                       "text": r.recommendation.text, "status": r.recommendation.status.value,
                       "evidence": len({e.testimony_id for e in r.recommendation.evidence}),
                       "testimonies": "; ".join(map(str, cited))}
                for m in r.measures:
                    yield {"number": m.number, "level": "measure", "text": m.measure.text,
                           "status": r.recommendation.status.value, "evidence": ""}

    columns = ["number", "level", "text", "status", "evidence", "testimonies"]
    return Dataset("recommendations", columns, _in_order(columns, rows()))


def results(consultation: Consultation, kind: Kind, _filters) -> Dataset:
    """Vote results per item, overall and by participant category and region."""
    if kind is Kind.PUBLIC and not consultation.is_closed:
        raise ExportError(_l("Vote results are public once the consultation is closed."))

    def rows():
        for item in voting.results(consultation):
            scopes = [("all", "", item.overall),
                      *(("category", name, t) for name, t in sorted(item.by_category.items())),
                      *(("region", name, t) for name, t in sorted(item.by_region.items()))]
            for scope, group, tally in scopes:
                yield {"item": item.ballot.proposal.id, "number": item.ballot.number,
                       "text": item.ballot.text, "scope": scope, "group": group,
                       "agree": tally.agree, "disagree": tally.disagree, "pass": tally.passed,
                       "voters": tally.voters,
                       "consensus": "yes" if item.consensus else "no",
                       "divisive": "yes" if item.divisive else "no"}

    columns = ["item", "number", "text", "scope", "group", "agree", "disagree", "pass",
               "voters", "consensus", "divisive"]
    return Dataset("results", columns, _in_order(columns, rows()))


def votes(consultation: Consultation, kind: Kind, _filters) -> Dataset:
    """Every current vote: the voter by a number of this export's own (never who they
    are), the item, the vote, and the category and region the voter gave; public once
    the consultation is closed."""
    if kind is Kind.PUBLIC and not consultation.is_closed:
        raise ExportError(_l("Vote results are public once the consultation is closed."))
    categories = _names(ParticipantCategory, consultation)
    regions = _names(Region, consultation)

    def rows():
        numbers: dict[int, int] = {}
        query = (select(Vote.voter_id, Vote.proposal_id, Vote.value, Vote.cast_at,
                        Voter.category_id, Voter.region_id)
                 .join(Voter, Voter.id == Vote.voter_id)
                 .where(Voter.consultation_id == consultation.id)
                 .order_by(Vote.voter_id, Vote.proposal_id)
                 .execution_options(yield_per=BATCH))
        for voter_id, item, value, cast_at, category_id, region_id in db.session.execute(query):
            number = numbers.setdefault(voter_id, len(numbers) + 1)
            yield (number, item, value, _moment(cast_at), categories.get(category_id, ""),
                   regions.get(region_id, ""))

    return Dataset("votes", ["voter", "item", "vote", "cast_at", "participant_category",
                             "region"], rows())


def excerpts(consultation: Consultation, kind: Kind, _filters) -> Dataset:
    """Each code with its excerpts: the passage as written (internal), or as the public
    may read it, from published testimonies only (public)."""

    def rows():
        query = (select(Excerpt).join(Code, Code.id == Excerpt.code_id)
                 .where(Code.consultation_id == consultation.id).order_by(Code.name, Excerpt.id))
        if kind is Kind.PUBLIC:
            query = query.join(Testimony, Testimony.id == Excerpt.testimony_id).where(
                Testimony.is_public.is_(True))
        for excerpt in db.session.execute(query.execution_options(yield_per=BATCH)).scalars():
            yield {"code": excerpt.code.name, "testimony": excerpt.testimony_id,
                   "passage": str(synthesis.excerpt_text(
                       excerpt, may_read_original=kind is Kind.INTERNAL))}

    columns = ["code", "testimony", "passage"]
    return Dataset("excerpts", columns, _in_order(columns, rows()))


DATASETS = {"testimonies": testimonies, "recommendations": recommendations,
            "results": results, "votes": votes, "excerpts": excerpts}


def dataset(name: str, consultation: Consultation, kind: Kind,
            filters: dict[str, str] | None = None) -> Dataset:
    if name not in DATASETS:
        raise ExportError(_l("There is no such export."))
    return DATASETS[name](consultation, kind, filters or {})


def file_name(consultation: Consultation, name: str, kind: Kind, extension: str) -> str:
    """`slug-testimonies-public-2026-11-25.csv`, or …-CONFIDENTIAL-… for internal ones."""
    label = "public" if kind is Kind.PUBLIC else "CONFIDENTIAL"
    return f"{consultation.slug}-{name}-{label}-{date.today().isoformat()}.{extension}"


def preamble(consultation: Consultation, kind: Kind) -> list[str]:
    """The first line(s) of an internal export; a public one has none."""
    if kind is Kind.PUBLIC:
        return []
    # No comma: the line stays one plain CSV cell, starting with the word itself.
    return [f"CONFIDENTIAL — internal export of {consultation.slug} for its commissioners "
            "only: it may hold confidential testimonies and unmasked texts."]


def json_meta(consultation: Consultation, name: str, kind: Kind) -> dict:
    """What a JSON export says about itself before its rows."""
    meta = {"consultation": consultation.slug, "dataset": name, "kind": kind.value}
    notice = preamble(consultation, kind)
    return {"classification": "CONFIDENTIAL", "notice": notice[0], **meta} if notice else meta


def record(consultation: Consultation, name: str, kind: Kind, export_format: str,
           actor: User | None, filters: dict[str, str] | None = None) -> None:
    """An internal export is written in the audit log (who, what, when, which filters)."""
    if kind is Kind.INTERNAL:
        audit.record("export.internal", object_type="consultation", object_id=consultation.id,
                     consultation_id=consultation.id, actor=actor,
                     details={"dataset": name, "format": export_format,
                              "filters": {k: v for k, v in (filters or {}).items() if v}})
        db.session.commit()


# Files made by the worker -----------------------------------------------------------
#
# An export of more rows than EXPORT_JOB_ROWS is written to a file by a job; whoever
# asked downloads it from the exports page for EXPORT_KEEP_HOURS. The open-data package
# and the PDF report are made once for each state of the data (see `data_version`) and
# served as files.

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "zip": "application/zip", "pdf": "application/pdf",
               "qdpx": "application/zip", "qdc": "application/xml"}
#: What the exports page offers; QDPX and QDC (REFI-QDA) are made by consult.exports.refiqda.
EXPORT_FORMATS = ("csv", "json", "xlsx", "qdpx", "qdc")
#: Rows written between two updates of a job's progress.
PROGRESS_ROWS = 10_000


def text_chunks(consultation: Consultation, data: Dataset, kind: Kind,
                export_format: str) -> Iterator[str]:
    """A CSV or JSON export as pieces of text."""
    if export_format == "csv":
        return formats.csv_chunks(data.columns, data.rows, preamble(consultation, kind),
                                  data.lines)
    return formats.json_chunks(json_meta(consultation, data.name, kind), data.columns, data.rows)


def write(target, consultation: Consultation, data: Dataset, kind: Kind,
          export_format: str) -> None:
    """Write an export to the binary file `target`."""
    if export_format == "xlsx":
        try:
            formats.write_xlsx(target, data.columns, data.rows, preamble(consultation, kind))
        except formats.TooManyRows as error:
            raise ExportError(_l("Too many rows for a spreadsheet: export as CSV or JSON.")) \
                from error
        return
    for chunk in text_chunks(consultation, data, kind, export_format):
        target.write(chunk.encode())


def expected_rows(name: str, consultation: Consultation) -> int:
    """About how many rows the export will have (before filters)."""
    counted = {
        "testimonies": select(func.count()).select_from(Testimony).where(
            Testimony.consultation_id == consultation.id),
        "votes": select(func.count()).select_from(Vote).join(Voter, Voter.id == Vote.voter_id)
        .where(Voter.consultation_id == consultation.id),
        "excerpts": select(func.count()).select_from(Excerpt).join(Code, Code.id == Excerpt.code_id)
        .where(Code.consultation_id == consultation.id),
    }.get(name)
    return 0 if counted is None else db.session.execute(counted).scalar_one()


def runs_as_job(name: str, consultation: Consultation) -> bool:
    return expected_rows(name, consultation) > current_app.config["EXPORT_JOB_ROWS"]


def queue_export(consultation: Consultation, name: str, kind: Kind, export_format: str,
                 actor: User, filters: dict[str, str]) -> Job:
    """A job that writes the export to a file, queued when this transaction commits."""
    from consult.exports.tasks import make_export

    if name not in DATASETS:
        raise ExportError(_l("There is no such export."))
    job = new_job("export", consultation_id=consultation.id, requested_by_id=actor.id)
    job.parameters = json.dumps({"dataset": name, "kind": kind.value, "format": export_format,
                                 "filters": filters}, sort_keys=True)
    record(consultation, name, kind, export_format, actor, filters)
    on_commit(make_export, job.id)
    db.session.commit()
    return job


def _counted(rows: Iterator[tuple], job: Job, expected: int) -> Iterator[tuple]:
    """The rows, noting the job's progress as they go."""
    for count, row in enumerate(rows, start=1):
        if count % PROGRESS_ROWS == 0:
            set_progress(job, min(95, 95 * count // max(expected, 1)))
        yield row


def _new_path(job: Job, extension: str) -> Path:
    directory = Path(current_app.config["EXPORT_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{job.id}-{secrets.token_hex(8)}.{extension}"


def _written(job: Job, extension: str, write_to) -> Path:
    """Call `write_to(binary file)` on a new file of the job; nothing is left if it fails."""
    path = _new_path(job, extension)
    try:
        with path.open("wb") as target:
            write_to(target)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def make_export(job: Job) -> None:
    """The work of an export job: the file, its download name and its expiry."""
    asked = json.loads(job.parameters)
    consultation = db.session.get(Consultation, job.consultation_id)
    kind = Kind(asked["kind"])
    data = dataset(asked["dataset"], consultation, kind, asked["filters"])
    data.rows = _counted(data.rows, job, expected_rows(asked["dataset"], consultation))
    path = _written(job, asked["format"],
                    lambda target: write(target, consultation, data, kind, asked["format"]))
    job.file_path = path.name
    job.file_name = file_name(consultation, asked["dataset"], kind, asked["format"])
    job.expires_at = utcnow() + timedelta(hours=current_app.config["EXPORT_KEEP_HOURS"])


def file_path(job: Job) -> Path | None:
    """The job's file, if it is still there."""
    if not job.file_path or (job.expires_at is not None and job.expires_at < utcnow()):
        return None
    path = Path(current_app.config["EXPORT_DIR"]) / job.file_path
    return path if path.is_file() else None


def my_exports(consultation: Consultation, user: User) -> list[tuple[Job, dict]]:
    """The export jobs this person asked for in the consultation, still to be fetched,
    with what each was asked to write."""
    since = utcnow() - timedelta(hours=current_app.config["EXPORT_KEEP_HOURS"])
    return [(job, json.loads(job.parameters)) for job in db.session.execute(select(Job).where(
        Job.kind == "export", Job.consultation_id == consultation.id,
        Job.requested_by_id == user.id, Job.created_at >= since)
        .order_by(Job.id.desc()).limit(20)).scalars()]


def delete_expired() -> int:
    """Delete the files of jobs past their expiry, and those superseded; returns how many."""
    expired = db.session.execute(select(Job).where(
        Job.file_path.is_not(None), Job.expires_at < utcnow())).scalars().all()
    for job in expired:
        (Path(current_app.config["EXPORT_DIR"]) / job.file_path).unlink(missing_ok=True)
        job.file_path = None
    db.session.commit()
    return len(expired)


def data_version(consultation: Consultation) -> str:
    """Changes whenever what a published file shows may have changed: each decision of
    staff is in the audit log, and the vote results say when they were computed."""
    last_decision = db.session.execute(select(func.max(AuditEntry.id)).where(
        AuditEntry.consultation_id == consultation.id)).scalar_one()
    computed = db.session.execute(select(VoteResults.computed_at).where(
        VoteResults.consultation_id == consultation.id)).scalar_one_or_none()
    return f"{last_decision or 0}/{computed.isoformat() if computed else '-'}"


def _published_job(consultation: Consultation, kind: str, language: str) -> Job | None:
    parameters = json.dumps({"language": language, "version": data_version(consultation)},
                            sort_keys=True)
    return db.session.execute(select(Job).where(
        Job.kind == kind, Job.consultation_id == consultation.id, Job.parameters == parameters,
        Job.state != JobState.FAILED).order_by(Job.id.desc()).limit(1)).scalar_one_or_none()


def published_file(consultation: Consultation, kind: str, language: str) -> Path | None:
    """The open-data package (`kind` "open-data") or PDF report ("report-pdf") for the data
    as it is now; if there is none, one is queued (unless under way) and None returned."""
    from consult.exports.tasks import make_published

    job = _published_job(consultation, kind, language)
    if job is None:
        job = new_job(kind, consultation_id=consultation.id)
        job.parameters = json.dumps({"language": language,
                                     "version": data_version(consultation)}, sort_keys=True)
        on_commit(make_published, job.id)
        db.session.commit()
        job = db.session.get(Job, job.id)  # done already where tasks run as they are queued
    return file_path(job) if job.state is JobState.DONE else None


def make_published(job: Job, write_to) -> None:
    """The work of an open-data or report job: `write_to(binary file)` makes the file;
    the files of earlier versions are deleted."""
    extension = "zip" if job.kind == "open-data" else "pdf"
    path = _written(job, extension, write_to)
    older = db.session.execute(select(Job).where(
        Job.kind == job.kind, Job.consultation_id == job.consultation_id, Job.id != job.id,
        Job.file_path.is_not(None))).scalars().all()
    for earlier in older:
        if json.loads(earlier.parameters)["language"] == json.loads(job.parameters)["language"]:
            earlier.expires_at = utcnow()
    job.file_path = path.name
