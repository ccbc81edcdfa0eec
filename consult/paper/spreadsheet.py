"""Reading a spreadsheet of typed-in testimonies: CSV (UTF-8, with or without a byte-order
mark, commas or semicolons) or XLSX. Rows come out as dictionaries keyed by our column
names, with the line number the person sees in their spreadsheet (the header is line 1).
Nothing here knows what a testimony is."""
import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from flask_babel import lazy_gettext as _l

#: Our column names, in the order of the template.
COLUMNS = ("key", "channel", "event", "title", "testimony", "themes", "category", "region",
           "visibility", "display_name", "consent", "email")
#: Without these, no row can be read.
REQUIRED = ("key", "testimony", "themes", "visibility", "consent")
#: French headings accepted for each column (compared without accents, case or spaces).
FRENCH = {
    "key": ("cle", "numero", "numero du formulaire", "no du formulaire"),
    "channel": ("canal",),
    "event": ("evenement", "rencontre"),
    "title": ("titre",),
    "testimony": ("temoignage", "texte"),
    "themes": ("theme",),
    "category": ("categorie",),
    "region": (),
    "visibility": ("visibilite", "qui peut le lire"),
    "display_name": ("nom affiche", "nom public", "nom"),
    "consent": ("consentement",),
    "email": ("courriel", "adresse courriel", "e-mail"),
}
#: An XLSX file is a zip: refuse one that would unpack to more than this many times its size.
MAX_UNPACKED_RATIO = 50


class FileRefused(Exception):
    """The file cannot be read at all; the message is meant for the person."""


@lru_cache(maxsize=4096)  # the same few names come back on every row
def plain(text: str) -> str:
    """`text` as compared with our names: lower case, without accents, one space between
    words ("Nom_affiché" and "nom affiche" are the same)."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(letters.replace("_", " ").replace("-", " ").split())


HEADINGS = {plain(name): name for name in COLUMNS} | {
    plain(french): name for name, names in FRENCH.items() for french in names}


@dataclass
class Sheet:
    """The rows of a file: (line number, {column: text}) for each non-empty row."""

    rows: list[tuple[int, dict[str, str]]]


def _columns(header: list) -> list[str | None]:
    """Our column name for each heading of `header` (None for a column we ignore)."""
    names = [HEADINGS.get(plain(str(cell or ""))) for cell in header]
    if not any(names):
        raise FileRefused(_l("The first line must hold the column names (key, testimony, "
                             "themes…): download the template to see them."))
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise FileRefused(_l("Columns missing from the first line: %(names)s.",
                             names=", ".join(missing)))
    return names


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet stores the key 12 as 12.0
    return str(value).strip()


def _rows(lines: Iterator[list]) -> Sheet:
    try:
        header = next(lines)
    except StopIteration:
        raise FileRefused(_l("The file is empty.")) from None
    names = _columns(list(header))
    rows = []
    for line, cells in enumerate(lines, start=2):
        values = {name: _cell(value) for name, value in zip(names, cells) if name}
        if any(values.values()):
            rows.append((line, values))
    if not rows:
        raise FileRefused(_l("The file has its column names but no testimony."))
    return Sheet(rows)


def _read_csv(data: bytes) -> Sheet:
    if b"\x00" in data:
        raise FileRefused(_l("This file is neither a CSV file nor an XLSX spreadsheet."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(_l("This CSV file is not in UTF-8: save it again as “CSV UTF-8”."
                             )) from None
    if not text.strip():
        raise FileRefused(_l("The file is empty."))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return _rows(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise FileRefused(_l("This CSV file cannot be read (%(error)s).", error=str(error))
                          ) from None


def _read_xlsx(data: bytes) -> Sheet:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
        if unpacked > MAX_UNPACKED_RATIO * len(data):
            raise FileRefused(_l("This spreadsheet cannot be read."))
        # openpyxl (and the NumPy it loads) come with the first spreadsheet, not with the
        # app (docs/benchmarks.md, "A lean process").
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return _rows(iter(workbook.worksheets[0].iter_rows(values_only=True)))
        finally:
            workbook.close()
    except FileRefused:
        raise
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        raise FileRefused(_l("This spreadsheet cannot be read.")) from None


def read_sheet(data: bytes) -> Sheet:
    """The rows of a CSV or XLSX file (told apart by their content, not their name)."""
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    return _read_csv(data)
