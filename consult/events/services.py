"""Local events: the public agenda, registrations with their waiting list, and what
an organisation's facilitators do with their events (schedule, cancel, report).

Who holds a seat is never stored: the first `capacity` registrations not cancelled, in
the order they queued, hold the seats, and the others wait (see Registration)."""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from consult import audit
from consult.extensions import db, insert_or_update
from consult.mail import send_mail
from consult.models import (
    Consultation,
    LocalEvent,
    Organisation,
    OrganisationStatus,
    Registration,
    Status,
    Testimony,
    User,
    utcnow,
)
from consult.models.outreach import event_themes
from consult.testimonies.attachments import Upload, remove_files, write_file


class EventError(Exception):
    """A request the rules refuse, with the message to show."""


@dataclass(frozen=True)
class Places:
    """How an event's registrations stand against its capacity (None: no limit)."""

    capacity: int | None
    registered: int

    @property
    def seated(self) -> int:
        return self.registered if self.capacity is None else min(self.capacity, self.registered)

    @property
    def waiting(self) -> int:
        return self.registered - self.seated

    @property
    def left(self) -> int | None:
        return None if self.capacity is None else self.capacity - self.seated


@dataclass(frozen=True)
class Standing:
    """One person's registration: a seat, or a place on the waiting list (1 = next)."""

    seated: bool
    waiting_position: int | None = None


# The agenda and the feed

def _listed(consultation: Consultation):
    """The events the public sees: those of the consultation's approved organisations."""
    return (select(LocalEvent).join(Organisation, LocalEvent.organisation_id == Organisation.id)
            .where(LocalEvent.consultation_id == consultation.id,
                   Organisation.status == OrganisationStatus.APPROVED))


def _filtered(statement, region_id: int | None, theme_id: int | None):
    if region_id is not None:
        statement = statement.where(LocalEvent.region_id == region_id)
    if theme_id is not None:
        statement = statement.where(LocalEvent.id.in_(
            select(event_themes.c.event_id).where(event_themes.c.theme_id == theme_id)))
    return statement


def agenda(consultation: Consultation, *, past: bool = False, region_id: int | None = None,
           theme_id: int | None = None) -> list[LocalEvent]:
    """Upcoming events (not over yet), soonest first; or, with `past`, those that are
    over, latest first."""
    now = utcnow()
    statement = _filtered(_listed(consultation), region_id, theme_id)
    if past:
        statement = statement.where(LocalEvent.ends_at <= now).order_by(
            LocalEvent.starts_at.desc(), LocalEvent.id.desc())
    else:
        statement = statement.where(LocalEvent.ends_at > now).order_by(
            LocalEvent.starts_at, LocalEvent.id)
    return list(db.session.execute(statement).scalars())


def feed_events(consultation: Consultation, *, region_id: int | None = None,
                theme_id: int | None = None) -> list[LocalEvent]:
    """Every listed event, past and upcoming, cancelled ones included (a calendar that
    subscribed must learn of the cancellation)."""
    statement = _filtered(_listed(consultation), region_id, theme_id)
    return list(db.session.execute(
        statement.order_by(LocalEvent.starts_at, LocalEvent.id)).scalars())


def listed_event(consultation: Consultation, event_id: int) -> LocalEvent | None:
    """The event if the public may see it: an approved organisation's, in `consultation`."""
    return db.session.execute(
        _listed(consultation).where(LocalEvent.id == event_id)).scalar_one_or_none()


def places(events: list[LocalEvent]) -> dict[int, Places]:
    """Each event's places, by event id, in one query."""
    counts = dict(db.session.execute(
        select(Registration.event_id, func.count())
        .where(Registration.event_id.in_([e.id for e in events]),
               Registration.cancelled_at.is_(None))
        .group_by(Registration.event_id)).all()) if events else {}
    return {e.id: Places(e.capacity, counts.get(e.id, 0)) for e in events}


def gathered_count(event: LocalEvent) -> int:
    """How many testimonies were gathered at the event (withdrawn ones aside)."""
    return db.session.execute(
        select(func.count()).select_from(Testimony)
        .where(Testimony.event_id == event.id, Testimony.status != Status.WITHDRAWN)
    ).scalar_one()


