"""The language pipelines: which language a text is in, and long texts cut in pieces."""
from consult import nlp


def test_english_and_french_texts_are_told_apart():
    assert nlp.is_english("The waiting list for my son was two years long.")
    assert not nlp.is_english("La liste d'attente pour mon fils était de deux ans.")


def test_long_texts_are_cut_at_spaces_into_pieces_that_cover_them():
    text = "attente " * 40
    parts = list(nlp.pieces(text, 50))
    assert "".join(part for _, part in parts) == text
    assert all(len(part) <= 50 for _, part in parts)
    assert all(text[offset:offset + len(part)] == part for offset, part in parts)
    assert all(part.startswith(" ") for _, part in parts[1:])  # never inside a word


def test_the_lemmas_of_every_text_come_back_under_its_index():
    texts = ["Nous attendions.", "The children waited.", "", "Les logements."]
    assert dict(nlp.lemmas(texts)) == {0: ["nous", "attendre"], 1: ["the", "child", "wait"],
                                      2: [], 3: ["le", "logement"]}
