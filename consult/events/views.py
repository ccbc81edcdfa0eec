"""Local events: the public agenda and its iCalendar feed, registering for an event, and
the pages where an organisation's facilitators schedule, cancel and report on theirs."""
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.access import (
    authenticated,
    belonging_or_404,
    consultation_or_404,
    deny,
    may_act_for,
    may_read_event_report,
    member_of_organisation,
    public,
)
from consult.http_cache import for_visitors
from consult.events import bp, ical, services
from consult.events.forms import CancelEventForm, EventForm, ReportForm
from consult.extensions import limit
from consult.models import Consultation, LocalEvent, Organisation, utcnow
from consult.parsing import as_id
from consult.security import mark_private
from consult.testimonies.attachments import send_stored

#: The facilitators' pages of one organisation's events.
MANAGE = "/c/<slug>/organisations/<int:organisation_id>/events"


@dataclass(frozen=True)
class Filters:
    region_id: int | None = None
    theme_id: int | None = None
    #: Whether a value was set aside because it names none of the consultation's.
    refused: bool = False

    def as_args(self) -> dict:
        return {name: value for name, value in (("region", self.region_id),
                                                ("theme", self.theme_id)) if value}


def _filters(consultation: Consultation) -> Filters:
    """The region and theme asked for, if they are the consultation's."""
    chosen, refused = {}, False
    for name, items in (("region", consultation.regions), ("theme", consultation.themes)):
        raw = request.args.get(name, "")
        value = as_id(raw)
        chosen[name] = value if value in {item.id for item in items} else None
        refused = refused or (raw != "" and chosen[name] is None)
    return Filters(region_id=chosen["region"], theme_id=chosen["theme"], refused=refused)


def _listed_or_404(consultation: Consultation, event_id: int) -> LocalEvent:
    event = services.listed_event(consultation, event_id)
    if event is None:
        abort(404)
    return event


@bp.route("/c/<slug>/events")
@public
@for_visitors
def agenda(slug: str):
    """Upcoming events (or, with ?past=1, those that are over), by region and theme."""
    consultation = consultation_or_404(slug)
    filters = _filters(consultation)
    past = request.args.get("past") == "1"
    events = services.agenda(consultation, past=past, region_id=filters.region_id,
                             theme_id=filters.theme_id)
    return render_template("events/agenda.html", consultation=consultation, events=events,
                           places=services.places(events), filters=filters, past=past)


@bp.route("/c/<slug>/events.ics")
@public
@for_visitors
def calendar(slug: str):
    """The agenda as an iCalendar feed, with the same filters (an unknown one is a 400)."""
    consultation = consultation_or_404(slug)
    filters = _filters(consultation)
    if filters.refused:
        abort(400)
    events = services.feed_events(consultation, region_id=filters.region_id,
                                  theme_id=filters.theme_id)
    feed = ical.Feed(
        name=_("Local events · %(title)s", title=consultation.shown_title),
        host=urlsplit(request.host_url).hostname,
        online=_("Online"),
        url=lambda event: url_for(".show", slug=slug, event_id=event.id, _external=True))
    return Response(ical.calendar(events, feed), content_type="text/calendar; charset=utf-8")


@bp.route("/c/<slug>/events/<int:event_id>")
@public
@for_visitors
def show(slug: str, event_id: int):
    """One event: what, when, where, the seats, and the person's registration."""
    consultation = consultation_or_404(slug)
    event = _listed_or_404(consultation, event_id)
    signed_in = current_user.is_authenticated
    over = event.ends_at <= utcnow()
    return render_template(
        "events/show.html", consultation=consultation, event=event,
        places=services.places([event])[event.id],
        standing=services.standing(event, current_user) if signed_in else None,
        started=event.starts_at <= utcnow(), over=over,
        gathered=services.gathered_count(event) if over else None,
        may_manage=may_act_for(event.organisation),
        may_read_report=signed_in and may_read_event_report(event))


@bp.route("/my-events")
@authenticated
def mine():
    """The events the person is registered for, and whether they have a seat."""
    mark_private()
    return render_template("events/mine.html",
                           registrations=services.registrations_of(current_user))


@bp.route("/c/<slug>/events/<int:event_id>/register", methods=["POST"])
@authenticated
@limit("RATE_LIMIT_EVENT_REGISTRATION")
def register(slug: str, event_id: int):
    """Take a seat, or a place on the waiting list when the seats are taken."""
    consultation = consultation_or_404(slug)
    event = _listed_or_404(consultation, event_id)
    try:
        standing = services.register(event, current_user)
    except services.EventError as error:
        flash(str(error), "error")
    else:
        if standing.seated:
            flash(_("You are registered: you have a seat."), "success")
        else:
            flash(_("The seats are taken: you are number %(position)d on the waiting list. "
                    "We will write to you if a seat frees up.",
                    position=standing.waiting_position), "success")
    return redirect(url_for(".show", slug=slug, event_id=event.id))


@bp.route("/c/<slug>/events/<int:event_id>/cancel-registration", methods=["POST"])
@authenticated
def cancel_registration(slug: str, event_id: int):
    """Give up one's seat or place on the waiting list."""
    consultation = consultation_or_404(slug)
    event = _listed_or_404(consultation, event_id)
    try:
        cancelled = services.cancel_registration(event, current_user)
    except services.EventError as error:
        flash(str(error), "error")
    else:
        if cancelled:
            flash(_("Your registration is cancelled."), "success")
    return redirect(url_for(".show", slug=slug, event_id=event.id))


