"""Whom a consultation reached: testimonies received through each channel, by region
and by participant category, through each organisation and each local event — and
whom it did not reach (the rows at zero)."""
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from consult.events.services import Places
from consult.extensions import db
from consult.models import (
    Channel,
    Consultation,
    LocalEvent,
    Organisation,
    OrganisationStatus,
    ParticipantCategory,
    Region,
    Registration,
    Status,
    Testimony,
)


@dataclass
class Row:
    """One line of a table: a name and its count of testimonies per channel."""

    name: str | None  # None: not given
    counts: dict[Channel, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class OrganisationReach:
    organisation: Organisation
    gathered: int  # testimonies its members entered
    briefs: int
    events: int  # held or planned, not cancelled
    attendance: int


@dataclass
class EventReach:
    event: LocalEvent
    seats_taken: int
    testimonies: int


@dataclass
class Reach:
    total: int
    channels: list[Channel]
    by_region: list[Row]
    by_category: list[Row]
    organisations: list[OrganisationReach]
    events: list[EventReach]

    @property
    def by_channel(self) -> Row:
        totals = defaultdict(int)
        for row in self.by_region:
            for channel, count in row.counts.items():
                totals[channel] += count
        return Row(None, dict(totals))

    @property
    def unreached_regions(self) -> list[str]:
        return [row.name for row in self.by_region if row.name is not None and not row.total]

    @property
    def unreached_categories(self) -> list[str]:
        return [row.name for row in self.by_category if row.name is not None and not row.total]


def _received(consultation: Consultation):
    return (Testimony.consultation_id == consultation.id, Testimony.status != Status.WITHDRAWN)


def _rows(consultation: Consultation, model, column) -> list[Row]:
    """One row per item of the list (regions, categories), zeros included, then the
    testimonies that did not say."""
    counts = defaultdict(dict)
    for item_id, channel, count in db.session.execute(
            select(column, Testimony.channel, func.count()).where(*_received(consultation))
            .group_by(column, Testimony.channel)):
        counts[item_id][Channel(channel)] = count
    items = db.session.execute(select(model.id, model.shown_name).where(
        model.consultation_id == consultation.id).order_by(model.position, model.id)).all()
    rows = [Row(name, counts.get(item_id, {})) for item_id, name in items]
    if counts.get(None):
        rows.append(Row(None, counts[None]))
    return rows


def _counts_by(column, consultation: Consultation, *conditions) -> dict:
    return dict(db.session.execute(
        select(column, func.count()).where(*_received(consultation), column.is_not(None),
                                           *conditions).group_by(column)).all())


def reach(consultation: Consultation) -> Reach:
    gathered = _counts_by(Testimony.organisation_id, consultation,
                          Testimony.is_brief.is_(False))
    briefs = _counts_by(Testimony.organisation_id, consultation, Testimony.is_brief.is_(True))
    by_event = _counts_by(Testimony.event_id, consultation)
    events = db.session.execute(
        select(LocalEvent).where(LocalEvent.consultation_id == consultation.id)
        .order_by(LocalEvent.starts_at, LocalEvent.id)).scalars().all()
    seats = dict(db.session.execute(
        select(Registration.event_id, func.count()).join(LocalEvent)
        .where(LocalEvent.consultation_id == consultation.id,
               Registration.cancelled_at.is_(None))
        .group_by(Registration.event_id)).all())
    held = defaultdict(list)
    for event in events:
        if not event.is_cancelled:
            held[event.organisation_id].append(event)
    organisations = db.session.execute(
        select(Organisation).where(Organisation.consultation_id == consultation.id,
                                   Organisation.status == OrganisationStatus.APPROVED)
        .order_by(Organisation.name)).scalars().all()
    by_region = _rows(consultation, Region, Testimony.region_id)
    return Reach(
        total=sum(row.total for row in by_region),
        channels=list(Channel),
        by_region=by_region,
        by_category=_rows(consultation, ParticipantCategory, Testimony.category_id),
        organisations=[
            OrganisationReach(o, gathered.get(o.id, 0), briefs.get(o.id, 0), len(held[o.id]),
                              sum(e.attendance or 0 for e in held[o.id]))
            for o in organisations],
        events=[EventReach(e, Places(e.capacity, seats.get(e.id, 0)).seated,
                           by_event.get(e.id, 0)) for e in events],
    )