def gathered(event: LocalEvent) -> list[Testimony]:
    """The testimonies gathered at the event, for its organisation (never their text)."""
    return list(db.session.execute(
        select(Testimony).where(Testimony.event_id == event.id).order_by(Testimony.id)
    ).scalars())


# Registrations

def queue(event: LocalEvent) -> list[Registration]:
    """The registrations not cancelled, in the order they hold seats then wait."""
    return list(db.session.execute(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.cancelled_at.is_(None))
        .order_by(Registration.queued_at, Registration.id)).scalars())


def standing_at(event: LocalEvent, index: int) -> Standing:
    """The standing of the registration at `index` (from 0) of the event's queue."""
    if event.capacity is None or index < event.capacity:
        return Standing(seated=True)
    return Standing(seated=False, waiting_position=index - event.capacity + 1)


def standing(event: LocalEvent, user: User) -> Standing | None:
    """Where `user` stands for `event`, or None if they are not registered."""
    for index, registration in enumerate(queue(event)):
        if registration.user_id == user.id:
            return standing_at(event, index)
    return None


def registrations_of(user: User) -> list[tuple[LocalEvent, Standing]]:
    """The events `user` is registered for that are not over, soonest first, with where
    they stand (a seat, or their place on the waiting list)."""
    events = db.session.execute(
        select(LocalEvent).join(Registration, Registration.event_id == LocalEvent.id)
        .join(Organisation, Organisation.id == LocalEvent.organisation_id)
        .where(Registration.user_id == user.id, Registration.cancelled_at.is_(None),
               Organisation.status == OrganisationStatus.APPROVED,
               LocalEvent.ends_at > utcnow())
        .order_by(LocalEvent.starts_at, LocalEvent.id)).scalars().all()
    return [(event, standing(event, user)) for event in events]


def _seated_ids(event: LocalEvent) -> set[int]:
    return {r.user_id for r in queue(event)[:event.capacity]}


def _check_registration_open(event: LocalEvent) -> None:
    if event.is_cancelled:
        raise EventError(_l("This event is cancelled."))
    if event.starts_at <= utcnow():
        raise EventError(_l("This event has already begun: registrations are closed."))
    if event.consultation.is_closed:
        raise EventError(_l("This consultation is closed."))


def register(event: LocalEvent, user: User) -> Standing:
    """Register `user`, or put them back at the end of the queue if they had cancelled;
    registering twice (a double click) changes nothing."""
    _check_registration_open(event)
    now = utcnow()
    insert_or_update(Registration, {"event_id": event.id, "user_id": user.id,
                                    "queued_at": now, "created_at": now},
                     ["event_id", "user_id"])
    db.session.execute(
        update(Registration)
        .where(Registration.event_id == event.id, Registration.user_id == user.id,
               Registration.cancelled_at.is_not(None))
        .values(cancelled_at=None, queued_at=now))
    db.session.commit()
    return standing(event, user)


def _locked(event: LocalEvent) -> None:
    """Take the event's row lock (PostgreSQL), so that two changes of its queue that tell
    people of a seat are made one after the other."""
    db.session.execute(select(LocalEvent.id).where(LocalEvent.id == event.id).with_for_update())


def cancel_registration(event: LocalEvent, user: User) -> bool:
    """Cancel `user`'s registration; whoever gets their seat is told by e-mail. False if
    they had none."""
    if event.starts_at <= utcnow():
        raise EventError(_l("This event has already begun."))
    _locked(event)
    before = _seated_ids(event)
    cancelled = db.session.execute(
        update(Registration)
        .where(Registration.event_id == event.id, Registration.user_id == user.id,
               Registration.cancelled_at.is_(None))
        .values(cancelled_at=utcnow())).rowcount
    if cancelled:
        _tell_promoted(event, before - {user.id})
        _mail(user, _l("Your registration is cancelled"), "event_registration_cancelled",
              event)
    db.session.commit()
    return bool(cancelled)


def _tell_promoted(event: LocalEvent, seated_before: set[int]) -> None:
    """Mail the people who now hold a seat they did not hold before."""
    for user_id in _seated_ids(event) - seated_before:
        _mail(db.session.get(User, user_id), _l("You have a seat"), "event_seat", event)


def _mail(user: User, subject, template: str, event: LocalEvent, **context) -> None:
    """A message about `event`, in the person's language."""
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        send_mail(user.email, str(subject), template, user=user, event=event,
                  url=url_for("events.show", slug=event.consultation.slug, event_id=event.id,
                              _external=True),
                  **context)