@bp.route("/c/<slug>/events/<int:event_id>/report-file")
@authenticated
def report_file(slug: str, event_id: int):
    """The document attached to an event's report, for those who may read the report."""
    consultation = consultation_or_404(slug)
    event = services.listed_event(consultation, event_id)
    if event is None or not event.report_file_stored or not may_read_event_report(event):
        deny()
    mark_private()
    return send_stored(event.report_file_stored, event.report_file_name,
                       event.report_file_type)


@bp.route(MANAGE)
@member_of_organisation()
def manage(consultation: Consultation, organisation: Organisation):
    """The organisation's events, upcoming and over, with their registrations."""
    upcoming, past = services.organisation_events(organisation)
    return render_template("events/manage.html", consultation=consultation,
                           organisation=organisation, upcoming=upcoming, past=past,
                           places=services.places(upcoming + past))


@bp.route(MANAGE + "/new", methods=["GET", "POST"])
@member_of_organisation()
def create(consultation: Consultation, organisation: Organisation):
    """Schedule a new event of the organisation."""
    form = EventForm(consultation=consultation)
    if form.validate_on_submit():
        try:
            event = services.create_event(organisation, form.values(), current_user)
        except services.EventError as error:
            flash(str(error), "error")
        else:
            flash(_("The event is scheduled and listed in the agenda."), "success")
            return redirect(url_for(".manage", slug=consultation.slug,
                                    organisation_id=organisation.id, _anchor=f"event-{event.id}"))
    return render_template("events/form.html", consultation=consultation,
                           organisation=organisation, form=form, event=None)


def _edit_page(consultation, organisation, event, form, cancel_form):
    return render_template("events/form.html", consultation=consultation,
                           organisation=organisation, event=event, form=form,
                           cancel_form=cancel_form)


@bp.route(MANAGE + "/<int:event_id>/edit", methods=["GET", "POST"])
@member_of_organisation()
def edit(consultation: Consultation, organisation: Organisation, event_id: int):
    """Change an event; it can also be cancelled from here."""
    event = belonging_or_404(LocalEvent, event_id, organisation_id=organisation.id)
    form = EventForm(consultation=consultation)
    if request.method == "GET":
        form.fill(event)
    if form.validate_on_submit():
        try:
            services.update_event(event, form.values(), current_user)
        except services.EventError as error:
            flash(str(error), "error")
        else:
            flash(_("Your changes have been saved."), "success")
            return redirect(url_for(".manage", slug=consultation.slug,
                                    organisation_id=organisation.id, _anchor=f"event-{event.id}"))
    return _edit_page(consultation, organisation, event, form, CancelEventForm(formdata=None))


@bp.route(MANAGE + "/<int:event_id>/cancel", methods=["POST"])
@member_of_organisation()
def cancel_event(consultation: Consultation, organisation: Organisation, event_id: int):
    """Cancel an event that has not begun; the people registered are told."""
    event = belonging_or_404(LocalEvent, event_id, organisation_id=organisation.id)
    cancel_form = CancelEventForm()
    if cancel_form.validate_on_submit():
        try:
            services.cancel_event(event, current_user)
        except services.EventError as error:
            flash(str(error), "error")
        else:
            flash(_("The event is cancelled; the people registered have been told."), "success")
        return redirect(url_for(".manage", slug=consultation.slug,
                                organisation_id=organisation.id))
    form = EventForm(formdata=None, consultation=consultation)
    form.fill(event)
    return _edit_page(consultation, organisation, event, form, cancel_form)


@bp.route(MANAGE + "/<int:event_id>/registrations")
@member_of_organisation()
def registrations(consultation: Consultation, organisation: Organisation, event_id: int):
    """Who registered: seats first, then the waiting list in order (names only)."""
    event = belonging_or_404(LocalEvent, event_id, organisation_id=organisation.id)
    rows = [(registration, services.standing_at(event, index))
            for index, registration in enumerate(services.queue(event))]
    return render_template("events/registrations.html", consultation=consultation,
                           organisation=organisation, event=event, rows=rows,
                           places=services.places([event])[event.id])


@bp.route(MANAGE + "/<int:event_id>/report", methods=["GET", "POST"])
@member_of_organisation()
def report(consultation: Consultation, organisation: Organisation, event_id: int):
    """After the event: attendance, the report and its document, and the testimonies
    gathered there."""
    event = belonging_or_404(LocalEvent, event_id, organisation_id=organisation.id)
    form = ReportForm()
    if request.method == "GET":
        form.attendance.data = event.attendance
        form.report.data = event.report
    if form.validate_on_submit():
        try:
            services.save_report(event, attendance=form.attendance.data,
                                 report=(form.report.data or "").strip(), upload=form.upload,
                                 remove_file=form.remove_file.data, by=current_user)
        except services.EventError as error:
            flash(str(error), "error")
        else:
            flash(_("The report is saved."), "success")
            return redirect(url_for(".report", slug=consultation.slug,
                                    organisation_id=organisation.id, event_id=event.id))
    file_lost = form.is_submitted() and bool(form.report_file.data
                                             and form.report_file.data.filename)
    return render_template("events/report.html", consultation=consultation,
                           organisation=organisation, event=event, form=form,
                           may_report=services.may_report(event), file_lost=file_lost,
                           testimonies=services.gathered(event))
