"""Time the inspection of an uploaded PDF whose pages carry many links, against parsing
every object with pypdf (the first way it was written).

    .venv/bin/python bench/uploads.py --links 1000,25000,100000

For each count, a PDF is built whose catalog and page tree are written plainly and whose
pages (50 links each) and link annotations are packed in one object stream, as some PDF
writers do (a 1 MB report from WeasyPrint with 25,000 links has them all in one). Then,
timed once each:

- inspection: `consult.testimonies.inspection.pdf_is_inert`, as an upload runs it;
- every object: pypdf opens the file and resolves every object of the cross-reference
  table (skipped above 25,000 links: it grows into minutes).
"""
import argparse
import io
import platform
import sys
import time
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: find `consult`

from consult.testimonies.inspection import pdf_is_inert  # noqa: E402
from tests.files import catalog, pdf_with_object_stream  # noqa: E402

LINKS_PER_PAGE = 50


def report_with_links(links: int) -> bytes:
    """A PDF of links / 50 pages, each with 50 links to web pages."""
    pages = max(1, links // LINKS_PER_PAGE)
    first_page = 3  # after the catalog (1) and the page tree (2)
    first_link = first_page + pages
    page_objects = [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [%s] >>" % b" ".join(
            b"%d 0 R" % (first_link + p * LINKS_PER_PAGE + i) for i in range(LINKS_PER_PAGE))
        for p in range(pages)]
    link_objects = [
        b"<< /Type /Annot /Subtype /Link /Rect [10 %d 200 %d] /Border [0 0 0] "
        b"/A << /S /URI /URI (https://example.org/rapport/%d) >> >>" % (i % 800, i % 800 + 9, i)
        for i in range(pages * LINKS_PER_PAGE)]
    tree = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % (first_page + p) for p in range(pages)), pages)
    return pdf_with_object_stream([catalog(), tree], page_objects + link_objects)


def parse_every_object(content: bytes) -> int:
    reader = PdfReader(io.BytesIO(content), strict=False)
    numbers = [n for entries in reader.xref.values() for n in entries]
    numbers += list(reader.xref_objStm)
    for number in numbers:
        reader.get_object(number)
    return len(numbers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", default="1000,25000,100000",
                        help="comma-separated numbers of links")
    args = parser.parse_args()
    print(f"Python {platform.python_version()} on {platform.machine()}")
    print(f"{'links':>8} {'size':>10} {'inspection':>11} {'every object':>13}")
    for links in (int(n) for n in args.links.split(",")):
        content = report_with_links(links)
        start = time.perf_counter()
        assert pdf_is_inert(content)
        inspection = time.perf_counter() - start
        every = "skipped"
        if links <= 25000:
            start = time.perf_counter()
            parse_every_object(content)
            every = f"{time.perf_counter() - start:.2f} s"
        print(f"{links:>8} {len(content):>10,} {inspection:>9.2f} s {every:>13}")


if __name__ == "__main__":
    main()
