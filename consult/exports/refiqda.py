"""The coded corpus in REFI-QDA, the exchange format of qualitative-analysis software
(NVivo, ATLAS.ti, MAXQDA, QualCoder): a project (`.qdpx`, a zip holding `project.qde` and
one text file a testimony under `sources/`) or the codebook alone (`.qdc`).

What a project holds follows the exports' public and internal rules: its testimonies
are those of the testimonies export of the same kind, in the same text (the masked public
text, or the text as written). Positions are counted in characters (code points) of that
text, which is written as UTF-8 without changing its line endings, so that
`text[start:end]` is the coded passage. In a public project a coded passage is kept only
where the public text still holds it, like the public excerpts export."""
import re
import tempfile
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from xml.sax.saxutils import escape, quoteattr

from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, select, union

from consult.exports import services
from consult.extensions import db
from consult.models import Code, Consultation, Excerpt, Reading, Testimony, User, utcnow
from consult.synthesis import services as synthesis

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
#: Colours given to the top-level codes in turn (a child takes its parent's): Consult's
#: codes have none, the other tools show one for each.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")
#: What is read of each excerpt (plain rows: no object is kept per excerpt).
EXCERPT_COLUMNS = (Excerpt.id, Excerpt.testimony_id, Excerpt.code_id, Excerpt.start,
                   Excerpt.end, Excerpt.created_by_id, Excerpt.created_at)
