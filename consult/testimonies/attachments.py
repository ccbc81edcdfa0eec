"""Attachments: their type is read from their content, and they are stored outside
the web root under random names."""
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, send_file
from werkzeug.datastructures import FileStorage

#: The office documents accepted, by their media type.
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


#: Markers of content a browser could run, refused in an image: an image that is also a
#: web page, a script or another format (a polyglot) is not what it claims to be.
_ACTIVE_MARKERS = (b"<script", b"<html", b"<!doctype html", b"<svg", b"<iframe", b"<object",
                   b"<embed", b"javascript:", b"<?php")
_OTHER_FORMATS = (b"PK\x03\x04", b"%PDF-", b"\x7fELF", b"Rar!", b"7z\xbc\xaf")


def _image_is_inert(content: bytes) -> bool:
    lowered = content.lower()
    return not any(marker in lowered for marker in _ACTIVE_MARKERS) and not any(
        header in content[4:] for header in _OTHER_FORMATS)


def sniff_media_type(content: bytes) -> str | None:
    """The accepted type this content really is, or None (unknown, active or polyglot).
    Documents are inspected through their structure (consult.testimonies.inspection)."""
    if content.startswith((b"%PDF-", b"PK\x03\x04")):
        # pypdf loads with the first document checked, not with the app (docs/benchmarks.md).
        from consult.testimonies import inspection

        if content.startswith(b"%PDF-"):
            return "application/pdf" if inspection.pdf_is_inert(content) else None
        return inspection.office_document_type(content)
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        media_type = "image/png"
    elif content.startswith(b"\xff\xd8\xff"):
        media_type = "image/jpeg"
    else:
        return None
    return media_type if _image_is_inert(content) else None


def read_upload(file: FileStorage, max_bytes: int) -> Upload | str:
    """The checked upload, or the reason it is refused (for the form)."""
    content = file.stream.read(max_bytes + 1)
    name = "".join(c for c in Path(file.filename or "").name if c.isprintable())[:255] or "file"
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
    response = send_file(path, mimetype=media_type, as_attachment=True, download_name=name)
    # Should a browser render it all the same, it runs nothing and loads nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
