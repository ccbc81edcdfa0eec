"""Attachments: their type is read from their content, and they are stored outside
the web root under random names."""
import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, send_file
from werkzeug.datastructures import FileStorage

ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: Accepted types and the extension each is given when downloaded.
ACCEPTED = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    ODT: ".odt",
    DOCX: ".docx",
}


@dataclass
class Upload:
    """A checked file, read into memory, not yet written to disk."""

    original_name: str
    media_type: str
    content: bytes


def _zip_document_type(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                if archive.read("mimetype").strip() == ODT.encode():
                    return ODT
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DOCX
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return None
    return None


#: Markers of content a browser or reader could run, refused in any file: a file that is
#: also a web page, a script or an archive (a polyglot) is not what it claims to be.
_ACTIVE_MARKERS = (b"<script", b"<html", b"<!doctype html", b"<svg", b"<iframe", b"<object",
                   b"<embed", b"javascript:", b"<?php")
_PDF_ACTIONS = (b"/javascript", b"/js ", b"/js(", b"/js<", b"/launch", b"/embeddedfile",
                b"/richmedia", b"/xfa")
_OTHER_FORMATS = (b"PK\x03\x04", b"%PDF-", b"\x7fELF", b"Rar!", b"7z\xbc\xaf")
#: Document parts that carry macros, and extensions of embedded programs.
_MACRO_PARTS = ("vbaproject.bin", "basic/", "scripts/", "activex")
_PROGRAMS = (".exe", ".dll", ".js", ".vbs", ".bat", ".cmd", ".ps1", ".jar", ".sh")


def _looks_active(content: bytes, media_type: str) -> bool:
    lowered = content.lower()
    if any(marker in lowered for marker in _ACTIVE_MARKERS):
        return True
    if media_type == "application/pdf":
        return any(action in lowered for action in _PDF_ACTIONS)
    if media_type in ("image/png", "image/jpeg"):
        return any(header in content[4:] for header in _OTHER_FORMATS)
    return False


def _has_macros(content: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = [name.lower() for name in archive.namelist()]
    return any(part in name for name in names for part in _MACRO_PARTS) or any(
        name.endswith(_PROGRAMS) for name in names
    )


def sniff_media_type(content: bytes) -> str | None:
    """The accepted type this content really is, or None (unknown, active or polyglot)."""
    if content.startswith(b"%PDF-"):
        media_type = "application/pdf"
    elif content.startswith(b"\x89PNG\r\n\x1a\n"):
        media_type = "image/png"
    elif content.startswith(b"\xff\xd8\xff"):
        media_type = "image/jpeg"
    elif content.startswith(b"PK\x03\x04"):
        media_type = _zip_document_type(content)
        if media_type is None or _has_macros(content):
            return None
    else:
        return None
    return None if _looks_active(content, media_type) else media_type


def read_upload(file: FileStorage, max_bytes: int) -> Upload | str:
    """The checked upload, or the reason it is refused (for the form)."""
    content = file.stream.read(max_bytes + 1)
    name = Path(file.filename or "").name[:255] or "file"
    if len(content) > max_bytes:
        return "too_large"
    if not content:
        return "empty"
    media_type = sniff_media_type(content)
    if media_type is None:
        return "bad_type"
    return Upload(original_name=name, media_type=media_type, content=content)


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_file(content: bytes) -> str:
    """Write `content` under a fresh random name and return that name."""
    stored_name = secrets.token_hex(16)
    with open(upload_dir() / stored_name, "xb") as handle:
        handle.write(content)
    return stored_name


def remove_files(stored_names: list[str]) -> None:
    for stored_name in stored_names:
        (upload_dir() / stored_name).unlink(missing_ok=True)


def stored_path(stored_name: str) -> Path:
    return upload_dir() / stored_name


def send_stored(stored_name: str, original_name: str, media_type: str):
    """A stored file as a download under its original name, which is given the extension
    of its checked type when it lacks it (so it never opens as something else); 404 when
    the file is gone."""
    path = stored_path(stored_name)
    if not path.is_file():
        abort(404)
    name = original_name
    if not name.lower().endswith(ACCEPTED[media_type]):
        name += ACCEPTED[media_type]
    return send_file(path, mimetype=media_type, as_attachment=True, download_name=name)
