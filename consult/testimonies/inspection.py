"""What is inside an attachment, read from its structure: the objects of a PDF that hold
the names that matter (in any #xx spelling, compressed object streams unpacked) and the
parts of an office document (names, declared types, links, sizes, read from the zip's
directory first). A scan of the raw bytes sees neither a `#`-escaped name nor a
compressed part. See docs/security.md, "Uploads"."""
import bisect
import io
import re
import zipfile
import zlib
from xml.etree import ElementTree

from pypdf import PdfReader, apply_configuration
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, read_object

from consult.testimonies.attachments import DOCX, ODT

#: What a document may unpack to, in all (PDF object streams, or the parts of a zip),
#: and how much bigger than it is packed (zip): beyond either, it is refused.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 100
#: A part above this size must itself stay within MAX_RATIO.
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_ZIP_PARTS = 5000
#: How many PDF objects holding a name that matters are parsed before giving up (an
#: ordinary PDF has one or two: its opening action).
MAX_PDF_OBJECTS_PARSED = 1000
#: The XML parts read to check an office document (types, manifest, links) are small.
MAX_XML_BYTES = 1024 * 1024

# --- PDF -------------------------------------------------------------------------------
#
# Every object of a PDF is not parsed: in pure Python that takes seconds, or minutes,
# for a report whose pages carry thousands of links (bench/uploads.py). Instead, the file
# and its object streams (unpacked by pypdf) are searched for the names that matter,
# whatever their #xx spelling; the objects where a name turns up are parsed and judged by
# their structure.

#: Names of what a PDF reader runs, opens or fetches by itself: scripts, programs,
#: embedded files, other documents, forms that send data (XFA forms carry scripts in
#: compressed XML), additional actions, media.
ACTIVE_PDF_NAMES = frozenset({
    "/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/FileAttachment",
    "/RichMedia", "/XFA", "/GoToE", "/GoToR", "/ImportData", "/SubmitForm", "/AA",
    "/Movie", "/Sound", "/Rendition",
})
#: Names so long that finding one by chance in compressed data is out of the question:
#: found anywhere, even where no parser would look, the file is refused.
_LONG_NAMES = frozenset(name for name in ACTIVE_PDF_NAMES if len(name) > 4)
#: Short active names, which do turn up by chance in compressed data, and /OpenAction,
#: which is harmless when it only goes to a page: the objects that hold them are parsed.
_NAMES_TO_PARSE = (ACTIVE_PDF_NAMES - _LONG_NAMES) | {"/OpenAction"}
_PDF_DELIMITERS = rb"[\x00\t\n\f\r ()<>\[\]{}/%]"
_PDF_SPACE = rb"[\x00\t\n\f\r ]+"
_OBJECT_HEADER = re.compile(rb"(?<![0-9])[0-9]{1,10}" + _PDF_SPACE + rb"[0-9]{1,5}" + _PDF_SPACE
                            + rb"obj\b")


def _escaped_name(name: str) -> bytes:
    """A pattern matching `name` (without its slash) with any of its characters written
    as #xx."""
    pieces = []
    for char in name:
        code = f"{ord(char):02X}"
        hex_pattern = "".join(f"[{d.lower()}{d}]" if d.isalpha() else d for d in code)
        pieces.append(f"(?:{re.escape(char)}|#{hex_pattern})")
    return "".join(pieces).encode()


def _names_pattern(names) -> re.Pattern:
    return re.compile(rb"/(?:" + b"|".join(_escaped_name(name[1:]) for name in sorted(names))
                      + rb")(?=" + _PDF_DELIMITERS + rb"|\Z)")


_LONG_NAME_TOKEN = _names_pattern(_LONG_NAMES)
_NAME_TO_PARSE = _names_pattern(_NAMES_TO_PARSE)


def _action_is_inert(action) -> bool:
    """An /OpenAction may only show a place in the document, and do nothing next."""
    if isinstance(action, ArrayObject):
        return True
    return (isinstance(action, DictionaryObject) and action.get("/S") == "/GoTo"
            and "/Next" not in action)


