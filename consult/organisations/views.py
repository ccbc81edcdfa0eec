"""Organisations: their public pages, proposal and approval, members and invitations,
and the briefs they send."""
import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.access import (
    admin_only,
    authenticated,
    belonging_or_404,
    consultation_or_404,
    member_of_organisation,
    membership,
    organisation_or_404,
    public,
)
from consult.http_cache import for_visitors
from consult.extensions import limit
from consult.labels import label
from consult.models import (
    Invitation,
    MemberRole,
    Membership,
    Organisation,
    OrganisationKind,
    utcnow,
)
from consult.organisations import bp, services
from consult.organisations.forms import BriefForm, DecisionForm, InviteForm, OrganisationForm
from consult.parsing import as_id
from consult.security import mark_private
from consult.testimonies.services import AlreadyReceived, TestimonyError


@bp.route("/c/<slug>/organisations")
@public
@for_visitors
def index(slug: str):
    """The consultation's approved organisations, in one region when asked."""
    consultation = consultation_or_404(slug)
    region_id = as_id(request.args.get("region"))
    if region_id not in {r.id for r in consultation.regions}:
        region_id = None
    return render_template("organisations/index.html", consultation=consultation,
                           organisations=services.approved(consultation, region_id),
                           region_id=region_id)


@bp.route("/c/<slug>/organisations/<int:organisation_id>")
@public
@for_visitors
def show(slug: str, organisation_id: int):
    """An organisation's page; its members also find their tools and fellow members here."""
    consultation = consultation_or_404(slug)
    organisation = organisation_or_404(consultation, organisation_id)
    member = membership(organisation)
    insider = member is not None or current_user.is_authenticated and current_user.is_admin
    if insider:
        mark_private()
    return render_template("organisations/show.html", consultation=consultation,
                           organisation=organisation, member=member, insider=insider,
                           briefs=services.published_briefs(organisation))


@bp.route("/c/<slug>/organisations/new", methods=["GET", "POST"])
@authenticated
def create(slug: str):
    """Propose an organisation; an admin approves it before its page is public."""
    consultation = consultation_or_404(slug)
    form = OrganisationForm(consultation=consultation)
    if form.validate_on_submit():
        try:
            organisation = services.propose(
                consultation, current_user, name=form.name.data,
                kind=OrganisationKind(form.kind.data), region_id=form.region.data,
                description=form.description.data or "")
        except services.OrganisationError as error:
            flash(str(error), "error")
        else:
            flash(_("Thank you: your organisation has been proposed. An administrator will "
                    "approve it; you will be told by e-mail."), "success")
            return redirect(url_for("organisations.show", slug=slug,
                                    organisation_id=organisation.id))
    return render_template("organisations/create.html", consultation=consultation, form=form)


@bp.route("/c/<slug>/organisations/review")
@admin_only
def review(slug: str):
    """The proposed organisations waiting for an admin, and the last ones decided."""
    mark_private()
    consultation = consultation_or_404(slug)
    pending, decided = services.for_review(consultation)
    return render_template("organisations/review.html", consultation=consultation,
                           pending=pending, decided=decided, form=DecisionForm())


