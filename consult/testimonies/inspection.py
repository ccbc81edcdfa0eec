"""What is inside an attachment, read from its structure: the objects of a PDF (names
decoded, compressed object streams opened) and the parts of an office document (names,
declared types, links, sizes). A scan of the raw bytes sees neither a `#`-escaped name
nor a compressed part. See docs/security.md, "Uploads"."""
import io
import re
import zipfile
import zlib
from xml.etree import ElementTree

from pypdf import PdfReader, apply_configuration
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

#: What a document may unpack to, in all (PDF object streams, or the parts of a zip),
#: and how much bigger than it is packed: beyond either, it is refused unread.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 100
#: A part above this size must itself stay within MAX_RATIO.
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_ZIP_PARTS = 5000
#: How many PDF dictionaries and arrays are walked before giving up.
MAX_PDF_OBJECTS = 500_000
#: The XML parts read to check an office document (types, manifest, links) are small.
MAX_XML_BYTES = 1024 * 1024

# --- PDF -------------------------------------------------------------------------------

#: Names of what a PDF reader runs, opens or fetches by itself: scripts, programs,
#: embedded files, other documents, forms that send data, additional actions.
ACTIVE_PDF_NAMES = frozenset({
    "/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/FileAttachment",
    "/RichMedia", "/XFA", "/GoToE", "/GoToR", "/ImportData", "/SubmitForm", "/AA",
    "/Movie", "/Sound", "/Rendition",
})
#: Where a link may lead.
SAFE_URI_SCHEMES = ("http://", "https://", "mailto:")
_PDF_DELIMITERS = rb"[\x00\t\n\f\r ()<>\[\]{}/%]"


def _escaped_name(name: str) -> bytes:
    """A pattern matching `name` with any of its characters written as #xx."""
    pieces = []
    for char in name:
        code = f"{ord(char):02X}"
        hex_pattern = "".join(f"[{d.lower()}{d}]" if d.isalpha() else d for d in code)
        pieces.append(f"(?:{re.escape(char)}|#{hex_pattern})")
    return "".join(pieces).encode()


#: The longer active names, however escaped, anywhere in the bytes: this sees objects
#: that the parser skipped (outside the cross-reference table, a repeated key, a damaged
#: dictionary) and that another reader might still find. Short names (/JS, /AA) would
#: turn up by chance in compressed data, so only the object walk looks for them.
_ACTIVE_NAME_TOKEN = re.compile(
    rb"/(?:" + b"|".join(_escaped_name(name[1:]) for name in sorted(ACTIVE_PDF_NAMES)
                         if len(name) > 4) + rb")(?=" + _PDF_DELIMITERS + rb"|\Z)")


def _action_is_inert(action) -> bool:
    """An /OpenAction may only show a place in the document."""
    if isinstance(action, ArrayObject):
        return True
    return isinstance(action, DictionaryObject) and action.get("/S") == "/GoTo"


def _uri_is_inert(uri) -> bool:
    if isinstance(uri, bytes):
        uri = uri.decode("latin-1")
    return isinstance(uri, str) and uri.strip().lower().startswith(SAFE_URI_SCHEMES)


def _dictionary_is_inert(dictionary: DictionaryObject) -> bool:
    if any(key in ACTIVE_PDF_NAMES for key in dictionary):
        return False
    if "/OpenAction" in dictionary and not _action_is_inert(dictionary["/OpenAction"]):
        return False
    return "/URI" not in dictionary or _uri_is_inert(dictionary["/URI"])


def _objects_are_inert(reader: PdfReader) -> bool:
    """Walk every object of the cross-reference table and everything reachable from the
    trailer, references resolved once each."""
    unpacked = 0
    for stream_number in {number for number, _index in reader.xref_objStm.values()}:
        data = reader.get_object(stream_number).get_data()
        unpacked += len(data)
        if unpacked > MAX_UNPACKED_BYTES or _ACTIVE_NAME_TOKEN.search(data):
            return False
    if not isinstance(reader.trailer.get("/Root"), IndirectObject | DictionaryObject):
        return False
    pending: list = [reader.trailer]
    pending += [IndirectObject(number, generation, reader)
                for generation, numbers in reader.xref.items() for number in numbers]
    pending += [IndirectObject(number, 0, reader) for number in reader.xref_objStm]
    resolved, walked = set(), 0
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in resolved:
                continue
            resolved.add((item.idnum, item.generation))
            item = item.get_object()
        if isinstance(item, DictionaryObject | ArrayObject):
            walked += 1
            if walked > MAX_PDF_OBJECTS:
                return False
        if isinstance(item, DictionaryObject):  # streams too: their dictionary
            if not _dictionary_is_inert(item):
                return False
            pending.extend(item.values())
        elif isinstance(item, ArrayObject):
            pending.extend(item)
        elif isinstance(item, NameObject) and item in ACTIVE_PDF_NAMES:
            return False
    return True


def pdf_is_inert(content: bytes) -> bool:
    """Whether a PDF can be opened without running, opening or fetching anything: no
    script, launch, embedded file, form submission or additional action, an opening
    action that only goes to a page, and links to web or mail addresses only. A PDF that
    cannot be read through (damaged beyond repair, encrypted with a password) is not."""
    if _ACTIVE_NAME_TOKEN.search(content):
        return False
    try:
        with apply_configuration(zlib_maximum_output_length=MAX_UNPACKED_BYTES):
            reader = PdfReader(io.BytesIO(content), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                return False
            return _objects_are_inert(reader)
    except Exception:  # noqa: BLE001 — pypdf fails in many ways on a malformed file
        return False


# --- Office documents (zip) ------------------------------------------------------------

ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

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
    point outside it, not templates, frames, images or objects."""
    for name, part in parts.items():
        if not name.endswith(".rels"):
            continue
        root = _xml(archive, part)
        if root is None:
            return False
        for element in root.iter():
            if (element.get("TargetMode", "").lower() == "external"
                    and not element.get("Type", "").endswith(_RELATIONSHIP_HYPERLINK)):
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
