"""Who may do what. Every view declares its rule with one of these decorators,
and objects are fetched through the helpers below, which answer 404 for what the
person may not see (they need not learn it exists)."""
import ipaddress
from functools import wraps

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user, login_required

from consult.extensions import db
from consult.logs import security_event
from consult.models import (
    Attachment,
    Consultation,
    Membership,
    MemberRole,
    Organisation,
    Role,
    Testimony,
    Visibility,
)
from consult.models.testimony import hash_receipt_token


#: Who moderates a consultation: its moderators, and its commissioners.
MODERATORS = (Role.MODERATOR, Role.COMMISSIONER)

#: Who reads and codes the testimonies, confidential ones included: the consultation's
#: commissioners and analysts (and admins).
READERS = (Role.COMMISSIONER, Role.ANALYST)

#: Who shares out the reading and checks the coding: the commissioners (and admins).
READING_LEADS = (Role.COMMISSIONER,)

#: Who reads a consultation's audit log: its commissioners (and admins), not its moderators.
AUDIT_READERS = (Role.COMMISSIONER,)

#: The rules a view can declare; a test checks that every route declares one.
RULES = ("public", "authenticated", "admin", "staff", "member", "operator")


def _declare(rule: str, view):
    view.access_rule = rule
    return view


def public(view):
    """Anyone, logged in or not."""
    return _declare("public", view)


def authenticated(view):
    """Any logged-in person."""
    return _declare("authenticated", login_required(view))


def deny() -> None:
    """Answer 404 to someone who may not see what they asked for, and log it."""
    security_event("access_denied",
                   user=current_user.id if current_user.is_authenticated else None)
    abort(404)


def second_factor_passed() -> bool:
    """Whether this session passed the second factor (see consult.accounts.sessions)."""
    user_session = g.get("user_session")
    return user_session is not None and user_session.second_factor_at is not None


def _second_factor_redirect():
    """Where a staff member goes first if this session has not passed the second factor."""
    if not current_app.config["SECOND_FACTOR_FOR_STAFF"] or second_factor_passed():
        return None
    endpoint = "accounts.second_factor" if current_user.totp_secret else "accounts.second_factor_setup"
    return redirect(url_for(endpoint, next=request.full_path))


def operator_networks(view):
    """Only from the addresses METRICS_ALLOWED_NETWORKS lists (loopback by default): the
    operators' monitoring, never the public. Others get 404."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        try:
            address = ipaddress.ip_address(request.remote_addr or "")
        except ValueError:
            deny()
        networks = current_app.config["METRICS_ALLOWED_NETWORKS"].split(",")
        if not any(address in ipaddress.ip_network(net.strip(), strict=False)
                   for net in networks if net.strip()):
            deny()
        return view(*args, **kwargs)

    return _declare("operator", wrapped)


def admin_only(view):
    """Administrators only, with their second factor; others get 404."""

    @login_required
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            deny()
        return _second_factor_redirect() or view(*args, **kwargs)

    return _declare("admin", wrapped)


def is_staff(consultation: Consultation, *roles: Role) -> bool:
    """Whether the current person is an admin or holds one of `roles` in `consultation`."""
    if not current_user.is_authenticated:
        return False
    return current_user.is_admin or current_user.has_role(consultation.id, *roles)


def consultation_or_404(slug: str) -> Consultation:
    """A consultation the current person may see: public ones, and drafts for their staff."""
    consultation = db.session.execute(
        db.select(Consultation).filter_by(slug=slug)
    ).scalar_one_or_none()
    if consultation is None:
        abort(404)
    if not consultation.is_public and not is_staff(consultation, *Role):
        deny()
    return consultation


def own_testimony_or_404(token: str | None, testimony_id: int | None) -> Testimony:
    """The testimony behind a receipt token, or one of the current person's own."""
    testimony = None
    if token is not None:
        testimony = db.session.execute(
            db.select(Testimony).filter_by(receipt_token_hash=hash_receipt_token(token))
        ).scalar_one_or_none()
    elif testimony_id is not None and current_user.is_authenticated:
        testimony = db.session.get(Testimony, testimony_id)
        if testimony is not None and testimony.author_id != current_user.id:
            deny()
    if testimony is None:
        abort(404)
    return testimony


def _consultation_by_slug(slug: str) -> Consultation:
    consultation = db.session.execute(
        db.select(Consultation).filter_by(slug=slug)
    ).scalar_one_or_none()
    if consultation is None:
        abort(404)
    return consultation


