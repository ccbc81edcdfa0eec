"""Read a report outline (plain text or Markdown) into orientations → recommendations → measures.

Standard library only: the input is the text of a report such as the États généraux du
travail social (a Word document comes here as its paragraphs, see `outline_files`), the
output a list of `OutlineOrientation`, each holding its numbered `OutlineRecommendation`s,
each holding its lettered `OutlineMeasure`s; `read_outline` also says which lines inside
the outline went into nothing.

Lines the parser recognises (leading spaces, bullets ``-``/``*`` and ``**bold**`` ignored):

- orientation headings: ``Orientation 1 : …``, ``Axe 1 : …``, ``ORIENTATION 2 —`` (title
  then on the next line), ``## 1. …`` (a numbered Markdown heading), a plain ``1. …``
  (see below), or a title without a number (see "Titles without a number");
- recommendations: ``Recommandation 1 : …`` / ``Recommendation 1: …``,
  ``Préconisation n°3 : …`` (also ``n° 3``, ``N°3``, ``nº 3``), ``Recommandation 1.2 : …``
  (the second of orientation 1, which it must stand under), ``1. …``, ``1) …``, ``- 1. …``,
  or a numbered Markdown heading deeper than the orientation headings;
- measures: ``a. …``, ``a) …``, ``(a) …``, ``- a. …``, ``Mesure a) …``, ``Mesure b : …``,
  lowercase letters in order.

Recommendation numbers restart at 1 in each orientation or run on through the whole
document: the first recommendation of an orientation carries 1 or the number after the
previous orientation's last one. Where recommendations are named (``Préconisation n°3``),
a plain ``N.`` line is a recommendation only when it carries the next number; otherwise it
is wrapped text.

Titles without a number
-----------------------
When no line is an ``Orientation N``/``Axe N`` heading or a numbered Markdown heading,
orientations may be headed by a plain title ("Sur la gouvernance"): the last Markdown
heading (or Word heading) before a group of recommendations, or, where recommendations
are named, the last short line standing alone between blank lines (starting with a
capital, not ending a sentence) before a group of them. With plain ``1.`` recommendations
under Markdown headings it takes two such groups: a single heading above numbered lines
is the document's title, and the plain ``N.`` rule below applies.

Which plain ``N.`` line is an orientation heading
-------------------------------------------------
Reports often number orientations and recommendations the same way (``1.``), list the
orientations once as a summary, then repeat each orientation heading before its prose
and its recommendations, which restart at 1. The rule uses structure only:

1. The style of the first orientation heading decides for the whole document. After an
   explicit ``Orientation N`` heading or a numbered Markdown heading, plain ``N.`` lines
   are always recommendations.
2. Otherwise a plain ``N.`` line (not a bullet) is the heading of the next orientation when
   a) N is the next orientation number (1 for the first one);
   b) after the line and its wrapped continuation, what follows is a new paragraph of
      prose (after a blank line or a page break) or a line numbered 1 — the recommendations
      restart;
   c) the same ``N. text`` does not appear again further on — if it does, this one is an
      entry of a summary list and the later one is the real heading;
   d) when N could also be the next recommendation, the next numbered line after it is
      not numbered N again (if it is, this line was a recommendation followed by prose,
      and the orientation heading comes later).
3. Every other numbered line inside an orientation is a recommendation and must carry the
   next number. The delimiter of the first recommendation (``.`` or ``)``) and of the
   first measure is the document's style: a line such as ``2) les milieux…`` inside a
   measure written with ``a.``/``1.`` markers is wrapped text, not a new item.

Text, paragraphs and noise
--------------------------
A line that is not an item continues the item above it, joined by a space (a line ending
in ``letter-`` is joined without one). After a blank line or a page break (a line starting
with exactly one space, as PDF extraction leaves on each new page), the line still
continues the item if it starts with a lowercase letter or if the item's text does not
end a sentence; otherwise it is a new paragraph. Paragraphs between an orientation
heading and its first recommendation form `OutlineOrientation.text` (joined by a blank
line); a paragraph after a recommendation or measure is commentary and is dropped.
Page footers and headers ending or starting with ``• 11`` or ``| 11``, and lines holding
only a page number (``12``, ``Page 12``, ``12/40``) are skipped. Everything before the first
orientation (introduction, findings, summary list) is ignored; the outline stops at a
final section heading (Conclusion, Annexe, Appendix, Bibliographie, References,
Remerciements, Glossaire…) written as a Markdown heading, in capitals, or as a short
capitalised line of its own.

Malformed input raises `OutlineError` naming the line: a measure before any
recommendation, a recommendation, orientation or measure that skips a number or letter
or goes backwards, or a text with no orientation at all.
"""
import re
from dataclasses import dataclass, field, replace


