"""Assisted entry: testimonies an organisation's facilitators type for the people who gave
them, on paper, orally or at a local event. The person stays the author in all but name:
the facilitator is recorded as who entered it, and it goes through moderation as any other."""
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from consult.audit import record
from consult.extensions import db
from consult.i18n import local_to_utc, utc_to_local
from consult.models import (
    ENTERED_CHANNELS,
    ENTERED_CONSENTS,
    Channel,
    ConsentMethod,
    Consultation,
    LocalEvent,
    Organisation,
    Status,
    Testimony,
    User,
    utcnow,
)
from consult.testimonies.services import (
    Provenance,
    TestimonyError,
    submit_testimony,
    update_testimony,
)


def organisation_events(organisation: Organisation) -> list[LocalEvent]:
    """The organisation's events, newest first: where its testimonies may have been gathered."""
    return list(db.session.execute(
        select(LocalEvent).filter_by(organisation_id=organisation.id)
        .order_by(LocalEvent.starts_at.desc(), LocalEvent.id.desc())
    ).scalars())


def entry_provenance(organisation: Organisation, *, entered_by: User, channel: Channel,
                     consent_method: ConsentMethod, event_id: int | None) -> Provenance:
    """Where an entered testimony comes from; refused unless it is a channel of entry with
    the person's own consent, at an event that exists (required at a local event, and
    dropped for any other channel: the form keeps the previous entry's event). That the
    event is the organisation's is checked by Provenance, as for every testimony."""
    if channel not in ENTERED_CHANNELS or consent_method not in ENTERED_CONSENTS:
        raise TestimonyError(
            _l("Choose how the testimony was gathered and how the person agreed."))
    if channel is not Channel.LOCAL_EVENT:
        event_id = None
    event = db.session.get(LocalEvent, event_id) if event_id is not None else None
    if event_id is not None and event is None:
        raise TestimonyError(_l("This event is not one of this organisation's."))
    if channel is Channel.LOCAL_EVENT and event is None:
        raise TestimonyError(_l("Choose the local event where the testimony was gathered."))
    return Provenance(channel=channel, consent_method=consent_method, entered_by=entered_by,
                      organisation=organisation, event=event)


def enter_testimony(consultation: Consultation, content: dict, provenance: Provenance, *,
                    contact_email: str | None, submission_key: str | None) -> Testimony:
    """Record a testimony entered on someone's behalf: it has no author and waits for
    moderation; the person gets their receipt link if an address was given."""
    testimony, _token = submit_testimony(
        consultation, content, author=None, contact_email=contact_email,
        submission_key=submission_key, provenance=provenance)
    record("testimony.entered", object_type="testimony", object_id=testimony.id,
           consultation_id=consultation.id,
           details={"organisation_id": testimony.organisation_id,
                    "channel": testimony.channel.value, "event_id": testimony.event_id})
    db.session.commit()
    return testimony


def may_edit_entry(testimony: Testimony, user: User) -> bool:
    """The member who entered it (or an admin) may correct it until it is moderated."""
    return testimony.is_editable_by_author and (
        user.is_admin or testimony.entered_by_id == user.id)


def edit_entry(testimony: Testimony, content: dict) -> None:
    """Correct an entered testimony that waits for moderation."""
    update_testimony(testimony, content)
    record("testimony.entry_edited", object_type="testimony", object_id=testimony.id,
           consultation_id=testimony.consultation_id)
    db.session.commit()


def entered_today(user: User, organisation: Organisation) -> int:
    """How many testimonies `user` entered for `organisation` since midnight, local time."""
    midnight = local_to_utc(utc_to_local(utcnow()).replace(hour=0, minute=0, second=0,
                                                           microsecond=0))
    return db.session.execute(
        select(func.count(Testimony.id)).where(
            Testimony.entered_by_id == user.id, Testimony.organisation_id == organisation.id,
            Testimony.created_at >= midnight)
    ).scalar_one()


@dataclass
class EntryFilters:
    event_id: int | None = None
    status: Status | None = None

    def as_args(self) -> dict:
        args = {"event": self.event_id, "status": self.status.value if self.status else None}
        return {key: value for key, value in args.items() if value is not None}


@dataclass
class EntryPage:
    items: list[Testimony]
    #: The id to continue before, if there are older entries.
    older: int | None


def entries_page(organisation: Organisation, filters: EntryFilters, *,
                 before: int | None = None) -> EntryPage:
    """One page of the testimonies the organisation's members entered, newest first."""
    size = current_app.config["PAGE_SIZE"]
    query = (
        select(Testimony)
        .where(Testimony.organisation_id == organisation.id, Testimony.entered_by_id.is_not(None))
        .options(joinedload(Testimony.entered_by), joinedload(Testimony.event))
        .order_by(Testimony.id.desc())
        .limit(size + 1)
    )
    for column, value in ((Testimony.event_id, filters.event_id),
                          (Testimony.status, filters.status)):
        if value is not None:
            query = query.where(column == value)
    if before is not None:
        query = query.where(Testimony.id < before)
    items = list(db.session.execute(query).scalars())
    older = items[size - 1].id if len(items) > size else None
    return EntryPage(items=items[:size], older=older)
