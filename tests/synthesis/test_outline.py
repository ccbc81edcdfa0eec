"""The outline parser on small synthetic outlines, malformed input, and a whole report."""
from pathlib import Path

import pytest

from consult.synthesis.outline import OutlineError, parse_outline

#: A commissioners' report as a PDF's text comes out: introduction and summary list, page
#: breaks (a leading space), a footer, blank lines inside items, a closing word and
#: signatures (written for these tests; the consultation is fictional).
REPORT = Path(__file__).resolve().parents[1] / "data" / "outline_report.txt"


def shape(orientations):
    """Measures per recommendation, orientation by orientation."""
    return [[len(r.measures) for r in o.recommendations] for o in orientations]


# --- a whole report ----------------------------------------------------------------

@pytest.fixture(scope="module")
def report():
    return parse_outline(REPORT.read_text(encoding="utf-8"))


def test_report_has_five_orientations_with_titles(report):
    assert [o.number for o in report] == [1, 2, 3, 4, 5]
    assert [o.title for o in report] == [
        "Reconnaître l’aide à domicile comme un service public essentiel",
        "Améliorer les conditions de travail des aides à domicile",
        "Rapprocher les décisions des territoires et des familles",
        "Former et outiller les équipes d’aide à domicile",
        "Faire vivre la parole des personnes aidées",
    ]


def test_report_counts_counted_by_hand(report):
    # Counted by reading the document: recommendations per orientation, measures per recommendation.
    assert [len(o.recommendations) for o in report] == [4, 3, 3, 5, 2]
    assert shape(report) == [
        [2, 3, 2, 3],
        [2, 6, 2],
        [2, 3, 4],
        [6, 3, 3, 4, 2],
        [1, 4],
    ]
    assert sum(len(r.measures) for o in report for r in o.recommendations) == 52


def test_report_texts(report):
    first = report[0]
    assert first.text.startswith("Nous avons entendu partout la même demande")
    assert first.text.endswith("nous recommandons de :")
    assert first.text.count("\n\n") == 2  # three paragraphs
    assert report[1].text.endswith("nous recommandons de\u00a0:")  # a no-break space
    rec = first.recommendations[0]
    assert rec.text.startswith("Affirmer publiquement la place de l’aide à domicile")
    assert rec.text.endswith("au même titre que les soins, par :")
    assert rec.measures[0].text == (
        "La présentation de l’aide à domicile comme un droit, accessible à toute personne "
        "qui en a besoin, quel que soit son revenu ou le lieu où elle habite, dès la "
        "première demande."
    )
    # a page break (leading space) before "b." and a blank line inside measure 1.4.a
    assert first.recommendations[1].measures[1].text.startswith("La publication, chaque année")
    assert first.recommendations[3].measures[0].text.endswith(
        "afin d’y inscrire le repérage des fragilités, la prévention des chutes et la lutte "
        "contre l’isolement comme des missions à part entière, financées et évaluées comme "
        "telles, au même titre que l’aide aux gestes de la vie quotidienne."
    )
    # blank lines inside measures right after their letter (4.1.a, 4.2.b)
    assert report[3].recommendations[0].measures[0].text == (
        "Une place plus grande faite à la relation, à l’écoute et à la communication avec "
        "la personne aidée et son entourage.")
    assert report[3].recommendations[1].measures[1].text.endswith("frais de déplacement.")


def test_report_inline_numbers_footer_and_conclusion_are_not_items(report):
    measure = report[2].recommendations[0].measures[0]
    assert "1) les conseils d’administration" in measure.text
    assert "; 4) les groupes de travail" in measure.text  # a line starting with "4)"
    assert measure.text.endswith("4) les groupes de travail qui préparent les schémas "
                                 "départementaux.")
    last_of_3 = report[2].recommendations[2].measures[3]
    assert last_of_3.text.endswith("ne venant qu’en complément quand la personne le souhaite.")
    assert "Constats et recommandations" not in report[3].text
    assert report[3].text.startswith("Beaucoup d’aides à domicile commencent leur métier")
    last = report[4].recommendations[1].measures[3]
    assert last.letter == "d"
    assert last.text.endswith("et suivre leur mise en œuvre année après année.")
    assert all("commissaire" not in m.text and "remercions" not in m.text
               for r in report[4].recommendations for m in r.measures)


# --- synthetic outlines ------------------------------------------------------------

PLAIN_FR = """\
Introduction sans importance.

1. Premier axe
2. Second axe

1. Premier axe

Un paragraphe de
présentation.

Un second paragraphe.

1. Reconnaître le travail
social, par :
a. La première mesure
sur deux lignes.
b. La seconde mesure.
2. Agir sans mesure.

2. Second axe

Texte.

1. Seule recommandation, par :
   a. mesure indentée,
      continuée.
"""


def test_plain_french_with_summary_and_repeated_numbering():
    outline = parse_outline(PLAIN_FR)
    assert [(o.number, o.title) for o in outline] == [(1, "Premier axe"), (2, "Second axe")]
    assert outline[0].text == "Un paragraphe de présentation.\n\nUn second paragraphe."
    assert shape(outline) == [[2, 0], [1]]
    rec = outline[0].recommendations[0]
    assert rec.text == "Reconnaître le travail social, par :"
    assert [(m.letter, m.text) for m in rec.measures] == [
        ("a", "La première mesure sur deux lignes."), ("b", "La seconde mesure."),
    ]
    assert outline[0].recommendations[1].text == "Agir sans mesure."
    assert outline[1].recommendations[0].measures[0].text == "mesure indentée, continuée."