class OutlineError(ValueError):
    """The text does not have the shape of an outline; the message names the line (or the
    paragraph, in a Word document)."""

    def __init__(self, line: int | None, message: str, unit: str = "Line"):
        self.line = line
        self.message = message
        super().__init__(f"{unit} {line}: {message}" if line else message)


@dataclass
class OutlineMeasure:
    letter: str
    text: str


@dataclass
class OutlineRecommendation:
    number: int
    text: str
    measures: list[OutlineMeasure] = field(default_factory=list)


@dataclass
class OutlineOrientation:
    number: int
    title: str
    text: str
    recommendations: list[OutlineRecommendation] = field(default_factory=list)


@dataclass
class Outline:
    """What was read, and what was not: the lines inside the outline that are neither an
    item, a title, an orientation's text nor its continuation (commentary, sub-headings),
    as (line number, text); what comes before `first_line` (introduction) and after
    `last_line` (conclusion, annexes) is not read at all."""

    orientations: list[OutlineOrientation]
    skipped: list[tuple[int, str]]
    first_line: int
    last_line: int
    #: What a number counts: lines of a text, paragraphs of a Word document.
    unit: str = "Line"


_SEP = r"\s*(?:[:.)—–-]\s*|$)"
#: "n°3", "n° 3", "N°3", "nº 3", "no. 3"
_NO = r"(?:n\s?[°ºo]\.?\s*)?"
_EXPLICIT_ORIENTATION = re.compile(
    rf"^(?:#{{1,6}}\s*)?(?:orientation|axe|axis)\s+{_NO}(\d{{1,3}}){_SEP}(.*)$", re.I
)
#: "Recommandation 3", "Préconisation n°3", "Recommandation 1.2" (orientation 1, its second)
_EXPLICIT_RECOMMENDATION = re.compile(
    rf"^(?:#{{1,6}}\s*)?(?:[-*+•]\s+)?(?:recomm[ae]ndation|pr[ée]conisation|proposition)\s+"
    rf"{_NO}(?:(\d{{1,3}})\.)?(\d{{1,3}}){_SEP}(.*)$",
    re.I,
)
#: "Mesure a)", "Mesure b :", "Measure c."
_EXPLICIT_MEASURE = re.compile(
    r"^(?:[-*+•]\s+)?(?:mesure|measure)\s+\(?([a-z])(?:[.)]|\s*[:—–-]|\s|$)\s*(.*)$", re.I)
_MD_NUMBERED = re.compile(r"^(#{1,6})\s*(\d{1,3})[.)]?\s+(\S.*)$")
_MD_HEADING = re.compile(r"^#{1,6}\s+(\S.*)$")
_NUMBERED = re.compile(r"^(?P<bullet>[-*+•]\s+)?(?P<num>\d{1,3})(?P<delim>[.)])\s+(?P<text>\S.*)$")
_MEASURE = re.compile(r"^(?:[-*+•]\s+)?(?:\((?P<l1>[a-z])\)|(?P<l2>[a-z])(?P<delim>[.)]))\s+(?P<text>\S.*)$")
_PAGE_FOOTER = re.compile(
    r"(?:[•·|]\s*\d{1,4}\s*$)|(?:^\d{1,4}\s*[•·|])|(?:^(?:page\s+)?\d{1,4}(?:\s*(?:/|sur|of)\s*\d{1,4})?$)",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?…:;][\s»\"”’)\]*_]*$")
_FINAL_WORDS = {
    "conclusion", "conclusions", "annexe", "annexes", "appendix", "appendices",
    "bibliographie", "bibliography", "références", "references", "remerciements",
    "acknowledgements", "acknowledgments", "glossaire", "glossary", "postface",
}