def _object_is_inert(found) -> bool:
    """One object's dictionaries and arrays (its stream's dictionary, not its data)
    hold no active name, and its /OpenAction, if any, only goes to a page."""
    pending = [found]
    while pending:
        item = pending.pop()
        if isinstance(item, DictionaryObject):
            if any(key in ACTIVE_PDF_NAMES for key in item):
                return False
            if "/OpenAction" in item and not _action_is_inert(item["/OpenAction"]):
                return False
            pending.extend(item.values())
        elif isinstance(item, ArrayObject):
            pending.extend(item)
        elif isinstance(item, NameObject) and item in ACTIVE_PDF_NAMES:
            return False
    return True


class _Reader(PdfReader):
    """pypdf's reader, except that an object of an object stream is parsed alone: pypdf
    parses the whole stream (tens of thousands of objects in some reports, minutes in
    pure Python) to give one. Filled by _Pdf before any such object is asked for."""

    packed: dict[int, tuple[bytes, int]]

    def _get_object_from_stream(self, indirect_reference: IndirectObject):
        data, offset = self.packed[indirect_reference.idnum]
        stream = io.BytesIO(data)
        stream.seek(offset)
        return read_object(stream, self)


class _Pdf:
    """A PDF opened by pypdf, whose objects are found by their position in the file or in
    one of its object streams, and each judged once."""

    def __init__(self, content: bytes):
        self.content = content
        self.reader = _Reader(io.BytesIO(content), strict=False)
        self.reader.packed = {}
        self.listed = sorted((offset, number, generation)
                             for generation, entries in self.reader.xref.items()
                             for number, offset in entries.items())
        self.headers: list[int] | None = None
        self.judged: set[tuple[int, int]] = set()

    def _inert_once(self, key: tuple[int, int], parse) -> bool:
        if key in self.judged:
            return True
        self.judged.add(key)
        return len(self.judged) <= MAX_PDF_OBJECTS_PARSED and _object_is_inert(parse())

    def file_position_is_inert(self, position: int) -> bool:
        """Whether the objects that may hold `position` of the file are inert: the listed
        object that starts last before it (refused if it cannot be parsed), and any
        object header between that one and it (an object the cross-reference table
        leaves out, which a reader repairing the file would find)."""
        at = bisect.bisect_right(self.listed, (position, float("inf"), 0))
        if at == 0:
            return False
        offset, number, generation = self.listed[at - 1]
        if not self._inert_once((-1, offset), lambda: self.reader.get_object(
                IndirectObject(number, generation, self.reader))):
            return False
        if self.headers is None:
            self.headers = [match.start() for match in _OBJECT_HEADER.finditer(self.content)]
        first = bisect.bisect_right(self.headers, offset)
        return all(self._inert_once((-1, header), lambda header=header: self._unlisted(header))
                   for header in self.headers[first:bisect.bisect_right(self.headers, position)])

    def _unlisted(self, header: int):
        stream = io.BytesIO(self.content)
        stream.seek(header)
        try:
            self.reader.read_object_header(stream)
            return read_object(stream, self.reader)
        except Exception:  # noqa: BLE001 — no object after all (the words inside a string)
            return None

    def open_object_streams(self) -> list[tuple[int, bytes, list[int]]]:
        """Each object stream's number, unpacked data and its objects' offsets in it."""
        streams, unpacked = [], 0
        for stream_number in sorted({number for number, _ in self.reader.xref_objStm.values()}):
            stream = self.reader.get_object(stream_number)
            data = stream.get_data()
            unpacked += len(data)
            if unpacked > MAX_UNPACKED_BYTES:
                raise ValueError("object streams unpack beyond the limit")
            first = int(stream["/First"])
            numbers = [int(value) for value in data[:first].split()]
            offsets = [first + offset for offset in numbers[1::2]]
            self.reader.packed.update((number, (data, offset))
                                      for number, offset in zip(numbers[::2], offsets))
            streams.append((stream_number, data, sorted(offsets)))
        return streams

    def packed_position_is_inert(self, stream_number: int, data: bytes, offsets: list[int],
                                 position: int) -> bool:
        """Whether the object of an object stream that holds `position` is inert."""
        at = bisect.bisect_right(offsets, position)
        if at == 0:
            return False
        stream = io.BytesIO(data)
        stream.seek(offsets[at - 1])
        return self._inert_once((stream_number, offsets[at - 1]),
                                lambda: read_object(stream, self.reader))


