"""A report's outline from a file as it is received: plain text or Markdown in UTF-8, or a
Word document (.docx), checked by what it holds rather than by its name.

A Word document is read paragraph by paragraph: a paragraph in a heading style
(Heading 1…, Titre 1…) becomes a Markdown heading of its level, and a paragraph numbered
by Word's list numbering gets its number written out as Word shows it (``1.``, ``a)``,
``Préconisation n°3 :``), so that the outline reads the same as the text version. Its
numbers in messages are paragraph numbers."""
import io
import re
import zipfile

import docx
from docx.opc.exceptions import OpcError
from docx.oxml.ns import qn
from lxml import etree
from docx.text.paragraph import Paragraph

from consult.synthesis.outline import Outline, OutlineError, read_outline

#: A Word document whose parts unpack to more than this is refused (a zip bomb).
MAX_UNPACKED = 64 * 1024 * 1024
_HEADING_STYLE = re.compile(r"^(?:heading|titre|überschrift|título)\s*([1-6])$", re.I)
_ROMAN = (("m", 1000), ("cm", 900), ("d", 500), ("cd", 400), ("c", 100), ("xc", 90),
          ("l", 50), ("xl", 40), ("x", 10), ("ix", 9), ("v", 5), ("iv", 4), ("i", 1))


def outline_text(name: str, data: bytes) -> tuple[str, str]:
    """The text of an uploaded outline and what its numbers count ("Line" or
    "Paragraph", for `read_outline`); OutlineError with one clear sentence for a file that
    is neither UTF-8 text nor a Word document."""
    if data[:4] == b"PK\x03\x04":
        return docx_text(name, data), "Paragraph"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise OutlineError(None, f"{name} is an old Word document (.doc); save it as .docx "
                                 "or as plain text (UTF-8).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        raise OutlineError(None, f"{name} is not a text file in UTF-8 nor a Word document "
                                 "(.docx); save it as plain text (UTF-8) or as .docx.")
    return text, "Line"


def read_outline_file(name: str, data: bytes) -> tuple[Outline, str]:
    """The outline of an uploaded file, and the text it was read from."""
    text, unit = outline_text(name, data)
    return read_outline(text, unit), text


def docx_text(name: str, data: bytes) -> str:
    """Paragraph k of the document on line 2k − 1 of the text, blank lines between."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = package.infolist()
    except zipfile.BadZipFile:
        parts = None
    if parts is None or "word/document.xml" not in {part.filename for part in parts}:
        raise OutlineError(None, f"{name} is a zip file but not a Word document (.docx).")
    if sum(part.file_size for part in parts) > MAX_UNPACKED:
        raise OutlineError(None, f"{name} unpacks to more than "
                                 f"{MAX_UNPACKED // 1024 // 1024} MB; it is refused.")
    try:
        document = docx.Document(io.BytesIO(data))
        numbering = _Numbering(document)
        lines = [_line(paragraph, numbering) for paragraph in document.paragraphs]
    except (OpcError, etree.LxmlError, KeyError, ValueError, AttributeError, TypeError,
            zipfile.BadZipFile) as error:  # what python-docx and lxml raise on a damaged file
        raise OutlineError(None, f"{name} is a damaged Word document; open it in Word and "
                                 "save it again.") from error
    return "\n\n".join(lines) + "\n"


def _line(paragraph: Paragraph, numbering: "_Numbering") -> str:
    text = " ".join(paragraph.text.split())
    if not text:
        return ""
    style = paragraph.style
    names = (style.name or "", style.style_id or "") if style is not None else ()
    level = next((int(m[1]) for n in names if (m := _HEADING_STYLE.match(n))), 0)
    marker = numbering.marker(paragraph)
    text = f"{marker} {text}" if marker else text
    return f"{'#' * level} {text}" if level else text


class _Numbering:
    """Word's list numbering, counted as Word counts it: a counter for each list and
    level, the deeper levels starting again when a higher one moves on."""

    def __init__(self, document):
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}
        self.lists: dict[str, str] = {}
        self.counters: dict[str, list[int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        for abstract in root.findall(qn("w:abstractNum")):
            abstract_id = abstract.get(qn("w:abstractNumId"))
            for lvl in abstract.findall(qn("w:lvl")):
                self.levels[(abstract_id, int(lvl.get(qn("w:ilvl"), "0")))] = (
                    _val(lvl, "w:numFmt", "decimal"), _val(lvl, "w:lvlText", ""),
                    int(_val(lvl, "w:start", "1")))
        for num in root.findall(qn("w:num")):
            abstract = num.find(qn("w:abstractNumId"))
            if abstract is not None:
                self.lists[num.get(qn("w:numId"))] = abstract.get(qn("w:val"))

    def marker(self, paragraph: Paragraph) -> str:
        num_id, level = _numbering_of(paragraph)
        abstract = self.lists.get(num_id or "")
        if abstract is None or (abstract, level) not in self.levels:
            return ""
        counters = self.counters.setdefault(abstract, [0] * 9)
        for deeper in range(level + 1, 9):
            counters[deeper] = 0
        kind, pattern, start = self.levels[(abstract, level)]
        counters[level] = counters[level] + 1 if counters[level] else start
        if kind == "bullet":
            return "-"
        if kind == "none":
            return pattern.strip()
        return re.sub(r"%([1-9])", lambda m: self._shown(abstract, int(m[1]) - 1, counters),
                      pattern).strip()

    def _shown(self, abstract: str, level: int, counters: list[int]) -> str:
        """The number of a level as that level writes it (``%1`` in ``%1.%2``)."""
        kind, _pattern, start = self.levels.get((abstract, level), ("decimal", "", 1))
        return _formatted(kind, counters[level] or start)


def _val(element, tag: str, default: str) -> str:
    child = element.find(qn(tag))
    return child.get(qn("w:val"), default) if child is not None else default


def _numbering_of(paragraph: Paragraph) -> tuple[str | None, int]:
    """The list and level of a numbered paragraph: its own, or its style's."""
    for holder in (paragraph._p.pPr, _style_ppr(paragraph)):
        num_pr = holder.find(qn("w:numPr")) if holder is not None else None
        if num_pr is not None and num_pr.find(qn("w:numId")) is not None:
            level = num_pr.find(qn("w:ilvl"))
            return (num_pr.find(qn("w:numId")).get(qn("w:val")),
                    int(level.get(qn("w:val"))) if level is not None else 0)
    return None, 0


def _style_ppr(paragraph: Paragraph):
    style = paragraph.style
    return style.element.pPr if style is not None else None


def _formatted(kind: str, number: int) -> str:
    if kind in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (number - 1) % 26) * ((number - 1) // 26 + 1)
        return letter if kind == "lowerLetter" else letter.upper()
    if kind in ("lowerRoman", "upperRoman"):
        roman = ""
        for symbol, value in _ROMAN:
            while number >= value:
                roman, number = roman + symbol, number - value
        return roman if kind == "lowerRoman" else roman.upper()
    return str(number)
