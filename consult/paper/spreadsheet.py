"""Reading a spreadsheet of typed-in testimonies: CSV (UTF-8, with or without a byte-order
mark, commas or semicolons) or XLSX. Rows come out one at a time, as the file is read
(a file of any size takes the memory of a few rows), as dictionaries keyed by our column
names, with the line number the person sees in their spreadsheet (the header is line 1).
Nothing here knows what a testimony is."""
import csv
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

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
#: The first bytes of a CSV file, where a NUL byte tells a file that is not text at all.
SNIFFED_BYTES = 8192
#: A byte that is not UTF-8, as Python's "surrogateescape" error handler keeps it.
_UNDECODED = re.compile("[\udc80-\udcff]")


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


#: The rows of a file: (line number, {column: text}) for each non-empty row, read one by one.
Rows = Iterator[tuple[int, dict[str, str]]]


class _NotUtf8(Exception):
    """A line of a CSV file holds bytes that are not UTF-8."""


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


def _is_blank(cells) -> bool:
    return not any(str(cell).strip() for cell in cells if cell is not None)


def _rows(lines: Iterator[list]) -> Rows:
    """The non-empty rows under the header line, numbered; `lines` may raise _NotUtf8."""
    line = 0
    try:
        header = list(next(lines))
        line = 1
        if _is_blank(header) and all(_is_blank(cells) for cells in lines):
            raise FileRefused(_l("The file is empty."))
        names = _columns(header)
        found = False
        for cells in lines:
            line += 1
            values = {name: _cell(value) for name, value in zip(names, cells) if name}
            if any(values.values()):
                found = True
                yield line, values
    except StopIteration:
        raise FileRefused(_l("The file is empty.")) from None
    except _NotUtf8:
        raise FileRefused(_l("Line %(line)d of this CSV file is not in UTF-8: save the file "
                             "again as “CSV UTF-8”.", line=line + 1)) from None
    if not found:
        raise FileRefused(_l("The file has its column names but no testimony."))


def _text_lines(text: Iterator[str]) -> Iterator[str]:
    for line in text:
        if "\x00" in line:
            raise FileRefused(_l("This file is neither a CSV file nor an XLSX spreadsheet."))
        if _UNDECODED.search(line):
            raise _NotUtf8
        yield line


def _read_csv(path: Path) -> Rows:
    with path.open("rb") as raw:
        if b"\x00" in raw.read(SNIFFED_BYTES):
            raise FileRefused(_l("This file is neither a CSV file nor an XLSX spreadsheet."))
        raw.seek(0)
        # Undecodable bytes are kept (as lone surrogates) so that the line holding them
        # is found and named, rather than a block of the file refused somewhere around it.
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape",
                                newline="")
        first_line = text.readline()
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        reader = csv.reader(_text_lines(itertools.chain([first_line], text)),
                            delimiter=delimiter)
        try:
            yield from _rows(reader)
        except csv.Error as error:
            raise FileRefused(_l("This CSV file cannot be read (%(error)s).", error=str(error))
                              ) from None


def _read_xlsx(path: Path) -> Rows:
    with path.open("rb") as file:  # a file rather than a name: openpyxl checks names' endings
        try:
            with zipfile.ZipFile(file) as archive:
                unpacked = sum(item.file_size for item in archive.infolist())
            if unpacked > MAX_UNPACKED_RATIO * path.stat().st_size:
                raise FileRefused(_l("This spreadsheet cannot be read."))
            # openpyxl (and the NumPy it loads) come with the first spreadsheet, not with
            # the app (docs/benchmarks.md, "A lean process").
            from openpyxl import load_workbook

            workbook = load_workbook(file, read_only=True, data_only=True)
        except FileRefused:
            raise
        except Exception:  # openpyxl raises many kinds of errors on a damaged file
            raise FileRefused(_l("This spreadsheet cannot be read.")) from None
        try:
            yield from _rows(iter(workbook.worksheets[0].iter_rows(values_only=True)))
        except FileRefused:
            raise
        except Exception:
            raise FileRefused(_l("This spreadsheet cannot be read.")) from None
        finally:
            workbook.close()


def read_sheet(path: Path) -> Rows:
    """The rows of a CSV or XLSX file (told apart by their content, not their name), read
    as they are asked for: a file that cannot be read raises FileRefused, at its first
    line or at the line at fault."""
    with path.open("rb") as file:
        is_zip = file.read(4) == b"PK\x03\x04"
    return _read_xlsx(path) if is_zip else _read_csv(path)