def _found_objects_are_inert(pdf: _Pdf) -> bool:
    if "/Root" not in pdf.reader.trailer:
        return False
    streams = pdf.open_object_streams()
    if not all(pdf.file_position_is_inert(match.start())
               for match in _NAME_TO_PARSE.finditer(pdf.content)):
        return False
    for stream_number, data, offsets in streams:
        if _LONG_NAME_TOKEN.search(data) or not all(
                pdf.packed_position_is_inert(stream_number, data, offsets, match.start())
                for match in _NAME_TO_PARSE.finditer(data)):
            return False
    return True


def pdf_is_inert(content: bytes) -> bool:
    """Whether a PDF can be opened without running, opening or fetching anything: no
    script, launch, embedded file, form, media or additional action, and an opening
    action that only goes to a page. A PDF that cannot be read through (damaged beyond
    repair, encrypted with a password) is not."""
    if _LONG_NAME_TOKEN.search(content):
        return False
    try:
        with apply_configuration(zlib_maximum_output_length=MAX_UNPACKED_BYTES):
            pdf = _Pdf(content)
            if pdf.reader.is_encrypted and not pdf.reader.decrypt(""):
                return False
            return _found_objects_are_inert(pdf)
    except Exception:  # noqa: BLE001 — pypdf fails in many ways on a malformed file
        return False


# --- Office documents (zip) ------------------------------------------------------------

#: Parts that carry macros, programs, web pages or scripts, by the end of their name…
_ACTIVE_PART_SUFFIXES = (
    ".js", ".vbs", ".wsf", ".hta", ".html", ".htm", ".xhtml", ".mht", ".mhtml", ".swf",
    ".exe", ".dll", ".com", ".scr", ".msi", ".bat", ".cmd", ".ps1", ".jar", ".sh",
    ".docm", ".dotm", ".xlsm", ".pptm",
)
#: …or by what their name contains (VBA projects, ActiveX controls, OLE packages)…
_ACTIVE_PART_MARKERS = ("vbaproject", "vbadata", "activex", "oleobject")
#: …or by their folder (the Basic/ and Scripts/ folders of OpenDocument macros).
_ACTIVE_FOLDERS = frozenset({"basic", "scripts"})
#: Declared content types of the same.
_ACTIVE_TYPE_MARKERS = ("html", "javascript", "ecmascript", "vbscript", "macroenabled", "vba",
                        "activex", "oleobject", "msdownload", "script", "basic")