@dataclass
class _Line:
    number: int          # 1-based line number in the input
    kind: str            # blank, footer, heading, orientation, recommendation, md_numbered, numbered, measure, text
    text: str = ""
    value: int = 0       # the number of a numbered line
    letter: str = ""
    delim: str = ""
    level: int = 0       # Markdown heading level
    bullet: bool = False
    page_break: bool = False
    final: bool = False  # a heading that ends the outline
    prefix: int = 0      # the orientation a recommendation numbered "1.2" names
    markdown: bool = False  # a Markdown heading (or a Word heading style)
    alone: bool = False  # a short line standing as a paragraph of its own: perhaps a title


def _classify(number: int, raw: str, after_break: bool) -> _Line:
    page_break = bool(re.match(r"^ \S", raw))
    line = raw.strip().replace("**", "").replace("__", "").strip()
    if not line:
        return _Line(number, "blank")
    if _PAGE_FOOTER.search(line):
        return _Line(number, "footer")
    if m := _EXPLICIT_ORIENTATION.match(line):
        return _Line(number, "orientation", m[2].strip(), int(m[1]), page_break=page_break)
    if m := _EXPLICIT_RECOMMENDATION.match(line):
        return _Line(number, "recommendation", m[3].strip(), int(m[2]), prefix=int(m[1] or 0),
                     page_break=page_break)
    if m := _EXPLICIT_MEASURE.match(line):
        return _Line(number, "measure", m[2].strip(), letter=m[1].lower(), delim="mesure",
                     page_break=page_break)
    if m := _MD_NUMBERED.match(line):
        return _Line(number, "md_numbered", m[3].strip(), int(m[2]), level=len(m[1]), page_break=page_break)
    if m := _MD_HEADING.match(line):
        return _Line(number, "heading", m[1].strip(), final=_is_final(m[1]), markdown=True,
                     page_break=page_break)
    if m := _NUMBERED.match(line):
        return _Line(number, "numbered", m["text"].strip(), int(m["num"]), delim=m["delim"],
                     bullet=bool(m["bullet"]), page_break=page_break)
    if m := _MEASURE.match(line):
        return _Line(number, "measure", m["text"].strip(), letter=m["l1"] or m["l2"],
                     delim=m["delim"] or "()", page_break=page_break)
    starts_paragraph = after_break or page_break
    letters = [c for c in line if c.isalpha()]
    if starts_paragraph and len(letters) >= 4 and not any(c.islower() for c in letters) \
            and not line.endswith((",", ";")):
        return _Line(number, "heading", line, final=_is_final(line), page_break=page_break)
    if starts_paragraph and line[0].isupper() and len(line.split()) <= 6 \
            and not _SENTENCE_END.search(line) and _is_final(line):
        return _Line(number, "heading", line, final=True, page_break=page_break)
    return _Line(number, "text", line, page_break=page_break)


def _is_final(heading: str) -> bool:
    words = re.findall(r"[^\W\d_]+", heading.lower())
    return bool(words) and words[0] in _FINAL_WORDS


def _join(before: str, after: str) -> str:
    if not before:
        return after
    if re.search(r"[^\W\d_]-$", before):
        return before + after
    return f"{before} {after}"


def _continues(previous: str, line: _Line) -> bool:
    """After a paragraph break, does `line` still belong to the text `previous`?"""
    first_letter = next((c for c in line.text if c.isalpha()), "")
    return first_letter.islower() or not _SENTENCE_END.search(previous)


def _ordinal_hint(expected: int, got: int) -> str:
    return "skips a number" if got > expected else "goes backwards"


