"""Organisations: proposal and approval, members and invitations, and their briefs."""
import secrets
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from consult.accounts.services import find_user, normalise_email
from consult.audit import record
from consult.extensions import db
from consult.mail import send_mail
from consult.models import (
    Consultation,
    Invitation,
    MemberRole,
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Testimony,
    User,
    Visibility,
    utcnow,
)
from consult.models.testimony import hash_receipt_token
from consult.testimonies.attachments import Upload
from consult.testimonies.services import Provenance, submit_testimony, uploader_key

#: How long an invitation link stays valid.
INVITATION_LIFETIME = timedelta(days=14)
#: How many decided organisations the review page recalls under the pending ones.
RECENTLY_DECIDED = 20

DECISIONS = {"approve": OrganisationStatus.APPROVED, "refuse": OrganisationStatus.REFUSED}


class OrganisationError(Exception):
    """A rule was broken; the message is meant for the person."""


def approved(consultation: Consultation, region_id: int | None = None) -> list[Organisation]:
    """The consultation's approved organisations by name, in one region when given."""
    query = select(Organisation).filter_by(consultation_id=consultation.id,
                                           status=OrganisationStatus.APPROVED)
    if region_id is not None:
        query = query.filter_by(region_id=region_id)
    return list(db.session.execute(query.order_by(Organisation.name)).scalars())


def published_briefs(organisation: Organisation) -> list[Testimony]:
    """The organisation's briefs that anyone may read, newest first, with their
    attachments."""
    return list(db.session.execute(
        select(Testimony).filter_by(organisation_id=organisation.id, is_brief=True,
                                    is_public=True)
        .options(selectinload(Testimony.attachments))
        .order_by(Testimony.published_at.desc(), Testimony.id.desc())
    ).scalars())


def _name_taken(consultation: Consultation, name: str) -> bool:
    return db.session.execute(
        select(Organisation.id).where(Organisation.consultation_id == consultation.id,
                                      func.lower(Organisation.name) == name.lower())
    ).first() is not None


def _name_taken_error() -> OrganisationError:
    return OrganisationError(_l("An organisation of this name already takes part in this "
                                "consultation. If it is yours, ask its owner to invite you."))


def propose(consultation: Consultation, proposer: User, *, name: str, kind: OrganisationKind,
            region_id: int | None, description: str) -> Organisation:
    """Record a proposed organisation, waiting for an admin; its proposer owns it."""
    if not proposer.is_admin and (consultation.is_closed or not consultation.is_public):
        raise OrganisationError(_l("This consultation does not take new organisations."))
    if region_id is not None and region_id not in {r.id for r in consultation.regions}:
        raise OrganisationError(_l("This choice does not belong to this consultation."))
    name = name.strip()
    if _name_taken(consultation, name):
        raise _name_taken_error()
    organisation = Organisation(
        consultation=consultation, name=name, kind=kind, region_id=region_id,
        description=description.strip(), status=OrganisationStatus.PENDING,
        members=[Membership(user=proposer, role=MemberRole.OWNER)],
    )
    db.session.add(organisation)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise _name_taken_error() from None
    record("organisation.proposed", object_type="organisation", object_id=organisation.id,
           consultation_id=consultation.id, actor=proposer)
    db.session.commit()
    return organisation


def for_review(consultation: Consultation) -> tuple[list[Organisation], list[Organisation]]:
    """The organisations waiting for a decision (oldest first) and the last ones decided."""
    pending = db.session.execute(
        select(Organisation).filter_by(consultation_id=consultation.id,
                                       status=OrganisationStatus.PENDING)
        .order_by(Organisation.created_at, Organisation.id)
    ).scalars()
    decided = db.session.execute(
        select(Organisation).where(Organisation.consultation_id == consultation.id,
                                   Organisation.status != OrganisationStatus.PENDING)
        .order_by(Organisation.decided_at.desc(), Organisation.id.desc())
        .limit(RECENTLY_DECIDED)
    ).scalars()
    return list(pending), list(decided)


def owner_of(organisation: Organisation) -> Membership | None:
    return next((m for m in organisation.members if m.role is MemberRole.OWNER), None)


