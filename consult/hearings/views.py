"""Hearings, for the consultation's commissioners: schedule them, record their notes."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.access import belonging_or_404, staff_of
from consult.hearings import bp, services
from consult.hearings.forms import HearingForm, NotesForm
from consult.i18n import local_to_utc, utc_to_local
from consult.models import Hearing, Role
from consult.security import mark_private
from consult.testimonies.services import TestimonyError

COMMISSIONERS = (Role.COMMISSIONER,)


@bp.route("/c/<slug>/hearings")
@staff_of(*COMMISSIONERS)
def index(consultation):
    return render_template("hearings/index.html", consultation=consultation,
                           hearings=services.hearings(consultation))


def _form_values(form: HearingForm) -> dict:
    return {"heard": form.heard.data.strip(), "organisation_id": form.organisation.data,
            "organisation_name": (form.organisation_name.data or "").strip(),
            "starts_at": local_to_utc(form.starts_at.data),
            "place": (form.place.data or "").strip(), "theme_ids": form.themes.data or [],
            "publication_agreed": form.publication_agreed.data}


def _edit(consultation, hearing: Hearing):
    form = HearingForm(consultation=consultation,
                       organisations=services.organisations(consultation),
                       obj=None if hearing.id is None else hearing)
    if hearing.id is not None and not form.is_submitted():
        form.organisation.data = hearing.organisation_id
        form.starts_at.data = utc_to_local(hearing.starts_at)
        form.themes.data = [t.id for t in hearing.themes]
    if form.validate_on_submit():
        try:
            hearing = services.save_hearing(hearing, _form_values(form), current_user)
        except TestimonyError as error:
            flash(str(error), "error")
        else:
            flash(_("The hearing is saved."), "success")
            return redirect(url_for("hearings.show", slug=consultation.slug,
                                    hearing_id=hearing.id))
    return render_template("hearings/edit.html", consultation=consultation, form=form,
                           hearing=hearing)


@bp.route("/c/<slug>/hearings/new", methods=["GET", "POST"])
@staff_of(*COMMISSIONERS)
def create(consultation):
    return _edit(consultation, Hearing(consultation=consultation))


@bp.route("/c/<slug>/hearings/<int:hearing_id>/edit", methods=["GET", "POST"])
@staff_of(*COMMISSIONERS)
def edit(consultation, hearing_id: int):
    return _edit(consultation, belonging_or_404(Hearing, hearing_id,
                                                consultation_id=consultation.id))


@bp.route("/c/<slug>/hearings/<int:hearing_id>", methods=["GET", "POST"])
@staff_of(*COMMISSIONERS)
def show(consultation, hearing_id: int):
    """The hearing, the notes recorded from it, and the form to record more."""
    mark_private()
    hearing = belonging_or_404(Hearing, hearing_id, consultation_id=consultation.id)
    form = NotesForm(hearing=hearing)
    if form.validate_on_submit():
        try:
            testimony = services.record_notes(hearing, form.content(), current_user)
        except TestimonyError as error:
            flash(str(error), "error")
        else:
            flash(_("The notes are recorded as testimony no. %(number)d; they go through "
                    "moderation like any testimony.", number=testimony.id), "success")
            return redirect(url_for("hearings.show", slug=consultation.slug,
                                    hearing_id=hearing.id))
    return render_template("hearings/show.html", consultation=consultation, hearing=hearing,
                           notes=services.notes_of(hearing), form=form)
