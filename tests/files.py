"""Files for the upload tests, built here rather than stored: small valid PDFs, DOCX and
ODT documents, and hostile variants of each."""
import io
import struct
import zipfile
import zlib


def pdf(*objects: bytes, root: int = 1) -> bytes:
    """A PDF of `objects` (numbered from 1) with its cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, table)
    return bytes(out)


def catalog(extra: bytes = b"") -> bytes:
    return b"<< /Type /Catalog /Pages 2 0 R " + extra + b" >>"


PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"


def page(extra: bytes = b"") -> bytes:
    return b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " + extra + b" >>"


#: A one-page PDF with nothing active.
PDF = pdf(catalog(), PAGES, page())


def pdf_with_object_stream(plain: list[bytes], packed: list[bytes]) -> bytes:
    """A PDF 1.5 whose `plain` objects (numbered from 1) are written as they are and whose
    `packed` objects (numbered after them) are compressed in an object stream, found
    through a cross-reference stream — as most office suites write PDFs today."""
    first_packed = len(plain) + 1
    header = b" ".join(b"%d %d" % pair for pair in _offsets(first_packed, packed)) + b" "
    stream = zlib.compress(header + b"".join(packed))
    stream_number, xref_number = first_packed + len(packed), first_packed + len(packed) + 1
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in enumerate(plain, start=1):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    offsets[stream_number] = len(out)
    out += (b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\n"
            b"stream\n" % (stream_number, len(packed), len(header), len(stream))
            + stream + b"\nendstream\nendobj\n")
    offsets[xref_number] = len(out)
    rows = [struct.pack(">BLL", 0, 0, 65535)]
    rows += [struct.pack(">BLL", 1, offsets[n], 0) for n in range(1, first_packed)]
    rows += [struct.pack(">BLL", 2, stream_number, i) for i in range(len(packed))]
    rows += [struct.pack(">BLL", 1, offsets[n], 0) for n in (stream_number, xref_number)]
    table = b"".join(rows)
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 4] /Root 1 0 R /Length %d >>\n"
            b"stream\n" % (xref_number, xref_number + 1, len(table))
            + table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[xref_number])
    return bytes(out)


def _offsets(first: int, bodies: list[bytes]) -> list[tuple[int, int]]:
    pairs, position = [], 0
    for number, body in enumerate(bodies, start=first):
        pairs.append((number, position))
        position += len(body)
    return pairs


def zip_of(parts: dict[str, bytes]) -> bytes:
    """A zip of `parts`, compressed as office suites do (the ODT's mimetype stored)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=method)
    return buffer.getvalue()


WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def content_types(*declarations: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{WORD_MAIN}"/>'
            + "".join(declarations) + "</Types>").encode()


def relationships(*links: tuple[str, str, str]) -> bytes:
    """A .rels part of (type, target, mode) links."""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{_RELATIONSHIPS}/{kind}" Target="{target}"'
                      + (f' TargetMode="{mode}"' if mode else "") + "/>"
                      for i, (kind, target, mode) in enumerate(links, start=1))
            + "</Relationships>").encode()


WORD_TEXT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
             '<w:body><w:p><w:r><w:t>Mémoire du comité de quartier.</w:t></w:r></w:p>'
             '</w:body></w:document>').encode()


def docx_parts() -> dict[str, bytes]:
    """The parts of a small DOCX with one paragraph and a link to a web page."""
    return {
        "[Content_Types].xml": content_types(),
        "_rels/.rels": relationships(("officeDocument", "word/document.xml", "")),
        "word/document.xml": WORD_TEXT,
        "word/_rels/document.xml.rels": relationships(
            ("hyperlink", "https://example.org/rapport", "External")),
    }


DOCX = zip_of(docx_parts())

ODT_MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?>'
                '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                'manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
                '<manifest:file-entry manifest:full-path="content.xml" '
                'manifest:media-type="text/xml"/>{}</manifest:manifest>')


def odt_parts(entries: str = "") -> dict[str, bytes]:
    """The parts of a small ODT; `entries` are added to its manifest."""
    return {
        "mimetype": b"application/vnd.oasis.opendocument.text",
        "META-INF/manifest.xml": ODT_MANIFEST.format(entries).encode(),
        "content.xml": b'<office:document-content xmlns:office="urn:oasis:names:tc:'
                       b'opendocument:xmlns:office:1.0" office:version="1.2"/>',
    }


ODT = zip_of(odt_parts())

#: CRC-32 of 2 GiB of zero bytes (computed once; working it out takes a second).
_CRC_OF_2_GIB_OF_ZEROS = 0x4DBDF21C


def docx_bomb() -> bytes:
    """A 2 MB DOCX whose document part unpacks to 2 GiB of zeros: 2,048 copies of one
    deflated mebibyte, each ending on a full flush so that they can follow each other.
    The zip is written by hand so the test never unpacks it."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    one_mebibyte = compressor.compress(bytes(1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    bomb = one_mebibyte * 2048 + compressor.flush(zlib.Z_FINISH)
    parts = [(name, content, None) for name, content in docx_parts().items()
             if name != "word/document.xml"]
    parts.append(("word/document.xml", bomb, (2 << 30, _CRC_OF_2_GIB_OF_ZEROS)))
    return _handmade_zip(parts)


def _handmade_zip(parts: list[tuple[str, bytes, tuple[int, int] | None]]) -> bytes:
    """A deflated zip of (name, content, None) parts, or of (name, deflated data,
    (unpacked size, CRC-32)) parts given already deflated."""
    out, directory = bytearray(), bytearray()
    date = (2026 - 1980) << 9 | 1 << 5 | 1
    for name, content, packed in parts:
        if packed is None:
            compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
            data = compressor.compress(content) + compressor.flush()
            size, crc = len(content), zlib.crc32(content)
        else:
            data, (size, crc) = content, packed
        encoded = name.encode()
        directory += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, date, crc,
                                 len(data), size, len(encoded), 0, 0, 0, 0, 0, len(out)) + encoded
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, date, crc, len(data), size,
                           len(encoded), 0) + encoded + data
    out += directory + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(parts), len(parts),
                                   len(directory), len(out), 0)
    return bytes(out)