MARKDOWN_EN = """\
# Report

Some findings. 1. This is not an item.

## 1. Affirm the role of social work

Why it matters.

- 1. Recognise social work, through:
    - a. better funding;
    - b. well-
      known practices.
- 2. Promote prevention.

## 2. Value practitioners

1. Reduce paperwork.

## Conclusion

3. Not a recommendation.
"""


def test_markdown_english_headings_bullets_and_final_section():
    outline = parse_outline(MARKDOWN_EN)
    assert [(o.number, o.title, o.text) for o in outline] == [
        (1, "Affirm the role of social work", "Why it matters."),
        (2, "Value practitioners", ""),
    ]
    assert shape(outline) == [[2, 0], [0]]
    measures = outline[0].recommendations[0].measures
    assert [m.text for m in measures] == ["better funding;", "well-known practices."]
    assert outline[1].recommendations[0].text == "Reduce paperwork."


EXPLICIT_FR = """\
ORIENTATION 1 —
Affirmer le rôle
du travail social

Orientation 2 : Revaloriser

Recommandation 1 : Reconnaître l’autonomie, par :
a. des conditions d’exercice.
Recommandation 2 : Créer des conditions.
3. Ce n’est pas une orientation
   ni un titre.
"""


def test_explicit_headings_and_title_on_next_line():
    outline = parse_outline(EXPLICIT_FR)
    assert [(o.number, o.title) for o in outline] == [
        (1, "Affirmer le rôle du travail social"), (2, "Revaloriser"),
    ]
    assert shape(outline) == [[], [1, 0, 0]]
    assert outline[1].recommendations[2].text == "Ce n’est pas une orientation ni un titre."


def test_commentary_after_a_recommendation_is_dropped_and_page_footer_skipped():
    text = (
        "1. Axis\n\nIntro.\n\n1. Do this, by:\na. doing it well.\n"
        "Report title / Findings • 12\n"
        " Closing remarks on the axis.\n\n2. Next axis\n\nText.\n"
    )
    outline = parse_outline(text)
    assert [o.title for o in outline] == ["Axis", "Next axis"]
    assert outline[0].recommendations[0].measures[0].text == "doing it well."


def test_page_break_inside_a_sentence_continues_the_item():
    text = "1. Axis\n\nIntro.\n\n1. Do this, by:\na. funding the\n\n Community sector.\n"
    outline = parse_outline(text)
    assert outline[0].recommendations[0].measures[0].text == "funding the Community sector."


def test_last_recommendation_followed_by_prose_is_not_an_orientation():
    text = "1. Axis\n\nIntro.\n\n1. First.\n2. Second.\n\nA remark.\n\n2. Next axis\n\nText.\n"
    outline = parse_outline(text)
    assert [o.title for o in outline] == ["Axis", "Next axis"]
    assert [r.text for r in outline[0].recommendations] == ["First.", "Second."]


def test_parenthesised_recommendations_and_measures():
    text = "Orientation 1 : Axis\n\n1) Fund, by:\n  a) more staff in\n  regions and 3) cities.\n2) Train.\n"
    outline = parse_outline(text)
    assert shape(outline) == [[1, 0]]
    rec = outline[0].recommendations[0]
    assert rec.measures[0].text == "more staff in regions and 3) cities."


def test_a_number_in_another_marker_style_inside_a_measure_is_wrapped_text():
    text = "1. Axis\n\nIntro.\n\n1. Give a place, by:\na. in 1) boards;\n2) training.\nb. Next.\n"
    outline = parse_outline(text)
    assert shape(outline) == [[2]]
    assert outline[0].recommendations[0].measures[0].text == "in 1) boards; 2) training."


# --- malformed input ----------------------------------------------------------------

@pytest.mark.parametrize(("text", "line", "words"), [
    ("1. Axis\n\nIntro.\n\na. A measure too early.\n", 5, "before any recommendation"),
    ("1. Axis\n\nIntro.\n\n1. First.\n3. Third.\n", 6, "skips a number; expected recommendation 2"),
    ("1. Axis\n\nIntro.\n\n1. First.\n2. Second.\n2. Again.\n", 7, "goes backwards; expected recommendation 3"),
    ("1. Axis\n\nIntro.\n\n1. First, by:\na. one\nc. three\n", 7, "skips a letter; expected measure “b”"),
    ("1. Axis\n\nIntro.\n\n1. First, by:\na. one\nb. two\na. one again\n", 8, "goes backwards"),
    ("Orientation 1 : A\n\nOrientation 3 : C\n", 3, "skips a number; expected orientation 2"),
    ("Orientation 1 : A\nOrientation 2 : B\nOrientation 2 : B again\n", 3, "goes backwards"),
    ("## 1. A\n\n## 3. C\n", 3, "expected orientation 2"),
    ("Orientation 2 : B\n", 1, "expected orientation 1"),
])
def test_malformed_outline_names_the_line(text, line, words):
    with pytest.raises(OutlineError) as caught:
        parse_outline(text)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"Line {line}: ")
    assert words in str(caught.value)


def test_text_without_orientation_is_refused():
    with pytest.raises(OutlineError, match="no orientation found"):
        parse_outline("Just prose.\n\nMore prose.\n")
    with pytest.raises(OutlineError, match="no orientation found"):
        parse_outline("")
