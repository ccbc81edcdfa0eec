"""Paper testimony: the printable form, the spreadsheet template, and the import of
typed-in testimonies by an organisation's facilitators (check, preview, confirm)."""
from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from consult.access import consultation_or_404, member_of_organisation, public
from consult.exports.services import MEDIA_TYPES
from consult.paper import bp, documents, services
from consult.paper.forms import ConfirmForm, UploadForm
from consult.paper.spreadsheet import FileRefused, read_sheet
from consult.security import mark_private


@bp.route("/c/<slug>/paper-form.pdf")
@public
def form_pdf(slug: str):
    """The printable testimony form of a consultation, in French or English."""
    consultation = consultation_or_404(slug)
    language = request.args.get("language")
    if language not in current_app.config["LANGUAGES"]:
        language = current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(language):
        content = documents.pdf(consultation)
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="{consultation.slug}-form-{language}.pdf"')
    return response


@bp.route("/c/<slug>/organisations/<int:organisation_id>/import/template.<any(csv, xlsx):format>")
@member_of_organisation()
def template(consultation, organisation, format: str):  # noqa: A002 (the route's name)
    """The empty spreadsheet to type testimonies into, with its columns explained."""
    content = documents.template(consultation, organisation, format)
    response = Response(content, mimetype=MEDIA_TYPES[format])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{consultation.slug}-testimonies.{format}"')
    return response


def _import_page(consultation, organisation, upload=None, checked=None, refusal=None,
                 reference=None):
    return render_template(
        "paper/import.html", consultation=consultation, organisation=organisation,
        form=upload or UploadForm(), checked=checked, refusal=refusal,
        confirm=ConfirmForm(reference=reference), columns=documents.column_help(),
        max_megabytes=current_app.config["IMPORT_MAX_BYTES"] // 2**20)


@bp.route("/c/<slug>/organisations/<int:organisation_id>/import", methods=["GET", "POST"])
@member_of_organisation()
def import_file(consultation, organisation):
    """Send a spreadsheet: every row is checked, then shown for confirmation."""
    mark_private()
    form = UploadForm()
    if not form.validate_on_submit():
        return _import_page(consultation, organisation, form)
    if not consultation.accepts_testimonies:
        return _import_page(consultation, organisation, form, refusal=_(
            "This consultation is not accepting testimonies at the moment."))
    try:
        reference = services.keep_upload(form.file.data.stream, organisation, current_user,
                                         current_app.config["IMPORT_MAX_BYTES"])
    except services.ImportRefused as error:
        return _import_page(consultation, organisation, form, refusal=str(error))
    try:
        checked = services.check(consultation, organisation, read_sheet(
            services.kept_upload(reference, organisation, current_user)))
    except FileRefused as error:
        services.forget_upload(reference)
        return _import_page(consultation, organisation, form, refusal=str(error))
    if checked.problems or not checked.new:
        services.forget_upload(reference)
        reference = None
    return _import_page(consultation, organisation, form, checked=checked, reference=reference)


@bp.route("/c/<slug>/organisations/<int:organisation_id>/import/confirm", methods=["POST"])
@member_of_organisation()
def import_confirm(consultation, organisation):
    """Import the file checked a moment ago (known by its reference), all or nothing."""
    form = ConfirmForm()
    back = redirect(url_for(".import_file", slug=consultation.slug,
                            organisation_id=organisation.id))
    if not form.validate_on_submit():
        return back
    reference = form.reference.data or ""
    try:
        checked = services.import_rows(consultation, organisation, read_sheet(
            services.kept_upload(reference, organisation, current_user)), current_user)
    except (services.ImportRefused, FileRefused) as error:
        flash(str(error), "error")
        return back
    services.forget_upload(reference)
    if checked.problems:
        return _import_page(consultation, organisation, checked=checked)
    message = ngettext("%(num)d testimony imported, waiting for moderation.",
                       "%(num)d testimonies imported, waiting for moderation.", checked.new)
    if checked.already:
        message += " " + ngettext("%(num)d already imported before.",
                                  "%(num)d already imported before.", checked.already)
    flash(message, "success")
    return back
