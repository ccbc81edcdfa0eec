"""Real reports in: the numbering styles of real reports, headings that are plain titles,
Word documents, the preview before anything is written, on the web and the command line."""
import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml

from consult.extensions import db
from consult.models import AuditEntry, Measure, Orientation, Recommendation, Role
from consult.synthesis.outline import OutlineError, parse_outline, read_outline
from consult.synthesis.outline_files import read_outline_file
from tests.conftest import log_in, post_form

#: A report's outline of the shape of the HCTS report: five headings "Sur …", twelve
#: "Préconisation n°…" numbered through the whole document, some with measures (written
#: for these tests; the mission is fictional).
HEADINGS = Path(__file__).resolve().parents[1] / "data" / "outline_headings.txt"
ITEM = re.compile(r"^(?:Préconisation|Mesure|[a-z]\.)")


def shape(orientations):
    return [[len(r.measures) for r in o.recommendations] for o in orientations]


def as_docx(text: str, *, headings=True) -> bytes:
    """The same text as a Word document: one paragraph per paragraph or item, wrapped
    lines joined, the "Sur …" titles (and the annex) in the Heading 1 style."""
    document = docx.Document()
    paragraphs: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            paragraphs.append("")
        elif ITEM.match(line) or not paragraphs or not paragraphs[-1]:
            paragraphs.append(line.strip())
        else:
            paragraphs[-1] += " " + line.strip()
    for paragraph in filter(None, paragraphs):
        if headings and paragraph.startswith(("Sur ", "Annexe")):
            document.add_heading(paragraph, level=1)
        else:
            document.add_paragraph(paragraph)
    return _saved(document)


def _saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def text():
    return HEADINGS.read_text(encoding="utf-8")


def test_plain_titles_and_numbers_running_through_the_document(text):
    outline = read_outline(text)
    assert [(o.number, o.title) for o in outline.orientations] == [
        (1, "Sur la gouvernance"), (2, "Sur l'accueil au quotidien"),
        (3, "Sur la santé des enfants"), (4, "Sur les professionnels"),
        (5, "Sur l'après dix-huit ans")]
    numbers = [r.number for o in outline.orientations for r in o.recommendations]
    assert numbers == list(range(1, 13))
    assert shape(outline.orientations) == [[0, 2], [0, 0, 3], [0, 0], [3, 0, 0], [0, 2]]
    first = outline.orientations[0]
    assert first.text.startswith("Les responsabilités sont aujourd'hui éclatées")
    assert first.recommendations[1].measures[1].text == (
        "un calendrier partagé des ouvertures et des fermetures.")
    assert outline.orientations[1].recommendations[0].text == (
        "Garantir à chaque enfant une chambre à lui dès l'âge de douze ans.")


def test_lines_not_understood_are_listed_by_line(text):
    outline = read_outline(text)
    line = text.splitlines().index(
        "Plusieurs familles ont dit leur lassitude devant des déménagements répétés.") + 1
    assert outline.skipped == [
        (line, "Plusieurs familles ont dit leur lassitude devant des déménagements répétés.")]
    assert outline.first_line == text.splitlines().index("Sur la gouvernance") + 1
    assert outline.last_line == text.splitlines().index("Annexe : personnes rencontrées")


def test_a_word_document_gives_the_same_tree_as_its_text(text):
    outline, _ = read_outline_file("rapport.docx", as_docx(text))
    assert outline.orientations == read_outline(text).orientations
    assert outline.unit == "Paragraph"
    [(paragraph, words)] = outline.skipped
    assert words.startswith("Plusieurs familles") and paragraph < 30
    # without heading styles, the titles standing alone are still titles
    plain, _ = read_outline_file("rapport.docx", as_docx(text, headings=False))
    assert plain.orientations == outline.orientations


def test_word_list_numbering_and_heading_styles_are_read():
    document = docx.Document()
    document.add_heading("Rapport", level=1)
    document.add_paragraph("Quelques constats.")
    for title, items in (("Sur l'école", ["Ouvrir les cours le samedi.", "Former les aînés."]),
                         ("Sur le sport", ["Prêter le gymnase."])):
        document.add_heading(title, level=2)
        for item in items:
            document.add_paragraph(item, style="List Number")
    outline, _ = read_outline_file("plan.docx", _saved(document))
    assert [(o.title, [r.number for r in o.recommendations]) for o in outline.orientations] == [
        ("Sur l'école", [1, 2]), ("Sur le sport", [3])]
    assert outline.orientations[0].recommendations[1].text == "Former les aînés."


