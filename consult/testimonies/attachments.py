"""Attachments: their type is read from their content, and they are stored outside
the web root under random names."""
import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
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


def sniff_media_type(content: bytes) -> str | None:
    """The accepted type this content really is, or None."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"PK\x03\x04"):
        return _zip_document_type(content)
    return None


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
