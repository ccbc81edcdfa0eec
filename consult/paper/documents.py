"""What an organisation prints or downloads: the paper testimony form (PDF) and the
empty spreadsheet to type the forms into (CSV or XLSX), with its columns explained."""
import io
from functools import lru_cache
from pathlib import Path

import xlsxwriter
from flask import current_app, render_template, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.exports import report
from consult.extensions import db
from consult.models import Consultation, LocalEvent, Organisation
from consult.paper.spreadsheet import COLUMNS, FRENCH, REQUIRED

STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "css" / "paper-form-print.css"


def column_help() -> list[tuple[str, bool, str]]:
    """Each column of the template: its name, whether it is required, what to write."""
    limit = current_app.config["TESTIMONY_MAX_CHARS"]
    what = {
        "key": _l("The number in the form's “form number” box, or any text found once in "
                  "your files. A key already imported is skipped, so a file can be sent "
                  "again."),
        "channel": _l("paper (when empty), assisted or local_event."),
        "event": _l("The number of one of your organisation's events (listed in the "
                    "template), when the testimony was gathered there."),
        "title": _l("200 characters at most."),
        "testimony": _l("The text, as the person wrote or said it (%(limit)d characters at "
                        "most).", limit=limit),
        "themes": _l("One theme or more, by name or number, separated by semicolons (;)."),
        "category": _l("The person's participant category, by name or number."),
        "region": _l("The person's region, by name or number."),
        "visibility": _l("public (under the display name), anonymous or confidential (read "
                         "by the commissioners only)."),
        "display_name": _l("Required when the visibility is public; it need not be the "
                           "person's real name."),
        "consent": _l("How the person agreed to the terms: signed_form, oral or written."),
        "email": _l("The person's e-mail address, if they want news of their testimony. "
                    "Never published."),
    }
    return [(name, name in REQUIRED, str(what[name])) for name in COLUMNS]


@lru_cache(maxsize=16)
def _pdf_of(html: str) -> bytes:
    return report.pdf(html, STYLESHEET)


def pdf(consultation: Consultation) -> bytes:
    """The printable testimony form, in the current language (the same page is drawn
    once: the PDF of a given text is kept)."""
    site = current_app.config["BASE_URL"].rstrip("/")
    html = render_template(
        "paper/form_pdf.html", consultation=consultation,
        online_url=site + url_for("testimonies.submit", slug=consultation.slug),
        terms_url=site + url_for("main.terms"))
    return _pdf_of(html)


def _events(consultation: Consultation, organisation: Organisation) -> list[LocalEvent]:
    return list(db.session.execute(
        select(LocalEvent).where(LocalEvent.consultation_id == consultation.id,
                                 LocalEvent.organisation_id == organisation.id)
        .order_by(LocalEvent.starts_at)).scalars())


def template(consultation: Consultation, organisation: Organisation, file_format: str) -> bytes:
    """The empty spreadsheet: CSV (UTF-8 with a byte-order mark, so that spreadsheets
    read the accents), or XLSX with a second sheet explaining the columns and listing
    the consultation's themes, categories and regions and the organisation's events."""
    if file_format == "csv":
        return ("\ufeff" + ",".join(COLUMNS) + "\r\n").encode()
    target = io.BytesIO()
    workbook = xlsxwriter.Workbook(target, {"strings_to_formulas": False,
                                            "strings_to_urls": False,
                                            "strings_to_numbers": False})
    bold = workbook.add_format({"bold": True})
    sheet = workbook.add_worksheet(str(_l("testimonies")))
    sheet.write_row(0, 0, COLUMNS, bold)
    sheet.set_column(0, len(COLUMNS) - 1, 16)
    sheet.set_column(COLUMNS.index("testimony"), COLUMNS.index("testimony"), 60)
    sheet.freeze_panes(1, 0)
    guide = workbook.add_worksheet(str(_l("columns")))
    guide.set_column(0, 0, 18)
    guide.set_column(1, 1, 12)
    guide.set_column(2, 2, 90)
    guide.write_row(0, 0, [str(_l("Column")), str(_l("Required")), str(_l("What to write"))],
                    bold)
    row = 1
    for name, required, what in column_help():
        guide.write_row(row, 0, [name, str(_l("yes")) if required else "", what])
        row += 1
    row += 1
    guide.write(row, 0, str(_l("French column names are accepted too: %(names)s.", names=", ".join(
        names[0] for names in FRENCH.values() if names))))
    lists = [(_l("Themes"), [(t.id, t.shown_name) for t in consultation.themes]),
             (_l("Participant categories"), [(c.id, c.shown_name) for c in consultation.categories]),
             (_l("Regions"), [(r.id, r.shown_name) for r in consultation.regions]),
             (_l("Your organisation's events"),
              [(e.id, e.title) for e in _events(consultation, organisation)])]
    for title, items in lists:
        row += 2
        guide.write(row, 0, str(title), bold)
        for item_id, name in items:
            row += 1
            guide.write_row(row, 0, [item_id, name])
    workbook.close()
    return target.getvalue()
