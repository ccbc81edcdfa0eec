"""The audit log: one function writes it, nothing updates or deletes it."""
import json

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import event

from consult.extensions import db
from consult.models import AuditEntry, User


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


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(_mapper, _connection, _target) -> None:
    raise PermissionError("The audit log is append-only.")