@bp.route("/c/<slug>/organisations/<int:organisation_id>/decide", methods=["POST"])
@admin_only
def decide(slug: str, organisation_id: int):
    """Approve or refuse a proposed organisation."""
    consultation = consultation_or_404(slug)
    organisation = belonging_or_404(Organisation, organisation_id,
                                    consultation_id=consultation.id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    else:
        try:
            services.decide(organisation, current_user, form.decision.data, form.note.data or "")
        except services.OrganisationError as error:
            flash(str(error), "error")
        else:
            flash(_("“%(name)s”: %(status)s. Its owner has been told by e-mail.",
                    name=organisation.name, status=label(organisation.status)), "success")
    return redirect(url_for("organisations.review", slug=slug))


@bp.route("/c/<slug>/organisations/<int:organisation_id>/members")
@member_of_organisation(owner=True)
def members(consultation, organisation):
    """The owner's page: members, pending invitations, and a form to invite."""
    mark_private()
    return _members_page(consultation, organisation, InviteForm())


def _members_page(consultation, organisation, form):
    member = membership(organisation)
    return render_template("organisations/members.html", consultation=consultation,
                           organisation=organisation, form=form,
                           invitations=services.invitations_of(organisation), now=utcnow(),
                           is_owner=member is not None and member.role is MemberRole.OWNER)


@bp.route("/c/<slug>/organisations/<int:organisation_id>/members/invite", methods=["POST"])
@member_of_organisation(owner=True)
@limit("RATE_LIMIT_INVITATION")
def invite(consultation, organisation):
    """Invite a facilitator by e-mail."""
    mark_private()
    form = InviteForm()
    if form.validate_on_submit():
        try:
            services.invite(organisation, current_user, form.email.data)
        except services.OrganisationError as error:
            flash(str(error), "error")
        else:
            flash(_("The invitation has been sent. It is valid for 14 days."), "success")
            return redirect(url_for("organisations.members", slug=consultation.slug,
                                    organisation_id=organisation.id))
    return _members_page(consultation, organisation, form)


@bp.route("/c/<slug>/organisations/<int:organisation_id>/members/<int:member_id>/remove",
          methods=["POST"])
@member_of_organisation(owner=True)
def remove_member(consultation, organisation, member_id: int):
    """Take a facilitator off the organisation."""
    member = belonging_or_404(Membership, member_id, organisation_id=organisation.id)
    name = member.user.display_name
    try:
        services.remove_member(member, current_user)
    except services.OrganisationError as error:
        flash(str(error), "error")
    else:
        flash(_("%(name)s is no longer a member of the organisation.", name=name), "success")
    return redirect(url_for("organisations.members", slug=consultation.slug,
                            organisation_id=organisation.id))


@bp.route("/c/<slug>/organisations/<int:organisation_id>/invitations/<int:invitation_id>"
          "/withdraw", methods=["POST"])
@member_of_organisation(owner=True)
def withdraw_invitation(consultation, organisation, invitation_id: int):
    """Withdraw an invitation not yet accepted: its link no longer works."""
    invitation = belonging_or_404(Invitation, invitation_id, organisation_id=organisation.id)
    services.withdraw_invitation(invitation, current_user)
    flash(_("The invitation has been withdrawn."), "success")
    return redirect(url_for("organisations.members", slug=consultation.slug,
                            organisation_id=organisation.id))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@authenticated
def invitation(token: str):
    """An invitation received by e-mail: the invited person accepts it here."""
    mark_private()
    found = services.invitation_by_token(token)
    if found is None:
        abort(404)
    organisation = found.organisation
    if request.method == "POST":  # the CSRF token was checked for every POST
        try:
            services.accept(found, current_user)
        except services.OrganisationError as error:
            flash(str(error), "error")
        else:
            flash(_("Welcome: you now act as a facilitator for %(name)s.",
                    name=organisation.name), "success")
            return redirect(url_for("organisations.show", slug=organisation.consultation.slug,
                                    organisation_id=organisation.id))
    return render_template("organisations/invitation.html", invitation=found,
                           organisation=organisation)


@bp.route("/c/<slug>/organisations/<int:organisation_id>/brief", methods=["GET", "POST"])
@member_of_organisation()
def brief(consultation, organisation):
    """Send the organisation's brief (mémoire) to the commissioners, with attachments."""
    mark_private()
    form = BriefForm(consultation=consultation)
    if request.method == "GET":
        form.submission_key.data = secrets.token_urlsafe(24)
    if form.validate_on_submit():
        try:
            testimony = services.submit_brief(
                organisation, current_user, form.content_for(organisation),
                uploads=form.uploads, submission_key=form.submission_key.data)
        except AlreadyReceived as duplicate:
            flash(str(duplicate), "info")
            return redirect(url_for("testimonies.follow", testimony_id=duplicate.testimony.id))
        except TestimonyError as error:
            flash(str(error), "error")
        else:
            flash(_("Thank you: the brief has been received. It will be read by a moderator "
                    "before anything is published."), "success")
            return redirect(url_for("testimonies.follow", testimony_id=testimony.id))
    files_lost = request.method == "POST" and form.had_files()
    return render_template("organisations/brief.html", consultation=consultation,
                           organisation=organisation, form=form, files_lost=files_lost)


@bp.route("/my-organisations")
@authenticated
def mine():
    """The organisations the person acts for, in every consultation."""
    mark_private()
    return render_template("organisations/mine.html",
                           memberships=services.memberships_of(current_user))