#: Characters XML 1.0 cannot hold, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _guid(consultation: Consultation, kind: str, id_: int) -> str:
    """The same object has the same GUID in every export, so that a tool can merge them."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"consult:{consultation.slug}:{kind}:{id_}"))


def _attr(value: str) -> str:
    return quoteattr(_NOT_XML.sub("", value))


def _moment(value: datetime | None) -> str:
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z" if value else ""


def _codes_xml(consultation: Consultation) -> str:
    """The `<Codes>` element: top-level codes with their children, the same in a project
    and a codebook."""
    codes = synthesis.codebook(consultation)
    if not codes:
        return ""

    def element(code: Code, colour: str, children: Iterable[Code] = ()) -> str:
        inner = f"<Description>{escape(_NOT_XML.sub('', code.description))}</Description>" \
            if code.description else ""
        inner += "".join(element(child, colour) for child in children)
        return (f'<Code guid="{_guid(consultation, "code", code.id)}" name={_attr(code.name)} '
                f'isCodable="true" color="{colour}">{inner}</Code>')

    return "<Codes>" + "".join(element(code, PALETTE[index % len(PALETTE)], code.children)
                               for index, code in enumerate(codes)) + "</Codes>"


def codebook_xml(consultation: Consultation) -> str:
    """The codebook alone, as a `.qdc` file."""
    codes = _codes_xml(consultation)
    if not codes:
        raise services.ExportError(_l("The codebook has no codes yet."))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<CodeBook xmlns="{CODEBOOK_NS}" origin="Consult">{codes}</CodeBook>\n')


def _readers(consultation: Consultation, kind: services.Kind) -> dict[int, tuple[str, str]]:
    """Who coded or read the consultation's testimonies: id → (GUID, name). A public
    project names them by number only."""
    coders = select(Excerpt.created_by_id.label("user_id")).join(
        Testimony, Testimony.id == Excerpt.testimony_id).where(
        Testimony.consultation_id == consultation.id, Excerpt.created_by_id.is_not(None))
    readers = select(Reading.user_id).join(Testimony, Testimony.id == Reading.testimony_id) \
        .where(Testimony.consultation_id == consultation.id)
    ids = union(coders, readers).subquery()
    users = db.session.execute(select(User.id, User.display_name)
                               .where(User.id.in_(select(ids.c.user_id))).order_by(User.id))
    return {id_: (_guid(consultation, "user", id_),
                  name if kind is services.Kind.INTERNAL else f"Reader {number}")
            for number, (id_, name) in enumerate(users, start=1)}


def _span(excerpt: Row, body: str, text: str) -> tuple[int, int] | None:
    """Where the excerpt lies in `text` (the original `body`, or its public copy): the
    whole text for a code given to a whole testimony; None where the public text no longer
    holds the passage."""
    if excerpt.start is None:
        return 0, len(text)
    if text is body or text == body:
        return excerpt.start, excerpt.end
    passage = body[excerpt.start:excerpt.end]
    places = [match.start() for match in re.finditer(re.escape(passage), text)] if passage else []
    if not places:
        return None
    start = min(places, key=lambda place: abs(place - excerpt.start))
    return start, start + len(passage)


def _batches(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    while batch := list(islice(rows, size)):
        yield batch


def write_project(consultation: Consultation, kind: services.Kind, target) -> int:
    """Write the `.qdpx` zip to `target` (a path or a binary file); returns how many
    testimonies it holds."""
    data = services.testimonies(consultation, kind, {})
    id_at, title_at, text_at = (data.columns.index(name) for name in ("id", "title", "text"))
    users = _readers(consultation, kind)
    codes = {code.id: _guid(consultation, "code", code.id) for code in db.session.execute(
        select(Code).where(Code.consultation_id == consultation.id)).scalars()}
    notice = services.preamble(consultation, kind)
    count = 0
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package, \
            tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as project:
        project.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<Project xmlns="{PROJECT_NS}" name={_attr(consultation.title)} origin="Consult" '
            f'creationDateTime="{_moment(utcnow())}">')
        if users:
            project.write("<Users>" + "".join(f'<User guid="{guid}" name={_attr(name)}/>'
                                              for guid, name in users.values()) + "</Users>")
        if codes:
            project.write(f"<CodeBook>{_codes_xml(consultation)}</CodeBook>")
        for batch in _batches(data.rows, services.BATCH):
            ids = [row[id_at] for row in batch]
            excerpts: dict[int, list[Row]] = {}
            for excerpt in db.session.execute(select(*EXCERPT_COLUMNS).where(
                    Excerpt.testimony_id.in_(ids)).order_by(Excerpt.id)):
                excerpts.setdefault(excerpt.testimony_id, []).append(excerpt)
            bodies = dict(db.session.execute(select(Testimony.id, Testimony.body).where(
                Testimony.id.in_(list(excerpts)))).all()) if excerpts else {}
            sources = []
            for row in batch:
                id_, text = row[id_at], row[text_at] or ""
                guid = _guid(consultation, "testimony", id_)
                package.writestr(f"sources/{guid}.txt", text.encode("utf-8"))
                sources.append(_source_xml(consultation, guid, id_, row[title_at], text,
                                           bodies.get(id_, text), excerpts.get(id_, ()),
                                           codes, users))
            project.write(("<Sources>" if not count else "") + "".join(sources))
            count += len(batch)
        project.write("</Sources>" if count else "")
        project.write(f"<Description>{escape(notice[0])}</Description>" if notice else "")
        project.write("</Project>\n")
        project.seek(0)
        with package.open("project.qde", "w") as entry:
            while piece := project.read(1 << 20):
                entry.write(piece.encode("utf-8"))
    return count


def _source_xml(consultation: Consultation, guid: str, id_: int, title: str, text: str,
                body: str, excerpts: Iterable[Row], codes: dict[int, str],
                users: dict[int, tuple[str, str]]) -> str:
    selections = []
    for excerpt in excerpts:
        span = _span(excerpt, body, text)
        if span is None:
            continue
        user = users.get(excerpt.created_by_id)
        by = f' creatingUser="{user[0]}"' if user else ""
        when = f' creationDateTime="{_moment(excerpt.created_at)}"'
        selections.append(
            f'<PlainTextSelection guid="{_guid(consultation, "excerpt", excerpt.id)}" '
            f'startPosition="{span[0]}" endPosition="{span[1]}"{by}{when}>'
            f'<Coding guid="{_guid(consultation, "coding", excerpt.id)}"{by}{when}>'
            f'<CodeRef targetGUID="{codes[excerpt.code_id]}"/></Coding></PlainTextSelection>')
    name = f"{id_} {title}".strip()
    return (f'<TextSource guid="{guid}" name={_attr(name)} '
            f'plainTextPath="internal://{guid}.txt">{"".join(selections)}</TextSource>')


#: What each format holds, named in the file name and the audit log.
FORMATS = {"qdpx": "project", "qdc": "codebook"}


def write(consultation: Consultation, kind: services.Kind, export_format: str, target) -> str:
    """Write a `.qdpx` project or a `.qdc` codebook to `target` (a path or a binary file)
    and say what it holds; raises ExportError for a codebook without codes (the standard
    wants one at least)."""
    if export_format == "qdpx":
        return f"{write_project(consultation, kind, target):,} testimonies"
    xml = codebook_xml(consultation)
    data = xml.encode("utf-8")
    if hasattr(target, "write"):
        target.write(data)
    else:
        with open(target, "wb") as handle:
            handle.write(data)
    return f"{xml.count('<Code '):,} codes"