def test_word_numbering_with_words_and_letters_is_written_out_as_word_shows_it():
    """A list whose first level shows "Préconisation n°1 :" and whose second shows "a)"."""
    document = docx.Document()
    namespace = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering = document.part.numbering_part.element
    numbering.append(parse_xml(
        f'<w:abstractNum {namespace} w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        '<w:lvlText w:val="Préconisation n°%1 :"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/>'
        '<w:lvlText w:val="%2)"/></w:lvl></w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {namespace} w:numId="90"><w:abstractNumId w:val="90"/>'
                               '</w:num>'))

    def item(text, level):
        paragraph = document.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {namespace}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))

    document.add_heading("Sur la ville", 1)
    item("Planter des arbres, par :", 0)
    item("dans les cours ;", 1)
    item("le long des rues.", 1)
    item("Ouvrir les parcs la nuit.", 0)
    document.add_heading("Sur les champs", 1)
    item("Aider les fermes.", 0)
    outline, text = read_outline_file("plan.docx", _saved(document))
    assert "Préconisation n°3 : Aider les fermes." in text
    assert [(o.title, [(r.number, [m.text for m in r.measures]) for r in o.recommendations])
            for o in outline.orientations] == [
        ("Sur la ville", [(1, ["dans les cours ;", "le long des rues."]), (2, [])]),
        ("Sur les champs", [(3, [])])]