def staff_of(*roles: Role):
    """The consultation's staff holding one of `roles` (and admins), with their second
    factor; the view receives the consultation instead of its slug. Others get 404."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(slug: str, *args, **kwargs):
            consultation = _consultation_by_slug(slug)
            if not is_staff(consultation, *roles):
                deny()
            return _second_factor_redirect() or view(consultation, *args, **kwargs)

        return _declare("staff", wrapped)

    return decorator


def may_see_results(consultation: Consultation) -> bool:
    """Vote results are public once the consultation is closed; its commissioners (and
    admins) follow them all along."""
    return consultation.is_closed or is_staff(consultation, Role.COMMISSIONER)


def may_read_audit_log(consultation: Consultation) -> bool:
    """Whether the current person reads the consultation's audit log (and sees its link)."""
    return is_staff(consultation, *AUDIT_READERS)


def may_read_confidential(consultation: Consultation) -> bool:
    """Confidential testimonies are read by the consultation's commissioners and analysts
    (and admins)."""
    return is_staff(consultation, *READERS)


def may_lead_reading(consultation: Consultation) -> bool:
    """Whether the current person assigns testimonies to readers and follows their work
    (and sees the links to what only commissioners do)."""
    return is_staff(consultation, *READING_LEADS)


def membership(organisation: Organisation) -> Membership | None:
    """The current person's membership of `organisation`, if they have one."""
    if not current_user.is_authenticated:
        return None
    return next((m for m in organisation.members if m.user_id == current_user.id), None)


def may_act_for(organisation: Organisation, *, owner: bool = False) -> bool:
    """Whether the current person acts for `organisation` (as its owner, when `owner`):
    its members while it is approved, and admins."""
    if not current_user.is_authenticated:
        return False
    if current_user.is_admin:
        return True
    member = membership(organisation)
    return (organisation.is_approved and member is not None
            and (not owner or member.role is MemberRole.OWNER))


def member_of_organisation(*, owner: bool = False):
    """The members of an approved organisation of the consultation (its owner only, when
    `owner`) and admins (with their second factor). The view receives the consultation
    and the organisation instead of the slug and the organisation's id; everyone else,
    members of other organisations included, gets 404."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(slug: str, organisation_id: int, *args, **kwargs):
            consultation = _consultation_by_slug(slug)
            organisation = belonging_or_404(Organisation, organisation_id,
                                            consultation_id=consultation.id)
            if not may_act_for(organisation, owner=owner):
                deny()
            if current_user.is_admin and membership(organisation) is None:
                redirect_first = _second_factor_redirect()
                if redirect_first:
                    return redirect_first
            return view(consultation, organisation, *args, **kwargs)

        return _declare("member", wrapped)

    return decorator


def belonging_or_404(model, object_id: int, **owner):
    """The `model` row `object_id` if its attributes match `owner` (for instance
    organisation_id=…): what belongs to another organisation or consultation is a 404."""
    found = db.session.get(model, object_id)
    if found is None or any(getattr(found, name) != value for name, value in owner.items()):
        abort(404)
    return found


def public_testimony_or_404(consultation: Consultation, testimony_id: int) -> Testimony:
    """A testimony of `consultation` that anyone may read: published, not confidential,
    not hidden after flags (its public copy is set)."""
    return belonging_or_404(Testimony, testimony_id, consultation_id=consultation.id,
                            is_public=True)


def staff_testimony_or_404(consultation: Consultation, testimony_id: int) -> Testimony:
    """A testimony of `consultation` for its moderators and commissioners (the view's
    decorator checked the role): a confidential one only for those who may read it."""
    testimony = belonging_or_404(Testimony, testimony_id, consultation_id=consultation.id)
    if testimony.visibility is Visibility.CONFIDENTIAL and not may_read_confidential(consultation):
        deny()
    return testimony


def attachment_or_404(testimony: Testimony, attachment_id: int) -> Attachment:
    """An attachment of `testimony`, fetched by one of the helpers above for the current
    person: its author's, its staff's, or anyone's once the testimony is public."""
    return belonging_or_404(Attachment, attachment_id, testimony_id=testimony.id)


def organisation_or_404(consultation: Consultation, organisation_id: int) -> Organisation:
    """An organisation of `consultation` the current person may see: an approved one, or
    one waiting for approval (or refused) for its members and admins."""
    organisation = belonging_or_404(Organisation, organisation_id,
                                    consultation_id=consultation.id)
    if not organisation.is_approved and membership(organisation) is None and not (
            current_user.is_authenticated and current_user.is_admin):
        deny()
    return organisation


def may_read_event_report(event) -> bool:
    """A local event's report (its text and file) is read by the members of its approved
    organisation, and by the consultation's moderators and commissioners and admins with
    their second factor; never by the public."""
    if event.organisation.is_approved and membership(event.organisation) is not None:
        return True
    return is_staff(event.consultation, *MODERATORS) and (
        not current_app.config["SECOND_FACTOR_FOR_STAFF"] or second_factor_passed())