def decide(organisation: Organisation, actor: User, decision: str, note: str = "") -> None:
    """An admin approves or refuses a proposed organisation; its owner is told by e-mail."""
    status = DECISIONS.get(decision)
    if status is None:
        raise OrganisationError(_l("Choose to approve or to refuse."))
    # Only a pending organisation changes: of two admins deciding at once, one wins.
    changed = db.session.execute(
        update(Organisation)
        .where(Organisation.id == organisation.id,
               Organisation.status == OrganisationStatus.PENDING)
        .values(status=status, decided_by_id=actor.id, decided_at=utcnow())
    ).rowcount
    if not changed:
        db.session.rollback()
        raise OrganisationError(_l("This organisation has already been decided; nothing "
                                   "was changed."))
    record(f"organisation.{status.value}", object_type="organisation", object_id=organisation.id,
           consultation_id=organisation.consultation_id, reason=note.strip(), actor=actor)
    db.session.refresh(organisation)
    owner = owner_of(organisation)
    if owner is not None:
        with force_locale(owner.user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            send_mail(owner.user.email, str(_l("Your organisation on Consult")),
                      "organisation_decision", organisation=organisation, note=note.strip(),
                      url=url_for("organisations.show", slug=organisation.consultation.slug,
                                  organisation_id=organisation.id, _external=True))
    db.session.commit()


def invitations_of(organisation: Organisation) -> list[Invitation]:
    return list(db.session.execute(
        select(Invitation).filter_by(organisation_id=organisation.id).order_by(Invitation.id)
    ).scalars())


def invite(organisation: Organisation, inviter: User, email: str) -> Invitation:
    """Invite an address to act as a facilitator; the link goes by e-mail only."""
    address = normalise_email(email)
    if any(m.user.email == address for m in organisation.members):
        raise OrganisationError(_l("This person is already a member of the organisation."))
    existing = db.session.execute(
        select(Invitation).filter_by(organisation_id=organisation.id, email=address)
    ).scalar_one_or_none()
    if existing is not None:
        if existing.expires_at > utcnow():
            raise OrganisationError(_l("This address has already been invited; the "
                                       "invitation is still valid."))
        db.session.delete(existing)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(organisation=organisation, email=address,
                            token_hash=hash_receipt_token(token), invited_by_id=inviter.id,
                            expires_at=utcnow() + INVITATION_LIFETIME)
    db.session.add(invitation)
    db.session.flush()
    record("organisation.invited", object_type="organisation", object_id=organisation.id,
           consultation_id=organisation.consultation_id, actor=inviter,
           details={"invitation": invitation.id})
    account = find_user(address)
    locale = account.locale if account is not None and account.locale else None
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        send_mail(address, str(_l("An invitation to act for %(name)s", name=organisation.name)),
                  "organisation_invitation", organisation=organisation, inviter=inviter,
                  expires_at=invitation.expires_at,
                  url=url_for("organisations.invitation", token=token, _external=True))
    db.session.commit()
    return invitation


def withdraw_invitation(invitation: Invitation, actor: User) -> None:
    organisation = invitation.organisation
    db.session.delete(invitation)
    record("organisation.invitation_withdrawn", object_type="organisation",
           object_id=organisation.id, consultation_id=organisation.consultation_id, actor=actor,
           details={"invitation": invitation.id})
    db.session.commit()


def remove_member(member: Membership, actor: User) -> None:
    """Take a facilitator off the organisation; its owner stays."""
    if member.role is MemberRole.OWNER:
        raise OrganisationError(_l("The owner of an organisation cannot be removed."))
    organisation = member.organisation
    db.session.delete(member)
    record("organisation.member_removed", object_type="organisation", object_id=organisation.id,
           consultation_id=organisation.consultation_id, actor=actor,
           details={"user": member.user_id})
    db.session.commit()


def invitation_by_token(token: str) -> Invitation | None:
    return db.session.execute(
        select(Invitation).filter_by(token_hash=hash_receipt_token(token))
    ).scalar_one_or_none()


def accept(invitation: Invitation, user: User) -> Membership:
    """The invited person joins the organisation as a facilitator; the invitation is spent."""
    if normalise_email(user.email) != invitation.email:
        raise OrganisationError(_l("This invitation was sent to another e-mail address. Log in "
                                   "with the account of the address that received it."))
    if invitation.expires_at <= utcnow():
        raise OrganisationError(_l("This invitation has expired. Ask the organisation's owner "
                                   "to invite you again."))
    organisation = invitation.organisation
    if any(m.user_id == user.id for m in organisation.members):
        raise OrganisationError(_l("You are already a member of this organisation."))
    member = Membership(organisation=organisation, user=user, role=MemberRole.FACILITATOR)
    db.session.add(member)
    db.session.delete(invitation)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise OrganisationError(_l("You are already a member of this organisation.")) from None
    record("organisation.member_joined", object_type="organisation", object_id=organisation.id,
           consultation_id=organisation.consultation_id, actor=user)
    db.session.commit()
    return member


def submit_brief(organisation: Organisation, submitter: User, content: dict, *,
                 uploads: list[Upload], submission_key: str | None) -> Testimony:
    """Send the organisation's brief to moderation; its submitter is its author, and a
    public brief is published under the organisation's name."""
    if content["visibility"] is Visibility.PUBLIC:
        content = dict(content, display_name=organisation.name)
    testimony, _token = submit_testimony(
        organisation.consultation, content, author=submitter, uploads=uploads,
        uploader=uploader_key(submitter, None), submission_key=submission_key,
        provenance=Provenance(organisation=organisation, is_brief=True),
    )
    return testimony


def memberships_of(user: User) -> list[Membership]:
    """The person's memberships, across consultations."""
    return list(db.session.execute(
        select(Membership).join(Membership.organisation).filter(Membership.user_id == user.id)
        .order_by(Organisation.consultation_id, Organisation.name)
    ).scalars())
