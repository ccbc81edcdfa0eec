"""Writing rows as CSV, JSON and XLSX, streamed, with cells that a spreadsheet never
takes for a formula. Rows are tuples in the order of the columns; nothing here knows
what they hold."""
import json
from collections.abc import Iterable, Iterator

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError

#: A spreadsheet reads a cell starting with one of these as a formula (or a command).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_FIRST = frozenset(FORMULA_STARTS)
#: Rows of CSV or JSON gathered before each piece of the stream is handed on.
CHUNK_ROWS = 500
#: XLSX holds at most this many rows a sheet (header lines included).
XLSX_MAX_ROWS = 1_048_576


class TooManyRows(Exception):
    """The rows do not fit in one XLSX sheet."""


def csv_cell(value) -> str:
    """One CSV field (RFC 4180, quoted only when it must be, as the csv module's
    QUOTE_MINIMAL). Text a spreadsheet would run as a formula gets a leading quote (the
    OWASP advice for CSV injection; the quote is not part of the data)."""
    if value is None:
        return ""
    if value.__class__ is not str:
        return str(value)
    if value[:1] in FORMULA_FIRST:
        value = "'" + value
    if '"' in value:
        return '"' + value.replace('"', '""') + '"'
    if "," in value or "\n" in value or "\r" in value:
        return '"' + value + '"'
    return value


def csv_chunks(columns: list[str], rows: Iterable[tuple], preamble: list[str] = (),
               lines: Iterable[str] | None = None) -> Iterator[str]:
    """CSV text in pieces: the preamble lines (one cell each), the header, the rows.
    Written by hand rather than with the csv module: the same bytes, five times faster on
    long testimonies. `lines`, when given, are the rows already written as CSV lines by
    the database (the same bytes, see consult.exports.services), in place of `rows`."""
    if lines is None:
        lines = (",".join(map(csv_cell, row)) + "\r\n" for row in rows)
    piece = [csv_cell(line) + "\r\n" for line in preamble]
    piece.append(",".join(map(csv_cell, columns)) + "\r\n")
    for line in lines:
        piece.append(line)
        if len(piece) >= CHUNK_ROWS:
            yield "".join(piece)
            piece = []
    yield "".join(piece)


def json_chunks(meta: dict, columns: list[str], rows: Iterable[tuple]) -> Iterator[str]:
    """One JSON object, `meta` first, then the rows as the array "rows" of objects keyed
    by column, in pieces."""
    opening = json.dumps(meta, ensure_ascii=False, default=str)[:-1]
    pieces = [opening + (', "rows": [' if meta else '"rows": [')]
    separator = ""
    for row in rows:
        pieces.append(separator + json.dumps(dict(zip(columns, row)), ensure_ascii=False,
                                             default=str))
        separator = ","
        if len(pieces) >= CHUNK_ROWS:
            yield "".join(pieces)
            pieces = []
    yield "".join(pieces) + "]}"


def write_xlsx(target, columns: list[str], rows: Iterable[tuple],
               preamble: list[str] = ()) -> int:
    """Write one sheet to `target` (a path or a binary file) row by row (xlsxwriter's
    constant-memory mode); every cell is written as a string or a number, never as a
    formula. Returns the number of data rows; raises TooManyRows past a sheet's limit, and
    OSError when the file cannot be written."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True,
                                            "strings_to_formulas": False,
                                            "strings_to_urls": False,
                                            "strings_to_numbers": False})
    try:
        sheet = workbook.add_worksheet("data")
        bold = workbook.add_format({"bold": True})
        line = 0
        for text in preamble:
            sheet.write_string(line, 0, text, bold)
            line += 1
        for index, column in enumerate(columns):
            sheet.write_string(line, index, column, bold)
        count = 0
        for count, row in enumerate(rows, start=1):
            if line + count >= XLSX_MAX_ROWS:
                raise TooManyRows(f"more than {XLSX_MAX_ROWS - line - 1:,} rows")
            for index, value in enumerate(row):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(line + count, index, value)
                elif value is not None:
                    sheet.write_string(line + count, index, str(value))
        return count
    finally:
        try:
            workbook.close()
        except FileCreateError as error:
            raise error.args[0] from None  # the OSError: the folder or the disk refused the file