# Facilitators

@dataclass
class EventValues:
    """What the event form gives, times already in UTC."""

    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    place: str
    online_url: str | None
    region_id: int | None
    theme_ids: list[int]
    capacity: int | None


def organisation_events(organisation: Organisation) -> tuple[list[LocalEvent], list[LocalEvent]]:
    """The organisation's events: upcoming (soonest first) and over (latest first)."""
    events = list(db.session.execute(
        select(LocalEvent).where(LocalEvent.organisation_id == organisation.id)
        .order_by(LocalEvent.starts_at, LocalEvent.id)).scalars())
    now = utcnow()
    return ([e for e in events if e.ends_at > now],
            [e for e in reversed(events) if e.ends_at <= now])


def _apply(event: LocalEvent, consultation: Consultation, values: EventValues) -> None:
    if values.region_id is not None and values.region_id not in {
            r.id for r in consultation.regions}:
        raise EventError(_l("This choice does not belong to this consultation."))
    for name in ("title", "description", "starts_at", "ends_at", "place", "online_url",
                 "region_id", "capacity"):
        setattr(event, name, getattr(values, name))
    event.themes = [t for t in consultation.themes if t.id in set(values.theme_ids)]


def create_event(organisation: Organisation, values: EventValues, by: User) -> LocalEvent:
    """Schedule an event of `organisation`."""
    consultation = organisation.consultation
    if consultation.is_closed:
        raise EventError(_l("This consultation is closed."))
    event = LocalEvent(consultation=consultation, organisation=organisation, created_by_id=by.id)
    _apply(event, consultation, values)
    db.session.add(event)
    db.session.flush()
    audit.record("events.created", object_type="local_event", object_id=event.id,
                 consultation_id=consultation.id, actor=by)
    db.session.commit()
    return event


def update_event(event: LocalEvent, values: EventValues, by: User) -> None:
    """Change an event; a larger capacity gives seats to people waiting, who are told."""
    if event.is_cancelled:
        raise EventError(_l("This event is cancelled."))
    _locked(event)
    before = _seated_ids(event)
    if values.capacity is not None and values.capacity < len(before):
        raise EventError(_l(
            "%(count)d people already hold a seat: the capacity cannot be lower than that.",
            count=len(before)))
    _apply(event, event.consultation, values)
    audit.record("events.edited", object_type="local_event", object_id=event.id,
                 consultation_id=event.consultation_id, actor=by)
    _tell_promoted(event, before)
    db.session.commit()


def cancel_event(event: LocalEvent, by: User) -> None:
    """Cancel an event that has not begun; everyone registered is told."""
    if event.is_cancelled:
        raise EventError(_l("This event is already cancelled."))
    if event.starts_at <= utcnow():
        raise EventError(_l("This event has already begun."))
    event.cancelled_at = utcnow()
    audit.record("events.cancelled", object_type="local_event", object_id=event.id,
                 consultation_id=event.consultation_id, actor=by)
    for registration in queue(event):
        _mail(registration.user, _l("An event is cancelled"), "event_cancelled", event)
    db.session.commit()


def may_report(event: LocalEvent) -> bool:
    """A report is written once the event has begun."""
    return not event.is_cancelled and event.starts_at <= utcnow()


def save_report(event: LocalEvent, *, attendance: int | None, report: str,
                upload: Upload | None, remove_file: bool, by: User) -> None:
    """Record how many came and the report; a new file replaces the old one."""
    if not may_report(event):
        raise EventError(_l("The report can be written once the event has begun."))
    old_file = event.report_file_stored if upload is not None or remove_file else None
    new_file = write_file(upload.content) if upload is not None else None
    event.attendance = attendance
    event.report = report
    if upload is not None:
        event.report_file_stored = new_file
        event.report_file_name = upload.original_name
        event.report_file_type = upload.media_type
    elif remove_file:
        event.report_file_stored = event.report_file_name = event.report_file_type = None
    audit.record("events.report_saved", object_type="local_event", object_id=event.id,
                 consultation_id=event.consultation_id, actor=by,
                 details={"attendance": attendance, "file": upload is not None})
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        if new_file:
            remove_files([new_file])
        raise
    if old_file:
        remove_files([old_file])
