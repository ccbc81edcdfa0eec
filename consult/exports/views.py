"""Exports for the commissioners of a consultation: public or internal, CSV, JSON or XLSX,
streamed as they are written."""
import tempfile

from flask import (
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from consult.access import consultation_or_404, may_see_results, public, staff_of
from consult.http_cache import for_visitors
from consult.exports import bp, refiqda, report, services
from consult.extensions import db, limit
from consult.models import Job, Role
from consult.security import mark_private

FILTER_NAMES = ("theme", "category", "region", "channel", "status", "visibility", "code", "q")


@bp.route("/c/<slug>/exports", methods=["GET", "POST"])
@staff_of(Role.COMMISSIONER)
@limit("RATE_LIMIT_EXPORT")
def exports(consultation):
    """The export page; a POST sends the file asked for, or, for a large export, has the
    worker write it (the page then shows its progress and a link to it)."""
    mark_private()
    if request.method == "GET":
        return render_template("exports/index.html", consultation=consultation,
                               datasets=list(services.DATASETS), formats=services.EXPORT_FORMATS,
                               filters={name: request.args.get(name, "") for name in FILTER_NAMES},
                               files=services.my_exports(consultation, current_user))
    export_format = request.form.get("format", "")
    try:
        kind = services.Kind(request.form.get("kind", ""))
        if export_format not in services.EXPORT_FORMATS:
            raise ValueError(export_format)
    except ValueError:
        abort(400)
    if export_format in refiqda.FORMATS:
        return _refiqda(consultation, kind, export_format)
    filters = {name: request.form.get(name, "") for name in FILTER_NAMES}
    name = request.form.get("dataset", "")
    try:
        if services.runs_as_job(name, consultation):
            services.queue_export(consultation, name, kind, export_format, current_user, filters)
            flash(_("The export is being written; it is listed below until you download it."),
                  "success")
            return redirect(url_for(".exports", slug=consultation.slug))
        data = services.dataset(name, consultation, kind, filters)
    except services.ExportError as error:
        flash(str(error), "error")
        return redirect(url_for(".exports", slug=consultation.slug))
    services.record(consultation, name, kind, export_format, current_user, filters)
    download = services.file_name(consultation, name, kind, export_format)
    if export_format == "xlsx":
        spooled = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
        try:
            services.write(spooled, consultation, data, kind, export_format)
        except services.ExportError as error:
            spooled.close()
            flash(str(error), "error")
            return redirect(url_for(".exports", slug=consultation.slug))
        spooled.seek(0)
        return send_file(spooled, mimetype=services.MEDIA_TYPES["xlsx"], as_attachment=True,
                         download_name=download)
    # The language of names and placeholders is chosen now, while the person is loaded;
    # the rows are written later, as the stream is read.
    get_locale()
    response = Response(stream_with_context(services.text_chunks(
        consultation, data, kind, export_format)), mimetype=services.MEDIA_TYPES[export_format])
    response.headers["Content-Disposition"] = f'attachment; filename="{download}"'
    return response


@bp.route("/c/<slug>/exports/files/<int:job_id>")
@staff_of(Role.COMMISSIONER)
def export_file(consultation, job_id: int):
    """An export the worker wrote, for whoever asked for it, until it expires."""
    mark_private()
    job = db.session.get(Job, job_id)
    if (job is None or job.kind != "export" or job.consultation_id != consultation.id
            or job.requested_by_id != current_user.id):
        abort(404)
    path = services.file_path(job)
    if path is None:
        abort(404)
    return send_file(path, mimetype=services.MEDIA_TYPES[path.suffix[1:]], as_attachment=True,
                     download_name=job.file_name)


def _published(consultation, kind: str, language: str, download: str):
    """A file made once for the data as they are (the worker makes it the first time):
    the file, or a page saying it is being prepared."""
    path = services.published_file(consultation, kind, language)
    if path is None:
        response = make_response(render_template("exports/preparing.html",
                                                 consultation=consultation), 503)
        response.headers["Retry-After"] = "30"
        return response
    return send_file(path, mimetype=services.MEDIA_TYPES[path.suffix[1:]], as_attachment=True,
                     download_name=download)


def _refiqda(consultation, kind: services.Kind, export_format: str):
    """The REFI-QDA project or codebook, for qualitative-analysis software."""
    name = refiqda.FORMATS[export_format]
    spooled = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    try:
        refiqda.write(consultation, kind, export_format, spooled)
    except services.ExportError as error:
        spooled.close()
        flash(str(error), "error")
        return redirect(url_for(".exports", slug=consultation.slug))
    services.record(consultation, name, kind, export_format, current_user)
    spooled.seek(0)
    return send_file(spooled, mimetype=services.MEDIA_TYPES[export_format], as_attachment=True,
                     download_name=services.file_name(consultation, name, kind, export_format))


@bp.route("/c/<slug>/open-data.zip")
@public
def open_data(slug: str):
    """The open-data package of a closed consultation, for anyone."""
    consultation = consultation_or_404(slug)
    if not consultation.is_closed:
        abort(404)
    return _published(consultation, "open-data", "", f"{consultation.slug}-open-data.zip")


def _report(slug: str):
    consultation = consultation_or_404(slug)
    if not may_see_results(consultation):
        abort(404)
    return consultation


@bp.route("/c/<slug>/report")
@public
@for_visitors
def report_page(slug: str):
    """The synthesis report, public once the consultation is closed (its commissioners
    see it all along)."""
    consultation = _report(slug)
    return render_template("exports/report.html", consultation=consultation,
                           report=report.build(consultation, report.labels()))


@bp.route("/c/<slug>/report.pdf")
@public
@limit("RATE_LIMIT_EXPORT", methods=("GET",))
def report_pdf(slug: str):
    """The same report as a PDF, in the reader's language, made by the worker once for
    the data as they are."""
    consultation = _report(slug)
    if not consultation.is_closed:
        mark_private()
    return _published(consultation, "report-pdf", str(get_locale()),
                      f"{consultation.slug}-report.pdf")
