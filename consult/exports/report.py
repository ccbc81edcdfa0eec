"""The synthesis report of a consultation: who took part, what they said, the
orientations → recommendations → measures with their evidence and vote results, the
opinion groups and the method; as a web page and as a PDF (WeasyPrint). It is made of
public material only: counts, and quotes from published testimonies in their masked
text."""
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import (
    Channel,
    Code,
    Consultation,
    Excerpt,
    LocalEvent,
    Organisation,
    ParticipantCategory,
    Region,
    Status,
    Testimony,
    Visibility,
    Vote,
    Voter,
    testimony_themes,
)
from consult.synthesis import services as synthesis
from consult.voting import services as voting

#: Quotes shown per theme and per code.
QUOTES = 2
#: Codes listed in "what they said", the most used first.
MAX_CODES = 15


@dataclass
class Bar:
    label: str
    count: int


@dataclass
class Chart:
    """Counts to draw as horizontal bars, also given as a table."""

    title: str
    bars: list[Bar]

    @property
    def largest(self) -> int:
        return max((bar.count for bar in self.bars), default=0) or 1


@dataclass
class Said:
    """A theme or a code: how many testimonies, and a few quotes."""

    name: str
    count: int
    quotes: list[str]


@dataclass
class Report:
    consultation: Consultation
    method: dict[str, int]
    participation: list[Chart]
    themes: list[Said]
    codes: list[Said]
    orientations: list
    results: dict[int, voting.ItemResult] = field(default_factory=dict)
    groups: list[voting.GroupSummary] = field(default_factory=list)
    picture: voting.Picture | None = None
    #: When the vote results shown were computed (None before the first computation).
    computed_at: datetime | None = None


def _count_by(column, consultation: Consultation, *conditions) -> list[tuple]:
    return db.session.execute(
        select(column, func.count()).select_from(Testimony)
        .where(Testimony.consultation_id == consultation.id, *conditions)
        .group_by(column).order_by(func.count().desc())).all()


def _named_counts(model, name, key, consultation: Consultation, *conditions) -> list[Bar]:
    """Testimonies counted by `key`, shown under the `name` column of the `model` it
    points to (a region's name, an event's title)."""
    names = dict(db.session.execute(select(model.id, name).where(
        model.consultation_id == consultation.id)).all())
    return [Bar(names.get(item_id, "—"), count)
            for item_id, count in _count_by(key, consultation, *conditions)]


def _weeks(consultation: Consultation, received) -> list[Bar]:
    """Testimonies received each week (Monday to Sunday), in order."""
    days = Counter(moment.date() for moment in db.session.execute(
        select(Testimony.created_at).where(Testimony.consultation_id == consultation.id,
                                           received)).scalars())
    weeks = Counter()
    for day, count in days.items():
        weeks[day - timedelta(days=day.weekday())] += count
    return [Bar(monday.isoformat(), weeks[monday]) for monday in sorted(weeks)]


def _quotes(query) -> list[str]:
    return [text for text in db.session.execute(query.limit(QUOTES)).scalars() if text]