#: What an SVG image must not hold.
_ACTIVE_SVG = re.compile(
    rb"<script|<foreignobject|<iframe|<embed|<object|<!entity|<!doctype|javascript:|data:text|"
    rb"&#|\son[a-z]+\s*=", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!(?:doctype|entity)", re.IGNORECASE)
_CONTENT_TYPES = "[Content_Types].xml"
_MANIFEST = "META-INF/manifest.xml"
_RELATIONSHIP_HYPERLINK = "/hyperlink"
#: A path on the author's own disk (file:///C:/…, C:\…): Word records the template a
#: document was made from this way. A web address or a network share (\\server\…,
#: file://server/…) would be fetched when the document is opened.
_LOCAL_PATH = re.compile(r"(?:file:///)?[A-Za-z]:[\\/]")


def _sizes_are_sane(parts: list[zipfile.ZipInfo]) -> bool:
    """From the zip's directory alone, before anything is unpacked."""
    if not parts or len(parts) > MAX_ZIP_PARTS:
        return False
    unpacked = sum(part.file_size for part in parts)
    packed = sum(part.compress_size for part in parts)
    if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_RATIO * max(packed, 1):
        return False
    return all(part.file_size <= RATIO_FLOOR_BYTES
               or part.file_size <= MAX_RATIO * max(part.compress_size, 1) for part in parts)


def _part_is_plain(part: zipfile.ZipInfo) -> bool:
    """Neither encrypted (unreadable) nor packed by a method whose unpacking cannot be
    bounded."""
    return not part.flag_bits & 0x1 and part.compress_type in (zipfile.ZIP_STORED,
                                                               zipfile.ZIP_DEFLATED)


def _name_is_active(name: str) -> bool:
    lowered = name.lower()
    return (lowered.endswith(_ACTIVE_PART_SUFFIXES)
            or any(marker in lowered for marker in _ACTIVE_PART_MARKERS)
            or not _ACTIVE_FOLDERS.isdisjoint(lowered.split("/")[:-1]))


def _read(archive: zipfile.ZipFile, part: zipfile.ZipInfo, limit: int) -> bytes | None:
    """A part's content, or None when it is larger than `limit`."""
    if part.file_size > limit:
        return None
    with archive.open(part) as handle:
        return handle.read(limit + 1)


def _xml(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> ElementTree.Element | None:
    """A small XML part, parsed; None when too large, or with a document type (whose
    entities could expand) or in UTF-16."""
    data = _read(archive, part, MAX_XML_BYTES)
    if data is None or data.startswith((b"\xff\xfe", b"\xfe\xff")) or _DOCTYPE.search(data):
        return None
    return ElementTree.fromstring(data)


def _attributes(root: ElementTree.Element, suffix: str) -> list[str]:
    """The values of every attribute named `suffix` (any namespace) in the tree."""
    return [value for element in root.iter() for name, value in element.attrib.items()
            if name == suffix or name.endswith("}" + suffix)]


def _declared_types(archive: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo],
                    media_type: str) -> list[str] | None:
    """Every content type the document declares ([Content_Types].xml, or the ODT's
    manifest); None when the list is missing or unreadable."""
    name = _CONTENT_TYPES if media_type == DOCX else _MANIFEST
    if name not in parts:
        return None
    root = _xml(archive, parts[name])
    if root is None:
        return None
    return _attributes(root, "ContentType" if media_type == DOCX else "media-type")


def _links_are_inert(archive: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo]) -> bool:
    """A DOCX fetches nothing when opened: only hyperlinks (followed when clicked) may
    point outside it; templates, frames, images or objects only to the author's disk."""
    for name, part in parts.items():
        if not name.endswith(".rels"):
            continue
        root = _xml(archive, part)
        if root is None:
            return False
        for element in root.iter():
            if (element.get("TargetMode", "").lower() == "external"
                    and not element.get("Type", "").endswith(_RELATIONSHIP_HYPERLINK)
                    and not _LOCAL_PATH.match(element.get("Target", ""))):
                return False
    return True


def _images_are_inert(archive: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo]) -> bool:
    for name, part in parts.items():
        if name.lower().endswith(".svg"):
            data = _read(archive, part, MAX_UNPACKED_BYTES)
            if data is None or _ACTIVE_SVG.search(data):
                return False
    return True


def _kind(archive: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo]) -> str | None:
    if "mimetype" in parts:
        data = _read(archive, parts["mimetype"], 100)
        return ODT if data is not None and data.strip() == ODT.encode() else None
    if _CONTENT_TYPES in parts and "word/document.xml" in parts:
        return DOCX
    return None


def office_document_type(content: bytes) -> str | None:
    """ODT or DOCX, when `content` is one that carries no macro, program, script, web
    page or external link and unpacks to a reasonable size; else None. Sizes are read
    from the zip's directory before any part is unpacked, and only small parts are
    (types, manifest, links, SVG images): a bomb is never unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            listed = archive.infolist()
            parts = {part.filename: part for part in listed}
            if (len(parts) != len(listed) or len({name.lower() for name in parts}) != len(parts)
                    or not _sizes_are_sane(listed)
                    or not all(_part_is_plain(part) for part in listed)
                    or any(_name_is_active(name) for name in parts)):
                return None
            media_type = _kind(archive, parts)
            if media_type is None:
                return None
            declared = _declared_types(archive, parts, media_type)
            if declared is None or any(marker in value.lower() for value in declared
                                       for marker in _ACTIVE_TYPE_MARKERS):
                return None
            if not _links_are_inert(archive, parts) or not _images_are_inert(archive, parts):
                return None
            return media_type
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ElementTree.ParseError, zlib.error,
            EOFError, OSError, ValueError, KeyError, NotImplementedError, RuntimeError):
        return None
