"""Exports for the commissioners of a consultation: public or internal, CSV, JSON or XLSX,
streamed as they are written."""
import tempfile

from flask import (
    Response,
    abort,
    flash,
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
from consult.exports import bp, formats, opendata, report, services
from consult.extensions import limit
from consult.models import Role
from consult.security import mark_private

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
FILTER_NAMES = ("theme", "category", "region", "channel", "status", "visibility", "code", "q")


@bp.route("/c/<slug>/exports", methods=["GET", "POST"])
@staff_of(Role.COMMISSIONER)
@limit("RATE_LIMIT_EXPORT")
def exports(consultation):
    """The export page; a POST sends the file asked for."""
    mark_private()
    if request.method == "GET":
        return render_template("exports/index.html", consultation=consultation,
                               datasets=list(services.DATASETS), formats=list(MEDIA_TYPES),
                               filters={name: request.args.get(name, "") for name in FILTER_NAMES})
    export_format = request.form.get("format", "")
    try:
        kind = services.Kind(request.form.get("kind", ""))
        if export_format not in MEDIA_TYPES:
            raise ValueError(export_format)
    except ValueError:
        abort(400)
    filters = {name: request.form.get(name, "") for name in FILTER_NAMES}
    name = request.form.get("dataset", "")
    try:
        data = services.dataset(name, consultation, kind, filters)
    except services.ExportError as error:
        flash(str(error), "error")
        return redirect(url_for(".exports", slug=consultation.slug))
    services.record(consultation, name, kind, export_format, current_user, filters)
    download = services.file_name(consultation, name, kind, export_format)
    preamble = services.preamble(consultation, kind)
    if export_format == "xlsx":
        spooled = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
        try:
            formats.write_xlsx(spooled, data.columns, data.rows, preamble)
        except formats.TooManyRows:
            spooled.close()
            flash(_("Too many rows for a spreadsheet: export as CSV or JSON."), "error")
            return redirect(url_for(".exports", slug=consultation.slug))
        spooled.seek(0)
        response = send_file(spooled, mimetype=MEDIA_TYPES["xlsx"], as_attachment=True,
                             download_name=download)
    else:
        # The language of names and placeholders is chosen now, while the person is loaded;
        # the rows are written later, as the stream is read.
        get_locale()
        chunks = (formats.csv_chunks(data.columns, data.rows, preamble) if export_format == "csv"
                  else formats.json_chunks(services.json_meta(consultation, name, kind),
                                           data.columns, data.rows))
        response = Response(stream_with_context(chunks), mimetype=MEDIA_TYPES[export_format])
        response.headers["Content-Disposition"] = f'attachment; filename="{download}"'
    return response



@bp.route("/c/<slug>/open-data.zip")
@public
def open_data(slug: str):
    """The open-data package of a closed consultation, for anyone."""
    consultation = consultation_or_404(slug)
    if not consultation.is_closed:
        abort(404)
    spooled = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    opendata.write_package(consultation, spooled)
    spooled.seek(0)
    return send_file(spooled, mimetype="application/zip", as_attachment=True,
                     download_name=f"{consultation.slug}-open-data.zip")


def _report(slug: str):
    consultation = consultation_or_404(slug)
    if not may_see_results(consultation):
        abort(404)
    return consultation, report.build(consultation, report_labels())


def report_labels() -> dict[str, str]:
    """The report's chart titles, in the reader's language."""
    return {"category": _("By participant category"), "region": _("By region"),
            "channel": _("By channel"), "weeks": _("Testimonies received each week"),
            "organisation": _("Through each organisation"),
            "event": _("At each local event")}


@bp.route("/c/<slug>/report")
@public
def report_page(slug: str):
    """The synthesis report, public once the consultation is closed (its commissioners
    see it all along)."""
    consultation, content = _report(slug)
    return render_template("exports/report.html", consultation=consultation, report=content)


@bp.route("/c/<slug>/report.pdf")
@public
@limit("RATE_LIMIT_EXPORT", methods=("GET",))
def report_pdf(slug: str):
    """The same report as a PDF, in the reader's language."""
    consultation, content = _report(slug)
    html = render_template("exports/report_pdf.html", consultation=consultation, report=content)
    response = Response(report.pdf(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{consultation.slug}-report.pdf"')
    return response
