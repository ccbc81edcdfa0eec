"""What the exports contain. Two kinds, told apart everywhere: a public export holds only
what the public pages show (published testimonies in their masked text, names only of
authors who chose to be named, never an e-mail address); an internal export, for the
consultation's commissioners, may hold confidential and original texts, says
CONFIDENTIAL in its name and first line, and is recorded in the audit log."""
import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import literal_column, select

from consult import audit
from consult.extensions import db
from consult.labels import placeholders_in_language
from consult.models import (
    Code,
    Consultation,
    Excerpt,
    ParticipantCategory,
    Region,
    Testimony,
    Theme,
    User,
    Visibility,
    Vote,
    Voter,
    testimony_themes,
)
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


def _in_order(columns: list[str], rows: Iterator[dict]) -> Iterator[tuple]:
    return (tuple(row.get(column) for column in columns) for row in rows)


def _names(model, consultation: Consultation) -> dict[int, str]:
    return dict(db.session.execute(select(model.id, model.shown_name).where(
        model.consultation_id == consultation.id)).all())


def _by_testimony(query, names: dict[int, str] | None = None) -> dict[int, list[str]]:
    """(testimony id, name or id of a name in `names`) rows, grouped by testimony."""
    grouped: dict[int, list[str]] = {}
    for testimony_id, value in db.session.execute(query.order_by(*query.selected_columns)):
        grouped.setdefault(testimony_id, []).append(names[value] if names else value)
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


def _testimony_rows(consultation: Consultation, kind: Kind,
                    filters: dict[str, str]) -> Iterator[tuple]:
    query = synthesis.reading_query(consultation, {**EMPTY_FILTERS, **filters, "copies": "shown"})
    if kind is Kind.PUBLIC:
        query = query.where(Testimony.is_public.is_(True))
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
    return Dataset("testimonies", columns, _testimony_rows(consultation, kind, filters))


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
