"""Personal data: what the platform holds about a person, deleting an account on
request, and erasing contact details once they are no longer needed (see
docs/privacy.md)."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from consult.accounts import services as accounts
from consult.extensions import db
from consult.logs import security_event
from consult.models import (
    Attachment,
    Consultation,
    Invitation,
    LocalEvent,
    Membership,
    Organisation,
    Proposal,
    Registration,
    RoleAssignment,
    Status,
    Testimony,
    User,
    UserSession,
    Vote,
    Voter,
    utcnow,
)
from consult.paper import services as paper
from consult.testimonies.services import forget_author

#: Name and version of the download's format; a change of shape gets a new version.
EXPORT_FORMAT = "consult-personal-data"
EXPORT_VERSION = 1


class PrivacyError(Exception):
    """A rule was broken; the message is meant for the person."""


def _timestamp(moment: datetime | None) -> str | None:
    """A stored (naive UTC) date as ISO 8601 with its zone, e.g. 2026-01-31T14:05:09Z."""
    return moment.isoformat(timespec="seconds") + "Z" if moment is not None else None


def _own_testimonies(user: User) -> list[Testimony]:
    return list(
        db.session.execute(
            select(Testimony)
            .where(Testimony.author_id == user.id)
            .options(
                joinedload(Testimony.consultation),
                joinedload(Testimony.category),
                joinedload(Testimony.region),
                selectinload(Testimony.themes),
                selectinload(Testimony.attachments),
            )
            .order_by(Testimony.id)
        ).scalars()
    )


def _testimony_data(testimony: Testimony) -> dict:
    return {
        "id": testimony.id,
        "consultation": {"slug": testimony.consultation.slug,
                         "title": testimony.consultation.shown_title},
        "status": testimony.status.value,
        "visibility": testimony.visibility.value,
        "display_name": testimony.display_name,
        "title": testimony.title,
        "text": testimony.body,
        "published_title": testimony.public_title,
        "published_text": testimony.public_body,
        "themes": [theme.shown_name for theme in testimony.themes],
        "participant_category": testimony.category.shown_name if testimony.category else None,
        "region": testimony.region.shown_name if testimony.region else None,
        "channel": testimony.channel.value,
        "consented_at": _timestamp(testimony.consented_at),
        "created_at": _timestamp(testimony.created_at),
        "updated_at": _timestamp(testimony.updated_at),
        "published_at": _timestamp(testimony.published_at),
        "attachments": [
            {"name": attachment.original_name, "media_type": attachment.media_type,
             "size": attachment.size, "created_at": _timestamp(attachment.created_at)}
            for attachment in testimony.attachments
        ],
    }


def personal_data(user: User) -> dict:
    """Everything the platform holds about `user`, in the documented download format.

    Secrets (password hash, second-factor secret, session and receipt token hashes)
    are never part of it: they are not information about the person, and a copy of
    them would only help someone who stole the file.
    """
    roles = db.session.execute(
        select(RoleAssignment)
        .where(RoleAssignment.user_id == user.id)
        .options(joinedload(RoleAssignment.consultation))
        .order_by(RoleAssignment.id)
    ).scalars()
    sessions = db.session.execute(
        select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    ).scalars()
    return {
        "format": {"name": EXPORT_FORMAT, "version": EXPORT_VERSION},
        "exported_at": _timestamp(utcnow()),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "language": user.locale,
            "created_at": _timestamp(user.created_at),
            "email_confirmed_at": _timestamp(user.email_confirmed_at),
            "is_admin": user.is_admin,
            "second_factor_enabled": user.totp_secret is not None,
            "failed_logins": user.failed_logins,
            "locked_until": _timestamp(user.locked_until),
            "roles": [
                {"consultation": role.consultation.slug, "role": role.role.value,
                 "granted_at": _timestamp(role.created_at)}
                for role in roles
            ],
        },
        "sessions": [
            {"created_at": _timestamp(s.created_at), "last_seen_at": _timestamp(s.last_seen_at)}
            for s in sessions
        ],
        "testimonies": [_testimony_data(t) for t in _own_testimonies(user)],
        "votes": [
            {"consultation": slug, "item": proposal_id, "vote": value,
             "cast_at": _timestamp(cast_at)}
            for slug, proposal_id, value, cast_at in db.session.execute(
                select(Consultation.slug, Vote.proposal_id, Vote.value, Vote.cast_at)
                .join(Voter, Voter.id == Vote.voter_id)
                .join(Consultation, Consultation.id == Voter.consultation_id)
                .where(Voter.user_id == user.id).order_by(Vote.id))
        ],
        "statements": [
            {"consultation": slug, "text": text, "status": status.value,
             "created_at": _timestamp(created_at)}
            for slug, text, status, created_at in db.session.execute(
                select(Consultation.slug, Proposal.text, Proposal.status, Proposal.created_at)
                .join(Consultation, Consultation.id == Proposal.consultation_id)
                .where(Proposal.author_id == user.id).order_by(Proposal.id))
        ],
        "organisations": [
            {"consultation": slug, "organisation": name, "role": role.value,
             "since": _timestamp(created_at)}
            for slug, name, role, created_at in db.session.execute(
                select(Consultation.slug, Organisation.name, Membership.role,
                       Membership.created_at)
                .join(Organisation, Organisation.id == Membership.organisation_id)
                .join(Consultation, Consultation.id == Organisation.consultation_id)
                .where(Membership.user_id == user.id).order_by(Membership.id))
        ],
        "invitations": [
            {"organisation": name, "invited_at": _timestamp(created_at),
             "expires_at": _timestamp(expires_at)}
            for name, created_at, expires_at in db.session.execute(
                select(Organisation.name, Invitation.created_at, Invitation.expires_at)
                .join(Organisation, Organisation.id == Invitation.organisation_id)
                .where(Invitation.email == user.email).order_by(Invitation.id))
        ],
        "event_registrations": [
            {"consultation": slug, "event": title, "starts_at": _timestamp(starts_at),
             "registered_at": _timestamp(queued_at), "cancelled_at": _timestamp(cancelled_at)}
            for slug, title, starts_at, queued_at, cancelled_at in db.session.execute(
                select(Consultation.slug, LocalEvent.title, LocalEvent.starts_at,
                       Registration.queued_at, Registration.cancelled_at)
                .join(LocalEvent, LocalEvent.id == Registration.event_id)
                .join(Consultation, Consultation.id == LocalEvent.consultation_id)
                .where(Registration.user_id == user.id).order_by(Registration.id))
        ],
        # Testimonies typed for other people belong to them; only the fact is kept here.
        "testimonies_entered_for_others": [
            {"consultation": slug, "testimony": testimony_id, "entered_at": _timestamp(at)}
            for slug, testimony_id, at in db.session.execute(
                select(Consultation.slug, Testimony.id, Testimony.created_at)
                .join(Consultation, Consultation.id == Testimony.consultation_id)
                .where(Testimony.entered_by_id == user.id).order_by(Testimony.id))
        ],
    }


def holdings(user: User) -> dict[str, int]:
    """How many testimonies and sessions the account has, for the personal-data page."""
    testimonies = db.session.execute(
        select(Testimony.status, func.count()).where(Testimony.author_id == user.id)
        .group_by(Testimony.status)
    ).all()
    by_status = {status: count for status, count in testimonies}
    sessions = db.session.execute(
        select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
    ).scalar_one()
    return {"testimonies": sum(by_status.values()),
            "published": by_status.get(Status.PUBLISHED, 0),
            "sessions": sessions}


def _check_password(user: User, password: str) -> None:
    try:
        checked = accounts.authenticate(user.email, password)
    except accounts.AccountError as error:  # locked after too many failures
        raise PrivacyError(str(error)) from error
    if checked is None or checked.id != user.id:
        raise PrivacyError(_l("This is not your password."))


def _erase_account(user: User, *, keep_published: bool) -> None:
    """Delete the account and cut its testimonies from it; the caller commits.

    Sessions, roles, memberships and event registrations go with the account
    (cascade). The account's address is also erased from testimonies sent without an
    account that gave it as contact, and from invitations still waiting.
    """
    for testimony in _own_testimonies(user):
        forget_author(testimony, keep_published=keep_published)
    db.session.execute(
        update(Testimony).where(Testimony.contact_email == user.email).values(contact_email=None)
    )
    db.session.execute(delete(Invitation).where(Invitation.email == user.email))
    db.session.delete(user)


def delete_account(user: User, password: str, *, keep_published: bool) -> None:
    """Delete `user`'s account once they confirmed with their password.

    Their published testimonies are withdrawn, or kept without their name when
    `keep_published`; those waiting for moderation are withdrawn.
    """
    _check_password(user, password)
    user_id = user.id
    _erase_account(user, keep_published=keep_published)
    db.session.commit()
    security_event("account_deleted", user=user_id,
                   published="kept" if keep_published else "withdrawn")


@dataclass
class PurgeReport:
    """What a purge erased (or, in a dry run, would erase): counts only."""

    contact_emails: int
    consultations: int
    unconfirmed_accounts: int
    expired_sessions: int
    upload_keys: int
    expired_invitations: int
    waiting_imports: int
    unconfirmed_account_days: int
    dry_run: bool


def _past_retention(now: datetime) -> list[int]:
    """Ids of the consultations closed more than their retention period ago."""
    closed = db.session.execute(
        select(Consultation).where(Consultation.closes_at.is_not(None),
                                   Consultation.closes_at < now)
    ).scalars()
    return [c.id for c in closed
            if c.closes_at < now - timedelta(days=c.contact_retention_days)]


def purge(*, dry_run: bool = False, now: datetime | None = None) -> PurgeReport:
    """Erase the contact details no longer needed (see docs/privacy.md, "Retention").

    - the contact address left with a testimony, once its consultation closed more
      than `contact_retention_days` days ago;
    - accounts whose address was never confirmed, UNCONFIRMED_ACCOUNT_DAYS days after
      they were created;
    - invitations to an organisation (an address) once expired;
    - spreadsheets of testimonies whose import was not confirmed within the hour.

    With `dry_run`, only counts.
    """
    now = now or utcnow()
    days = current_app.config["UNCONFIRMED_ACCOUNT_DAYS"]
    consultation_ids = _past_retention(now)
    with_contact = (Testimony.consultation_id.in_(consultation_ids),
                    Testimony.contact_email.is_not(None))
    contact_emails, consultations = db.session.execute(
        select(func.count(), func.count(Testimony.consultation_id.distinct()))
        .select_from(Testimony).where(*with_contact)
    ).one()
    unconfirmed = list(db.session.execute(
        select(User).where(User.email_confirmed_at.is_(None),
                           User.created_at < now - timedelta(days=days))
    ).scalars())
    sessions = list(db.session.execute(accounts.expired_sessions(now)).scalars())
    # The upload quota looks back 24 hours; after that, who uploaded is not needed.
    old_keys = (Attachment.created_at < now - timedelta(hours=24), Attachment.uploader_key != "")
    upload_keys = db.session.execute(
        select(func.count()).select_from(Attachment).where(*old_keys)).scalar_one()
    expired = Invitation.expires_at < now
    invitations = db.session.execute(
        select(func.count()).select_from(Invitation).where(expired)).scalar_one()
    waiting_imports = sum(path.suffix == ".data" for path in paper.stale_uploads())
    if not dry_run:
        paper.remove_stale_uploads()
        db.session.execute(delete(Invitation).where(expired))
        db.session.execute(update(Testimony).where(*with_contact).values(contact_email=None))
        db.session.execute(update(Attachment).where(*old_keys).values(uploader_key=""))
        for user_session in sessions:
            db.session.delete(user_session)
        for user in unconfirmed:
            _erase_account(user, keep_published=False)
        db.session.commit()
        security_event("privacy_purge", contact_emails=contact_emails,
                       unconfirmed_accounts=len(unconfirmed), expired_sessions=len(sessions),
                       upload_keys=upload_keys, expired_invitations=invitations,
                       waiting_imports=waiting_imports)
    return PurgeReport(
        contact_emails=contact_emails,
        consultations=consultations,
        unconfirmed_accounts=len(unconfirmed),
        expired_sessions=len(sessions),
        upload_keys=upload_keys,
        expired_invitations=invitations,
        waiting_imports=waiting_imports,
        unconfirmed_account_days=days,
        dry_run=dry_run,
    )
