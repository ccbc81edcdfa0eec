"""Assisted entry: an organisation's members type the testimonies they gathered on paper,
orally or at a local event, list them, and correct them while they wait for moderation."""
import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.access import belonging_or_404, deny, member_of_organisation
from consult.extensions import limit
from consult.entries import bp, services
from consult.entries.forms import EntryForm, PersonContentForm
from consult.models import Channel, ConsentMethod, Status, Testimony
from consult.parsing import as_id
from consult.security import mark_private
from consult.testimonies.services import AlreadyReceived, TestimonyError


def _kept_choices() -> dict:
    """The channel, event and consent method of the previous entry, from the query string."""
    return {"channel": request.args.get("channel"), "event": as_id(request.args.get("event")),
            "consent_method": request.args.get("consent_method")}


def _next_entry(consultation, organisation, form: EntryForm):
    return redirect(url_for("entries.create", slug=consultation.slug,
                            organisation_id=organisation.id, **form.provenance_choices()))


@bp.route("/c/<slug>/organisations/<int:organisation_id>/entries/new", methods=["GET", "POST"])
@member_of_organisation()
@limit("RATE_LIMIT_ENTRY")
def create(consultation, organisation):
    """The fast form: enter a testimony on someone's behalf, then the next one."""
    mark_private()
    if not consultation.accepts_testimonies:
        return render_template("testimonies/closed.html", consultation=consultation), 403
    kept = _kept_choices() if request.method == "GET" else None
    form = EntryForm(consultation=consultation, events=services.organisation_events(organisation),
                     data=kept)
    if request.method == "GET":
        form.submission_key.data = secrets.token_urlsafe(24)
        if kept["channel"]:
            form.body.render_kw = {"autofocus": True}
    if form.validate_on_submit():
        try:
            provenance = services.entry_provenance(
                organisation, entered_by=current_user, channel=Channel(form.channel.data),
                consent_method=ConsentMethod(form.consent_method.data), event_id=form.event.data)
            testimony = services.enter_testimony(
                consultation, form.content(), provenance, contact_email=form.contact_email.data,
                submission_key=form.submission_key.data)
        except AlreadyReceived as duplicate:
            flash(str(duplicate), "info")
            return _next_entry(consultation, organisation, form)
        except TestimonyError as error:
            flash(str(error), "error")
        else:
            flash(_("Testimony no. %(number)d saved; enter the next one.", number=testimony.id),
                  "success")
            return _next_entry(consultation, organisation, form)
    return render_template("entries/new.html", consultation=consultation,
                           organisation=organisation, form=form,
                           entered_today=services.entered_today(current_user, organisation))


def _filters() -> services.EntryFilters:
    status = request.args.get("status")
    return services.EntryFilters(
        event_id=as_id(request.args.get("event")),
        status=Status(status) if status in {s.value for s in Status} else None,
    )


@bp.route("/c/<slug>/organisations/<int:organisation_id>/entries")
@member_of_organisation()
def index(consultation, organisation):
    """The testimonies the organisation's members entered, newest first."""
    mark_private()
    filters = _filters()
    page = services.entries_page(organisation, filters, before=as_id(request.args.get("before")))
    return render_template("entries/index.html", consultation=consultation,
                           organisation=organisation, page=page, filters=filters,
                           events=services.organisation_events(organisation),
                           statuses=list(Status), may_edit=services.may_edit_entry)


def _own_entry_or_404(consultation, organisation, testimony_id: int) -> Testimony:
    """A testimony entered for `organisation` by the current person (any of them, for an
    admin); the organisation's other members get 404 too."""
    testimony = belonging_or_404(Testimony, testimony_id, consultation_id=consultation.id,
                                 organisation_id=organisation.id)
    if testimony.entered_by_id is None or not (
            current_user.is_admin or testimony.entered_by_id == current_user.id):
        deny()
    return testimony


@bp.route("/c/<slug>/organisations/<int:organisation_id>/entries/<int:testimony_id>/edit",
          methods=["GET", "POST"])
@member_of_organisation()
def edit(consultation, organisation, testimony_id: int):
    """Correct an entered testimony while it waits for moderation."""
    mark_private()
    testimony = _own_entry_or_404(consultation, organisation, testimony_id)
    back = url_for("entries.index", slug=consultation.slug, organisation_id=organisation.id)
    if not services.may_edit_entry(testimony, current_user):
        flash(_("This testimony has been moderated; it can no longer be changed."), "error")
        return redirect(back)
    form = PersonContentForm(consultation=consultation, data=PersonContentForm.data_of(testimony))
    if form.validate_on_submit():
        try:
            services.edit_entry(testimony, form.content())
        except TestimonyError as error:
            flash(str(error), "error")
        else:
            flash(_("Testimony no. %(number)d has been changed.", number=testimony.id), "success")
            return redirect(back)
    return render_template("entries/edit.html", consultation=consultation,
                           organisation=organisation, testimony=testimony, form=form)
