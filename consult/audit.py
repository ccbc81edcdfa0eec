"""The audit log: one function writes it, nothing updates or deletes it."""
import json
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import has_request_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import event, select

from consult.extensions import db
from consult.i18n import local_to_utc
from consult.labels import label
from consult.models import AuditEntry, RoleAssignment, User


#: Each action of the log in words, as the log shows it ("who" then this).
ACTIONS = {
    "testimony.published": _l("published the testimony"),
    "testimony.rejected": _l("refused the testimony"),
    "testimony.changes_requested": _l("asked the author for changes"),
    "testimony.reclassified": _l("changed the themes, category or region"),
    "testimony.redacted": _l("masked personal information"),
    "testimony.redaction_removed": _l("removed a masking"),
    "testimony.hidden_by_flags": _l("hid the testimony after readers' flags"),
    "testimony.confidential_opened": _l("read the confidential testimony"),
    "testimony.original_opened": _l("read the original before masking"),
    "testimony.entered": _l("entered a testimony for someone"),
    "testimony.entry_edited": _l("corrected an entered testimony"),
    "testimonies_imported": _l("imported testimonies from a file"),
    "attachment.downloaded": _l("downloaded an attached file"),
    "export.internal": _l("downloaded an internal export"),
    "events.created": _l("created a local event"),
    "events.edited": _l("edited a local event"),
    "events.cancelled": _l("cancelled a local event"),
    "events.report_saved": _l("saved a local event's report"),
    "hearings.scheduled": _l("scheduled a hearing"),
    "hearings.edited": _l("edited a hearing"),
    "hearings.notes_recorded": _l("recorded a hearing's notes"),
    "recommendations.imported": _l("imported recommendations"),
    "reading.assigned": _l("gave testimonies to a reader"),
    "recommendations.moved": _l("moved an item of the synthesis"),
    "recommendations.edited": _l("edited an item of the synthesis"),
    "recommendations.deleted": _l("deleted an item of the synthesis"),
    "recommendations.published": _l("published the synthesis or one of its items"),
    "recommendations.unpublished": _l("withdrew an item of the synthesis from publication"),
    "organisation.proposed": _l("proposed an organisation"),
    "organisation.pending": _l("put an organisation back to wait for approval"),
    "organisation.approved": _l("approved an organisation"),
    "organisation.refused": _l("refused an organisation"),
    "organisation.invited": _l("invited a member to an organisation"),
    "organisation.invitation_withdrawn": _l("withdrew an invitation to an organisation"),
    "organisation.member_removed": _l("removed a member from an organisation"),
    "organisation.member_joined": _l("joined an organisation"),
    "role.granted": _l("gave a role"),
    "role.revoked": _l("took back a role"),
    "delegate_codes.generated": _l("generated delegate codes"),
    "delegate_codes.revoked": _l("revoked a delegate code"),
    "statement.published": _l("published a participant's statement"),
    "statement.rejected": _l("refused a participant's statement"),
    "votes.imported": _l("imported votes"),
}

#: What each kind of object of the log is, in words.
OBJECT_TYPES = {
    "testimony": _l("Testimony"),
    "organisation": _l("Organisation"),
    "local_event": _l("Local event"),
    "hearing": _l("Hearing"),
    "consultation": _l("Consultation"),
    "user": _l("Account"),
    "delegate_code": _l("Delegate code"),
    "orientation": _l("Orientation"),
    "recommendation": _l("Recommendation"),
    "measure": _l("Measure"),
    "proposal": _l("Statement to vote on"),
}


def action_words(action: str) -> str:
    """What an action of the log did, in the reader's language."""
    return str(ACTIONS.get(action, action))


def object_type_words(object_type: str) -> str:
    return str(OBJECT_TYPES.get(object_type, object_type))