def build(consultation: Consultation, labels: dict[str, str]) -> Report:
    """Everything the report shows; `labels` holds the chart titles in the reader's
    language (the service stays out of translation)."""
    received = Testimony.status != Status.WITHDRAWN
    public = Testimony.is_public.is_(True)
    statuses = dict(_count_by(Testimony.status, consultation))
    stored = voting.results_now(consultation)
    method = {
        "received": sum(count for status, count in statuses.items()
                        if status is not Status.WITHDRAWN),
        "published": statuses.get(Status.PUBLISHED, 0),
        "rejected": statuses.get(Status.REJECTED, 0),
        "pending": statuses.get(Status.PENDING, 0) + statuses.get(Status.CHANGES_REQUESTED, 0),
        "withdrawn": statuses.get(Status.WITHDRAWN, 0),
        "masked": db.session.execute(select(func.count()).select_from(Testimony).where(
            Testimony.consultation_id == consultation.id, public,
            Testimony.redacted_body.is_not(None) | Testimony.redacted_title.is_not(None)
        )).scalar_one(),
        "confidential": dict(_count_by(Testimony.visibility, consultation, received)).get(
            Visibility.CONFIDENTIAL, 0),
        "voters": stored.voters if stored else 0,
        "votes": sum(item.overall.voters for item in stored.items) if stored else 0,
        "delegates": db.session.execute(select(func.count()).select_from(Voter).where(
            Voter.consultation_id == consultation.id, Voter.delegate_code_id.is_not(None),
            select(Vote.id).where(Vote.voter_id == Voter.id).exists())).scalar_one(),
    }
    participation = [
        Chart(labels["category"], _named_counts(
            ParticipantCategory, ParticipantCategory.shown_name, Testimony.category_id,
            consultation, received)),
        Chart(labels["region"], _named_counts(
            Region, Region.shown_name, Testimony.region_id, consultation, received)),
        Chart(labels["channel"], [Bar(Channel(channel), count) for channel, count in
                                  _count_by(Testimony.channel, consultation, received)]),
        Chart(labels["weeks"], _weeks(consultation, received)),
        Chart(labels["organisation"], _named_counts(
            Organisation, Organisation.name, Testimony.organisation_id, consultation, received,
            Testimony.organisation_id.is_not(None))),
        Chart(labels["event"], _named_counts(LocalEvent, LocalEvent.title, Testimony.event_id,
                                             consultation, received,
                                             Testimony.event_id.is_not(None))),
    ]
    themes = []
    for theme in consultation.themes:
        tagged = Testimony.id.in_(select(testimony_themes.c.testimony_id).where(
            testimony_themes.c.theme_id == theme.id))
        count = db.session.execute(select(func.count()).select_from(Testimony).where(
            Testimony.consultation_id == consultation.id, public, tagged)).scalar_one()
        themes.append(Said(theme.shown_name, count, _quotes(
            select(Testimony.public_body).where(Testimony.consultation_id == consultation.id,
                                                public, tagged).order_by(Testimony.id))))
    codes = []
    for code, count in db.session.execute(
            select(Code, func.count(func.distinct(Excerpt.testimony_id)))
            .join(Excerpt, Excerpt.code_id == Code.id)
            .where(Code.consultation_id == consultation.id).group_by(Code.id)
            .order_by(func.count(func.distinct(Excerpt.testimony_id)).desc(), Code.name)
            .limit(MAX_CODES)).all():
        excerpts = db.session.execute(
            select(Excerpt).join(Testimony, Testimony.id == Excerpt.testimony_id)
            .where(Excerpt.code_id == code.id, public).order_by(Excerpt.id).limit(QUOTES)
        ).scalars()
        codes.append(Said(code.name, count, [
            str(synthesis.excerpt_text(e, may_read_original=False)) for e in excerpts]))
    by_source = {}
    for item in stored.items if stored else ():
        proposal = item.ballot.proposal
        key = ("r", proposal.recommendation_id) if proposal.recommendation_id else (
            ("m", proposal.measure_id) if proposal.measure_id else None)
        if key:
            by_source[key] = item
    return Report(consultation=consultation, method=method, participation=participation,
                  themes=themes, codes=codes,
                  orientations=synthesis.orientations(consultation, published_only=True),
                  results=by_source, groups=stored.groups if stored else [],
                  picture=stored.picture if stored else None,
                  computed_at=stored.computed_at if stored else None)


def labels() -> dict[str, str]:
    """The report's chart titles, in the reader's language."""
    return {"category": _("By participant category"), "region": _("By region"),
            "channel": _("By channel"), "weeks": _("Testimonies received each week"),
            "organisation": _("Through each organisation"),
            "event": _("At each local event")}


STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "css" / "report-print.css"


def _no_network(url: str):
    """The PDF is made from the page's own text and the print stylesheet: nothing is
    fetched, so no text in a testimony can make the server request anything."""
    raise ValueError(f"not fetched: {url[:80]}")


def pdf(html: str, stylesheet: Path = STYLESHEET) -> bytes:
    """The report's HTML (or another page, with its own print `stylesheet`) as a PDF: A4,
    page numbers, a table of contents with the pages, bookmarks from the headings, fonts
    embedded, text extractable."""
    # WeasyPrint loads with the first PDF, not with the app (docs/benchmarks.md).
    from weasyprint import CSS, HTML

    return HTML(string=html, url_fetcher=_no_network).write_pdf(
        stylesheets=[CSS(filename=str(stylesheet))])
