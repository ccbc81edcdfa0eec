"""What the exports contain. Two kinds, told apart everywhere: a public export holds only
what the public pages show (published testimonies in their masked text, names only of
authors who chose to be named, never an e-mail address); an internal export, for the
consultation's commissioners, may hold confidential and original texts, says
CONFIDENTIAL in its name and first line, and is recorded in the audit log."""
import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult import audit
from consult.extensions import db
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
    """One table to export: its columns and its rows (a generator: nothing is held)."""

    name: str
    columns: list[str]
    rows: Iterator[dict]


def _names(model, consultation: Consultation) -> dict[int, str]:
    return dict(db.session.execute(select(model.id, model.name).where(
        model.consultation_id == consultation.id)).all())


def _by_testimony(query) -> dict[int, list[str]]:
    """(testimony id, name) rows grouped by testimony, names in order."""
    grouped: dict[int, list[str]] = {}
    for testimony_id, name in db.session.execute(query.order_by(*query.selected_columns)):
        grouped.setdefault(testimony_id, []).append(name)
    return grouped


PUBLIC_TESTIMONY_COLUMNS = ["id", "received_at", "published_at", "channel", "themes",
                            "participant_category", "region", "author_name", "title", "text"]
INTERNAL_TESTIMONY_COLUMNS = ["id", "status", "visibility", "received_at", "published_at",
                              "channel", "themes", "participant_category", "region",
                              "author_name", "title", "text", "masked", "published_title",
                              "published_text", "codes"]


def _testimony_rows(consultation: Consultation, kind: Kind,
                    filters: dict[str, str]) -> Iterator[dict]:
    query = synthesis.reading_query(consultation, {**EMPTY_FILTERS, **filters, "copies": "shown"})
    if kind is Kind.PUBLIC:
        query = query.where(Testimony.is_public.is_(True))
    query = query.with_only_columns(
        Testimony.id, Testimony.status, Testimony.visibility, Testimony.created_at,
        Testimony.published_at, Testimony.channel, Testimony.category_id, Testimony.region_id,
        Testimony.display_name, Testimony.title, Testimony.body, Testimony.redacted_title,
        Testimony.redacted_body, Testimony.public_title, Testimony.public_body)
    categories = _names(ParticipantCategory, consultation)
    regions = _names(Region, consultation)
    after = 0
    while True:
        batch = db.session.execute(query.where(Testimony.id > after)
                                   .order_by(Testimony.id).limit(BATCH)).all()
        if not batch:
            return
        ids = [row.id for row in batch]
        themes = _by_testimony(
            select(testimony_themes.c.testimony_id, Theme.name)
            .join(Theme, Theme.id == testimony_themes.c.theme_id)
            .where(testimony_themes.c.testimony_id.in_(ids)))
        codes = {} if kind is Kind.PUBLIC else _by_testimony(
            select(Excerpt.testimony_id, Code.name).join(Code, Code.id == Excerpt.code_id)
            .where(Excerpt.testimony_id.in_(ids)).distinct())
        for row in batch:
            common = {
                "id": row.id, "received_at": row.created_at.isoformat(timespec="seconds"),
                "published_at": row.published_at.isoformat(timespec="seconds")
                if row.published_at else "",
                "channel": row.channel.value, "themes": "; ".join(themes.get(row.id, [])),
                "participant_category": categories.get(row.category_id, ""),
                "region": regions.get(row.region_id, ""),
            }
            if kind is Kind.PUBLIC:
                yield {**common, "title": row.public_title or "", "text": row.public_body,
                       "author_name": row.display_name
                       if row.visibility is Visibility.PUBLIC and row.display_name else ""}
            else:
                yield {**common, "status": row.status.value, "visibility": row.visibility.value,
                       "author_name": row.display_name or "", "title": row.title or "",
                       "text": row.body,
                       "masked": "yes" if row.redacted_body is not None
                       or row.redacted_title is not None else "no",
                       "published_title": row.public_title or "",
                       "published_text": row.public_body or "",
                       "codes": "; ".join(codes.get(row.id, []))}
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

    return Dataset("recommendations",
                   ["number", "level", "text", "status", "evidence", "testimonies"], rows())


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

    return Dataset("results", ["item", "number", "text", "scope", "group", "agree", "disagree",
                               "pass", "voters", "consensus", "divisive"], rows())


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

    return Dataset("excerpts", ["code", "testimony", "passage"], rows())


DATASETS = {"testimonies": testimonies, "recommendations": recommendations,
            "results": results, "excerpts": excerpts}


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
