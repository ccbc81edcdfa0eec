"""The printable testimony form: a PDF with large type, in French and in English, with
the consultation's themes and categories to tick and the consent text."""
import io

import pytest
from flask_babel import force_locale, gettext
from pypdf import PdfReader

from consult.extensions import db
from consult.models import ParticipantCategory

#: The consent text of the form (templates/paper/form_pdf.html).
CONSENT = ("I agree that the commissioners of this consultation read my testimony and use it "
           "in their analysis and their report. A moderator reads it before it is published "
           "and may mask what could identify someone. If I chose “confidential”, it is never "
           "published. I can ask the organisation that collected it to withdraw it at any time.")


def in_language(language: str, *msgids: str) -> list[str]:
    """The texts as the form prints them in `language` (from the translation catalogue)."""
    with force_locale(language):
        return [" ".join(gettext(msgid).split()) for msgid in msgids]


def _text(response) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(response.get_data()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, " ".join(text.split())


def _fonts(reader: PdfReader) -> tuple[set, set]:
    """The names of the fonts the pages use: embedded, and not embedded."""
    embedded, missing = set(), set()
    for page in reader.pages:
        page_embedded, page_missing = page._get_fonts()
        embedded |= page_embedded
        missing |= page_missing
    return embedded, missing


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_form_has_every_theme_and_category_and_the_consent(app, client, make_consultation,
                                                                language):
    consultation = make_consultation("papier")
    consultation.categories.append(ParticipantCategory(name="Proche aidant·e", position=5))
    db.session.commit()
    response = client.get(f"/c/papier/paper-form.pdf?language={language}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader, text = _text(response)
    assert len(reader.pages) >= 1
    assert consultation.title in text
    for name in [t.name for t in consultation.themes] + [c.name for c in consultation.categories]:
        assert name in text, name
    with app.test_request_context():
        expected = in_language(language, CONSENT, "Testimony form", "Form number",
                               "Your consent", "Signature", "Date", "Public, without a name",
                               "Confidential: read by the commissioners only, never published",
                               "Where to send it")
    for words in expected:
        assert words in text, words
    embedded, missing = _fonts(reader)
    assert embedded and not missing


def test_french_is_the_default(client, make_consultation):
    make_consultation("papier")
    _reader, french = _text(client.get("/c/papier/paper-form.pdf?language=fr"))
    _reader, default = _text(client.get("/c/papier/paper-form.pdf"))
    _reader, unknown = _text(client.get("/c/papier/paper-form.pdf?language=xx"))
    assert default == french == unknown


def test_the_type_is_large(client, make_consultation):
    make_consultation("papier")
    sizes = []
    reader = PdfReader(io.BytesIO(client.get("/c/papier/paper-form.pdf").get_data()))

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            sizes.append(round(font_size * tm[0], 1))

    reader.pages[0].extract_text(visitor_text=visit)
    assert sizes and min(sizes) >= 11  # page numbers and hints; the body is larger
    assert sorted(sizes)[len(sizes) // 2] >= 14


def test_a_draft_consultation_has_no_public_form(client, make_consultation):
    make_consultation("brouillon", phase="draft")
    assert client.get("/c/brouillon/paper-form.pdf").status_code == 404
    assert client.get("/c/nowhere/paper-form.pdf").status_code == 404