class _Parser:
    def __init__(self, text: str):
        self.lines: list[_Line] = []
        after_break = True
        for number, raw in enumerate(text.splitlines(), start=1):
            line = _classify(number, raw, after_break)
            self.lines.append(line)
            after_break = line.kind in ("blank", "footer")
        self.total = len(self.lines)
        self._mark_alone()
        kinds = {line.kind for line in self.lines}
        #: Recommendations are named ("Préconisation n°3"): a plain "N." line is one only
        #: when it carries the next number, otherwise it is wrapped text.
        self.explicit_recommendations = "recommendation" in kinds
        self.title_lines = set() if kinds & {"orientation", "md_numbered"} else self._title_lines()
        self.used: set[int] = set()   # line numbers that went into the outline
        self.end_line = self.total
        self.last_number = 0          # the last recommendation's number, in any orientation
        self.orientations: list[OutlineOrientation] = []
        self.style = ""               # how orientations are headed: explicit, markdown or plain
        self.md_level = 0
        self.orientation_delim = ""
        self.rec_delim = ""
        self.measure_delim = ""
        self.paragraphs: list[str] = []   # the current orientation's text
        self.target = ""              # what a continuation line extends: title, text, recommendation, measure, ""
        self.title_from_next_line = False

    def _mark_alone(self) -> None:
        """A short line between blank lines, starting with a capital and not ending a
        sentence ("Sur la gouvernance"), may be an orientation's title."""
        for i, line in enumerate(self.lines):
            before = i == 0 or self.lines[i - 1].kind in ("blank", "footer") or line.page_break
            after = i + 1 == self.total or self.lines[i + 1].kind in ("blank", "footer")
            line.alone = (line.kind in ("text", "heading") and before and after and not line.final
                          and line.text[:1].isupper() and len(line.text.split()) <= 15
                          and not _SENTENCE_END.search(line.text))

    def _title_lines(self) -> set[int]:
        """Orientations headed by a plain title, without a number: the indexes of the
        title lines. A title is the last Markdown heading (or Word heading) before a group
        of numbered recommendations, or, when recommendations are named ("Préconisation
        n°3"), the last heading or line standing alone before a group of them. With plain
        numbered recommendations under Markdown headings, two such groups at least: one
        heading above numbered lines is the document's title."""
        titles: set[int] = set()
        candidate = None
        for i, line in enumerate(self.lines):
            if line.final and titles:
                break
            if line.markdown and not line.final or (
                    self.explicit_recommendations and (line.alone or line.kind == "heading")):
                candidate = i
            elif candidate is not None and (
                    line.kind == "recommendation"
                    or (line.kind == "numbered" and not line.bullet and not self.explicit_recommendations
                        and self.lines[candidate].markdown)):
                titles.add(candidate)
                candidate = None
        return titles if self.explicit_recommendations or len(titles) >= 2 else set()

    # --- helpers on the current state -------------------------------------------------
    @property
    def orientation(self) -> OutlineOrientation | None:
        return self.orientations[-1] if self.orientations else None

    @property
    def recommendation(self) -> OutlineRecommendation | None:
        o = self.orientation
        return o.recommendations[-1] if o and o.recommendations else None

    def _next_significant(self, start: int) -> int | None:
        for j in range(start, self.total):
            if self.lines[j].kind not in ("blank", "footer"):
                return j
        return None

    def _is_plain_heading(self, i: int) -> bool:
        """Rule 2 of the module docstring: is plain line i the next orientation's heading?"""
        line = self.lines[i]
        expected = len(self.orientations) + 1
        if line.bullet or line.value != expected:
            return False
        if self.style == "plain" and line.delim != self.orientation_delim:
            return False
        # b) skip wrapped continuation lines, then look at the next paragraph
        j = i + 1
        while j < self.total and self.lines[j].kind == "text" and not self.lines[j].page_break:
            j += 1
        broke = j < self.total and (self.lines[j].kind in ("blank", "footer") or self.lines[j].page_break)
        j = self._next_significant(j)
        if j is None:
            return False
        following = self.lines[j]
        opens = (following.kind in ("text", "heading") and broke and not following.final) or (
            following.kind in ("numbered", "md_numbered", "recommendation") and following.value == 1
        )
        if not opens:
            return False
        # c) a summary entry is repeated later by the real heading
        key = " ".join(line.text.lower().split())
        for later in self.lines[i + 1:]:
            if later.kind == "numbered" and later.value == line.value \
                    and " ".join(later.text.lower().split()) == key:
                return False
        # d) could be the next recommendation: is the number repeated by the next numbered line?
        rec = self.recommendation
        if self.orientation and line.value == (rec.number if rec else 0) + 1:
            for later in self.lines[i + 1:]:
                if later.kind == "numbered" and not later.bullet:
                    return later.value != line.value
        return True

    # --- building -------------------------------------------------------------------
    def _close_orientation_text(self) -> None:
        if self.orientation is not None:
            self.orientation.text = "\n\n".join(p for p in self.paragraphs if p)

    def _open_orientation(self, line: _Line, style: str) -> None:
        expected = len(self.orientations) + 1
        if line.value != expected:
            raise OutlineError(line.number, (
                f"orientation {line.value} comes after orientation {expected - 1}, which "
                f"{_ordinal_hint(expected, line.value)}; expected orientation {expected}."
            ))
        self._close_orientation_text()
        if not self.style:
            self.style = style
            self.md_level = line.level
            self.orientation_delim = line.delim
        self.orientations.append(OutlineOrientation(line.value, line.text, ""))
        self.used.add(line.number)
        self.paragraphs = []
        self.title_from_next_line = not line.text
        # a Markdown heading or a title line is one line; a numbered title may wrap
        self.target = "title" if style in ("plain", "explicit") and line.text else ""

    def _expected(self) -> tuple[int, ...]:
        """The numbers the next recommendation may carry: the next one in its orientation;
        for the first one, 1 or the next number of the whole document (numbers running on)."""
        orientation = self.orientation
        if orientation.recommendations:
            return (orientation.recommendations[-1].number + 1,)
        return (1,) if self.last_number == 0 else (1, self.last_number + 1)

    def _add_recommendation(self, line: _Line) -> None:
        orientation = self.orientation
        previous = orientation.recommendations[-1].number if orientation.recommendations else 0
        if line.prefix and line.prefix != orientation.number:
            raise OutlineError(line.number, (
                f"recommendation {line.prefix}.{line.value} is numbered for orientation "
                f"{line.prefix} but stands under orientation {orientation.number}."
            ))
        if line.value not in self._expected():
            after = f"recommendation {previous}" if previous else "the orientation heading"
            hint = ""
            if self.style == "plain" and line.value == len(self.orientations) + 1:
                hint = (f" If it is the heading of orientation {line.value}, it must be followed "
                        "by a paragraph of text or by recommendation 1.")
            raise OutlineError(line.number, (
                f"recommendation {line.value} of orientation {orientation.number} comes after "
                f"{after}, which {_ordinal_hint(previous + 1, line.value)}; expected "
                f"recommendation {previous + 1}.{hint}"
            ))
        if line.kind == "numbered" and not self.rec_delim:
            self.rec_delim = line.delim
        self._close_orientation_text()
        orientation.recommendations.append(OutlineRecommendation(line.value, line.text))
        self.last_number = line.value
        self.used.add(line.number)
        self.target = "recommendation"

    def _add_measure(self, line: _Line) -> None:
        rec = self.recommendation
        if rec is None:
            raise OutlineError(line.number, (
                f"measure “{line.letter}” appears before any recommendation of orientation "
                f"{self.orientation.number}; lettered measures (a., b., …) must follow a "
                "numbered recommendation."
            ))
        expected = chr(ord(rec.measures[-1].letter) + 1) if rec.measures else "a"
        if line.letter != expected:
            after = f"measure “{rec.measures[-1].letter}”" if rec.measures else "the recommendation"
            which = "skips a letter" if line.letter > expected else "goes backwards"
            raise OutlineError(line.number, (
                f"measure “{line.letter}” of recommendation {self.orientation.number}.{rec.number} "
                f"comes after {after}, which {which}; expected measure “{expected}”."
            ))
        if not self.measure_delim and line.delim != "mesure":
            self.measure_delim = line.delim
        rec.measures.append(OutlineMeasure(line.letter, line.text))
        self.used.add(line.number)
        self.target = "measure"

    def _add_text(self, line: _Line, broken: bool) -> None:
        orientation = self.orientation
        if self.title_from_next_line:
            orientation.title = line.text
            self.title_from_next_line = False
            self.target = "title"
            self.used.add(line.number)
            return
        if self.target == "title":
            if not broken:
                orientation.title = _join(orientation.title, line.text)
                self.used.add(line.number)
                return
            self.target = "text"
        if self.target in ("recommendation", "measure"):
            item = self.recommendation if self.target == "recommendation" else self.recommendation.measures[-1]
            if not broken or _continues(item.text, line):
                item.text = _join(item.text, line.text)
                self.used.add(line.number)
            else:
                self.target = ""  # commentary after a recommendation: dropped
            return
        if self.target == "text" or (self.target == "" and not orientation.recommendations):
            self.target = "text"
            self.used.add(line.number)
            if self.paragraphs and (not broken or _continues(self.paragraphs[-1], line)):
                self.paragraphs[-1] = _join(self.paragraphs[-1], line.text)
            else:
                self.paragraphs.append(line.text)

    def _as_text(self, line: _Line) -> _Line:
        """A numbered or lettered line that is wrapped text (another marker style)."""
        prefix = f"{line.value}{line.delim}" if line.kind == "numbered" else (
            f"({line.letter})" if line.delim == "()" else f"{line.letter}{line.delim}")
        return _Line(line.number, "text", f"{prefix} {line.text}", page_break=line.page_break)

    def parse(self) -> list[OutlineOrientation]:
        broken = True
        for i, line in enumerate(self.lines):
            if line.kind in ("blank", "footer"):
                broken = True
                continue
            broken = broken or line.page_break
            started = bool(self.orientations)
            if i in self.title_lines:
                self._open_orientation(replace(line, value=len(self.orientations) + 1), "titled")
                broken = False
                continue
            if line.kind == "heading":
                if line.final and started:
                    self.end_line = line.number - 1
                    break
                if started and self.target != "text":
                    self.target = ""
                broken = True
                continue
            if line.kind == "orientation":
                if not started or self.style == "explicit":
                    self._open_orientation(line, "explicit")
                elif started:
                    self._add_text(line, broken)
            elif line.kind == "recommendation":
                if started:
                    self._add_recommendation(line)
            elif line.kind == "md_numbered":
                if not started:
                    if line.value == 1:
                        self._open_orientation(line, "markdown")
                elif self.style == "markdown" and line.level <= self.md_level:
                    self._open_orientation(line, "markdown")
                else:
                    self._add_recommendation(line)
            elif line.kind == "numbered":
                if not started:
                    if not self.title_lines and self._is_plain_heading(i):
                        self._open_orientation(line, "plain")
                elif self.explicit_recommendations and (
                        line.bullet or line.value not in self._expected()):
                    self._add_text(self._as_text(line), broken)
                elif self.rec_delim and line.delim != self.rec_delim and not (
                        self.style == "plain" and self._is_plain_heading(i)):
                    self._add_text(self._as_text(line), broken)
                elif self.style == "plain" and self._is_plain_heading(i):
                    self._open_orientation(line, "plain")
                else:
                    self._add_recommendation(line)
            elif line.kind == "measure":
                if started:
                    if self.measure_delim and line.delim not in (self.measure_delim, "mesure"):
                        self._add_text(self._as_text(line), broken)
                    else:
                        self._add_measure(line)
            elif started:
                self._add_text(line, broken)
            broken = False
        if not self.orientations:
            raise OutlineError(None, (
                f"no orientation found in these {self.total} lines. An orientation starts with "
                "a line such as “Orientation 1 : …”, “## 1. …”, or “1. …” followed by a "
                "paragraph of text or by recommendation 1."
            ))
        self._close_orientation_text()
        return self.orientations

    def skipped(self) -> list[tuple[int, str]]:
        """The lines inside the outline that went into nothing."""
        first = self.lines_of_outline()[0]
        return [(line.number, line.text) for line in self.lines
                if first <= line.number <= self.end_line and line.number not in self.used
                and line.kind not in ("blank", "footer")]

    def lines_of_outline(self) -> tuple[int, int]:
        return min(self.used), self.end_line


def read_outline(text: str, unit: str = "Line") -> Outline:
    """The outline of a report's text, with the lines not understood (see the module
    docstring). With `unit` "Paragraph", the text is a Word document's paragraphs with a
    blank line between each two (paragraph k on line 2k − 1), and numbers in the result
    and in errors count paragraphs."""
    counted = (lambda line: (line + 1) // 2) if unit == "Paragraph" else (lambda line: line)
    parser = _Parser(text)
    try:
        orientations = parser.parse()
    except OutlineError as error:
        raise OutlineError(error.line and counted(error.line), error.message, unit) from None
    first, last = parser.lines_of_outline()
    return Outline(orientations, [(counted(line), words) for line, words in parser.skipped()],
                   counted(first), counted(last), unit)


def parse_outline(text: str) -> list[OutlineOrientation]:
    """Parse a report's orientations, recommendations and measures (see the module docstring)."""
    return read_outline(text).orientations