def record(action: str, *, object_type: str, object_id: int | None = None,
           consultation_id: int | None = None, reason: str = "", details: dict | None = None,
           actor: User | None = None) -> AuditEntry:
    """Add an entry for `action`; it is committed with the change it describes."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        consultation_id=consultation_id,
        reason=reason or "",
        details=json.dumps(details or {}, ensure_ascii=False, sort_keys=True),
    )
    db.session.add(entry)
    return entry


#: Entries shown on one page of the log.
PAGE_SIZE = 50


@dataclass
class LogFilters:
    """What the reader of the log narrows it to; `since` and `until` are days in the
    site's time zone, both included."""
    actor_id: int | None = None
    action: str = ""
    object_type: str = ""
    since: date | None = None
    until: date | None = None


@dataclass
class LogPage:
    entries: list[AuditEntry]
    number: int
    pages: int
    total: int
    #: The people who acted in these entries, by account number.
    actors: dict[int, User]


def _selected(consultation_id: int, filters: LogFilters):
    query = db.select(AuditEntry).where(AuditEntry.consultation_id == consultation_id)
    if filters.actor_id is not None:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.object_type:
        query = query.where(AuditEntry.object_type == filters.object_type)
    if filters.since is not None:
        query = query.where(AuditEntry.at >= local_to_utc(datetime.combine(filters.since, time())))
    if filters.until is not None:
        query = query.where(AuditEntry.at < local_to_utc(
            datetime.combine(filters.until + timedelta(days=1), time())))
    return query


def entries(consultation_id: int, filters: LogFilters) -> list[AuditEntry]:
    """Every entry of the consultation's log that `filters` keep, newest first."""
    return list(db.session.execute(
        _selected(consultation_id, filters).order_by(AuditEntry.id.desc())).scalars())


def page(consultation_id: int, filters: LogFilters, number: int) -> LogPage:
    """Page `number` (from 1) of the entries `filters` keep, newest first."""
    query = _selected(consultation_id, filters)
    total = db.session.execute(
        db.select(db.func.count()).select_from(query.subquery())).scalar_one()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    number = min(max(1, number), pages)
    found = list(db.session.execute(query.order_by(AuditEntry.id.desc()).offset(
        (number - 1) * PAGE_SIZE).limit(PAGE_SIZE)).scalars())
    return LogPage(found, number, pages, total,
                   _users({entry.actor_id for entry in found if entry.actor_id}))


def _users(ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {user.id: user for user in db.session.execute(
        db.select(User).where(User.id.in_(ids))).scalars()}


def _distinct(consultation_id: int, column) -> list:
    """The distinct values of `column` in the consultation's log, in order: one step of
    the index on (consultation_id, column) per value, not a walk over every entry."""
    table = AuditEntry.__table__
    column = table.c[column.key]

    def first_after(previous) -> object:
        query = select(column).where(table.c.consultation_id == consultation_id,
                                     column.is_not(None))
        if previous is not None:
            query = query.where(column > previous)
        return query.order_by(column).limit(1).scalar_subquery()

    found = select(first_after(None).label("value")).cte("found", recursive=True)
    found = found.union_all(select(first_after(found.c.value)).where(found.c.value.is_not(None)))
    return list(db.session.execute(
        select(found.c.value).where(found.c.value.is_not(None))).scalars())


def people(consultation_id: int) -> list[User]:
    """Everyone who acted in the consultation's log, by name."""
    return sorted(_users(set(_distinct(consultation_id, AuditEntry.actor_id))).values(),
                  key=lambda user: user.display_name.casefold())


def recorded(consultation_id: int, column) -> list[str]:
    """The distinct values of `column` (an action, a kind of object) in the log."""
    return _distinct(consultation_id, column)


def roles_in(user: User, consultation_id: int) -> list[str]:
    """The person's roles in the consultation, in words (admin first)."""
    roles = [str(ADMINISTRATOR)] if user.is_admin else []
    return roles + [label(r.role) for r in db.session.execute(db.select(RoleAssignment).where(
        RoleAssignment.user_id == user.id,
        RoleAssignment.consultation_id == consultation_id)).scalars()]


#: A global role, not one of a consultation's.
ADMINISTRATOR = _l("Administrator")


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(_mapper, _connection, _target) -> None:
    raise PermissionError("The audit log is append-only.")
