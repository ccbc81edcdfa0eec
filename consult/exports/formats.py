"""Writing rows as CSV, JSON and XLSX, streamed, with cells that a spreadsheet never
takes for a formula. Rows are dicts keyed by column name; nothing here knows what they
hold."""
import csv
import io
import json
from collections.abc import Iterable, Iterator

import xlsxwriter

#: A spreadsheet reads a cell starting with one of these as a formula (or a command).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Rows of CSV or JSON gathered before each piece of the stream is handed on.
CHUNK_ROWS = 500
#: XLSX holds at most this many rows a sheet (header lines included).
XLSX_MAX_ROWS = 1_048_576


class TooManyRows(Exception):
    """The rows do not fit in one XLSX sheet."""


def csv_safe(value) -> str:
    """The cell as text, a leading quote before what a spreadsheet would run as a
    formula (the OWASP advice for CSV injection); the quote is not part of the data."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_chunks(columns: list[str], rows: Iterable[dict],
               preamble: list[str] = ()) -> Iterator[str]:
    """CSV text in pieces: the preamble lines (one cell each), the header, the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for line in preamble:
        writer.writerow([line])
    writer.writerow(columns)
    for count, row in enumerate(rows, start=1):
        writer.writerow([csv_safe(row.get(column)) for column in columns])
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_chunks(meta: dict, rows: Iterable[dict]) -> Iterator[str]:
    """One JSON object, `meta` first, then the rows as the array "rows", in pieces."""
    opening = json.dumps(meta, ensure_ascii=False, default=str)[:-1]
    yield opening + (', "rows": [' if meta else '"rows": [')
    pieces = []
    for count, row in enumerate(rows):
        pieces.append(("," if count else "") + json.dumps(row, ensure_ascii=False, default=str))
        if len(pieces) == CHUNK_ROWS:
            yield "".join(pieces)
            pieces = []
    yield "".join(pieces) + "]}"


def write_xlsx(target, columns: list[str], rows: Iterable[dict],
               preamble: list[str] = ()) -> int:
    """Write one sheet to `target` (a path or a binary file) row by row (xlsxwriter's
    constant-memory mode); every cell is written as a string or a number, never as a
    formula. Returns the number of data rows; raises TooManyRows past a sheet's limit."""
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
            for index, column in enumerate(columns):
                value = row.get(column)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(line + count, index, value)
                elif value is not None:
                    sheet.write_string(line + count, index, str(value))
        return count
    finally:
        workbook.close()