@pytest.mark.parametrize(("content", "words"), [
    (b"PK\x03\x04" + b"\x00" * 40, "is a zip file but not a Word document (.docx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "old Word document (.doc)"),
    ("Axe 1\n".encode("utf-16"), "not a text file in UTF-8 nor a Word document"),
])
def test_files_that_are_not_outlines_are_refused_clearly(content, words):
    with pytest.raises(OutlineError, match=re.escape(words)):
        read_outline_file("plan.docx", content)


def test_a_zip_without_a_word_document_or_a_damaged_one_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("content.xml", "<office/>")
    with pytest.raises(OutlineError, match="not a Word document"):
        read_outline_file("plan.odt", buffer.getvalue())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("word/document.xml", "<w:document")
        package.writestr("[Content_Types].xml", "nothing")
    with pytest.raises(OutlineError, match="damaged Word document"):
        read_outline_file("plan.docx", buffer.getvalue())


# --- numbering styles ------------------------------------------------------------------

def test_axes_dotted_recommendations_and_lettered_measures():
    outline = parse_outline(
        "Axe 1 : Gouverner\n\nRecommandation 1.1 : Nommer un responsable.\n"
        "Recommandation 1.2 : Publier les places, par :\nMesure a) un tableau ;\n"
        "Mesure b : un calendrier.\n\nAxe 2 — Soigner\n\nRecommandation 2.1 : Un bilan.\n")
    assert [(o.title, [(r.number, r.text) for r in o.recommendations]) for o in outline] == [
        ("Gouverner", [(1, "Nommer un responsable."), (2, "Publier les places, par :")]),
        ("Soigner", [(1, "Un bilan.")])]
    assert [m.text for m in outline[0].recommendations[1].measures] == [
        "un tableau ;", "un calendrier."]


@pytest.mark.parametrize("mark", ["n°3", "n° 3", "N°3", "nº 3", "3"])
def test_the_ways_of_writing_a_number(mark):
    outline = parse_outline(
        "Orientation 1 : A\n\nPréconisation 1 : un.\nPréconisation 2 : deux.\n"
        f"Préconisation {mark} : trois.\n")
    assert [r.text for r in outline[0].recommendations] == ["un.", "deux.", "trois."]


def test_numbers_restarting_or_running_on_give_the_same_tree():
    restarting = parse_outline("1. Axe\n\nTexte.\n\n1. Un.\n2. Deux.\n\n2. Autre axe\n\n"
                               "Texte.\n\n1. Trois.\n")
    running = parse_outline("1. Axe\n\nTexte.\n\n1. Un.\n2. Deux.\n\n2. Autre axe\n\n"
                            "Texte.\n\n3. Trois.\n")
    assert [[r.text for r in o.recommendations] for o in restarting] == \
        [[r.text for r in o.recommendations] for o in running] == [["Un.", "Deux."], ["Trois."]]


@pytest.mark.parametrize("third", ["1", "3"])
def test_markdown_titles_over_numbered_recommendations(third):
    outline = parse_outline(
        "# Rapport de la mission\n\nIntroduction.\n\n## Sur la gouvernance\n\nUn constat.\n\n"
        f"1. Nommer un responsable.\n2. Publier les places.\n\n## Sur la santé\n\n{third}. Un bilan.\n"
        "\n## Conclusion\n\n4. Pas une recommandation.\n")
    assert [(o.title, o.text, [(r.number, r.text) for r in o.recommendations])
            for o in outline] == [
        ("Sur la gouvernance", "Un constat.",
         [(1, "Nommer un responsable."), (2, "Publier les places.")]),
        ("Sur la santé", "", [(int(third), "Un bilan.")])]


def test_a_dotted_number_under_the_wrong_orientation_is_refused():
    with pytest.raises(OutlineError, match="numbered for orientation 2 but stands under "
                                           "orientation 1") as caught:
        parse_outline("Axe 1 : A\n\nRecommandation 1.1 : un.\nRecommandation 2.2 : deux.\n")
    assert caught.value.line == 4


# --- the web page and the command line ------------------------------------------------

@pytest.fixture
def lead(make_consultation, make_user):
    consultation = make_consultation("plan")
    make_user("lead@example.org", roles=((consultation, Role.COMMISSIONER),))
    return consultation


def counts():
    return [db.session.query(model).count() for model in (Orientation, Recommendation, Measure)]


def test_the_preview_writes_nothing_and_confirming_writes_it_all(client, lead, text):
    log_in(client, "lead@example.org")
    page = post_form(client, "/c/plan/synthesis/import",
                     {"file": (io.BytesIO(as_docx(text)), "rapport.docx")},
                     content_type="multipart/form-data")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Sur la santé des enfants" in html and "Prolonger l&#39;accompagnement" in html
    assert "Plusieurs familles ont dit leur lassitude" in html
    assert counts() == [0, 0, 0]
    hidden = re.search(r'name="text" type="hidden" value="([^"]*)"', html)[1]
    response = post_form(client, "/c/plan/synthesis/import/confirm",
                         {"text": hidden.replace("&#39;", "'").replace("&amp;", "&"),
                          "unit": "Paragraph"}, form_page="/c/plan/synthesis/import")
    assert response.status_code == 302
    assert counts() == [5, 12, 10]
    assert db.session.query(AuditEntry).filter_by(action="recommendations.imported").count() == 1
    assert "Sur les professionnels" in client.get("/c/plan/synthesis").get_data(as_text=True)


def test_the_page_refuses_a_bad_file_in_one_sentence(client, lead):
    log_in(client, "lead@example.org")
    editor = client.get("/c/plan/synthesis").get_data(as_text=True)
    assert 'href="/c/plan/synthesis/import"' in editor
    assert 'type="file"' in client.get("/c/plan/synthesis/import").get_data(as_text=True)
    page = post_form(client, "/c/plan/synthesis/import",
                     {"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00"), "plan.png")},
                     content_type="multipart/form-data")
    assert "plan.png is not a text file in UTF-8 nor a Word document" in page.get_data(
        as_text=True)
    assert counts() == [0, 0, 0]


def test_the_command_line_shows_the_tree_and_asks(runner, lead, text, tmp_path):
    path = tmp_path / "rapport.docx"
    path.write_bytes(as_docx(text))
    declined = runner.invoke(args=["consult", "import-recommendations", "plan", str(path)],
                             input="n\n")
    assert declined.exit_code == 0, declined.output
    assert "Orientation 5 — Sur l'après dix-huit ans" in declined.output
    assert "  4.3 Ouvrir" not in declined.output and "  4.1 Revaloriser" in declined.output
    assert re.search(r"Not understood, paragraph \d+: Plusieurs familles", declined.output)
    assert declined.output.rstrip().endswith("Nothing imported.")
    assert counts() == [0, 0, 0]
    accepted = runner.invoke(args=["consult", "import-recommendations", "plan", str(path),
                                   "--yes"])
    assert "Imported as drafts: 5 orientations, 12 recommendations, 10 measures." in \
        accepted.output
    assert counts() == [5, 12, 10]


def test_the_command_line_refuses_a_bad_file_in_one_line(runner, lead, tmp_path):
    path = tmp_path / "plan.docx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    result = runner.invoke(args=["consult", "import-recommendations", "plan", str(path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: Nothing imported: plan.docx is a zip file but not a Word document (.docx)."]
    assert counts() == [0, 0, 0]
