"""Text analysis of a consultation's testimonies: topics, near-duplicates, similar testimonies.

Pure computation: takes ``(id, text)`` pairs, returns an :class:`Analysis`; no Flask,
no database. Deterministic: the same documents (in any order) and the same ``seed``
give the same result, run after run.

How it works, in four phases (timed in ``Analysis.timings``):

1. **vectorise**: texts are normalised (lower case, accents folded, spaces collapsed),
   and exact copies of the same normalised text are collapsed by hashing. The unique
   texts, as written, go through the language pipelines of :mod:`consult.nlp` (spaCy's
   ``fr_core_news_sm`` for French, the lookup lemmatiser for English): each word becomes
   its lemma (*attendu*, *attends* -> *attendre*), and the families of
   ``consult/data/lemma_families.txt`` join their head (*attendre* -> *attente*). Terms
   are those lemmas, accents folded, minus the French and English stop words shipped in
   ``consult/data``; a topic label shows each term as it is most often written (*délai*,
   not *delai*). Terms are weighted by TF-IDF (sublinear tf, ``min_df``, ``max_df``,
   L2-normalised rows). This is ``CountVectorizer`` + ``TfidfTransformer``, which is
   what ``TfidfVectorizer`` does. The weights are then reduced by ``TruncatedSVD`` (LSA).
   ``lemmatise=False`` skips the pipelines and takes the folded words as they are (the
   benchmark's comparison).
2. **duplicates**: a form letter is read as the set of its word pairs (every word,
   stop words included, no weighting by the corpus: a letter sent 200 times must not
   lose its words for being frequent, nor be told apart by the rare words of its
   signature). Candidate pairs come from MinHash signatures of those sets cut in
   ``BANDS`` bands (locality-sensitive hashing: texts sharing one band's values fall in
   one bucket, each member paired with the bucket's first). A candidate pair whose
   signatures agree too rarely is dropped (``ESTIMATE_MARGIN``); the others are
   verified by the exact Jaccard similarity of the two sets: pairs at or above
   ``DUPLICATE_THRESHOLD`` are the same letter with small edits. Groups are the
   connected components of those pairs (a union over every verified pair, so copies
   never split by the order they were met in), plus the exact copies. The similar
   testimonies' candidates are each unique text's ``CANDIDATES`` nearest neighbours in
   LSA space, found by dense products on blocks of rows (never an n×n matrix),
   re-scored by the exact TF-IDF cosine.
3. **cluster**: one representative per duplicate group (its lowest id) is clustered,
   together with every other testimony, by ``KMeans`` with a fixed ``random_state`` on
   the LSA vectors. The copies join their representative's topic. Without ``topics``,
   the number of topics is the k in 4..12 with the best cosine silhouette on a fixed
   sample of at most ``SILHOUETTE_SAMPLE`` representatives (ties go to the smaller k).
4. **similar**: built from the candidate lists of phase 2, best exact cosine first. A
   testimony's own duplicates are left out, and each other duplicate group appears once,
   as its representative. A copy of a letter gets its representative's list.
"""
from __future__ import annotations

import hashlib
import re
import time
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from consult import nlp

DATA = Path(__file__).resolve().parent.parent / "data"

TOP_TERMS = 10
REPRESENTATIVES = 3
SIMILAR = 5
#: Jaccard similarity of the word pairs at or above which two texts are the same letter
#: with small edits (two texts sharing two of three sentences stay below it).
DUPLICATE_THRESHOLD = 0.7
#: MinHash signature of a text: BANDS bands of ROWS values each. With 16 × 4, a pair at
#: the threshold is a candidate with probability 0.99, at 0.8 with 0.9999.
BANDS, ROWS = 16, 4
#: Pairs whose MinHash estimate is this far below the threshold are not verified (the
#: estimate's standard deviation with 64 values is at most 0.0625).
ESTIMATE_MARGIN = 0.2
_WORD = re.compile(r"\w+")
#: Neighbours kept per unique text in the similarity pass (duplicates and similar).
CANDIDATES = 32
MIN_TOPICS, MAX_TOPICS = 4, 12
SILHOUETTE_SAMPLE = 3000
SVD_COMPONENTS = 100
#: Float32 cells of one block of the similarity pass (64 MB).
BLOCK_CELLS = 16_000_000

_SPACES = re.compile(r"\s+")
#: Combining marks (accents once decomposed by NFKD), deleted by str.translate.
_COMBINING = dict.fromkeys(c for c in range(0x20000) if unicodedata.combining(chr(c)))
_TOKEN = re.compile(r"(?u)\b[^\W\d_]{2,}\b")  # words of two letters or more, no digits


@dataclass(frozen=True)
class Topic:
    number: int
    top_terms: list[str]
    testimony_ids: list[int]
    representative_ids: list[int]


@dataclass
class Analysis:
    topics: list[Topic] = field(default_factory=list)
    duplicate_groups: list[list[int]] = field(default_factory=list)
    similar: dict[int, list[tuple[int, float]]] = field(default_factory=dict)
    #: Wall time per phase in seconds (not part of the result proper; excluded from ==).
    timings: dict[str, float] = field(default_factory=dict, compare=False)


def fold(text: str) -> str:
    """Lower-case ``text``, fold its accents and collapse its white space."""
    stripped = unicodedata.normalize("NFKD", text.lower()).translate(_COMBINING)
    return _SPACES.sub(" ", stripped).strip()


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """French and English stop words, accents folded."""
    words: set[str] = set()
    for name in ("stopwords_fr.txt", "stopwords_en.txt"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                words.add(fold(line))
    return frozenset(words)


@lru_cache(maxsize=1)
def lemma_families() -> dict[str, str]:
    """Each folded lemma of consult/data/lemma_families.txt and the head it joins."""
    heads: dict[str, str] = {}
    for line in (DATA / "lemma_families.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            head, members = line.split(":", 1)
            for member in members.split():
                heads[fold(member)] = head.strip()
    return heads


def analyse(documents: list[tuple[int, str]], *, topics: int | None = None, seed: int = 0,
            lemmatise: bool = True) -> Analysis:
    """Group testimonies by topic, find near-duplicates and each one's similar testimonies."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    docs = sorted(documents)  # the input order must not matter
    ids = np.array([doc_id for doc_id, _ in docs], dtype=np.int64)
    if len(docs) == 0:
        return Analysis(timings=timings)

    # 1. vectorise the unique normalised texts
    unique_of: dict[bytes, int] = {}
    doc_unique = np.empty(len(docs), dtype=np.int64)  # document -> unique text
    unique_texts: list[str] = []
    folded_texts: list[str] = []  # what the near-duplicates compare
    for i, (_, text) in enumerate(docs):
        folded = fold(text)
        key = hashlib.blake2b(folded.encode("utf-8"), digest_size=16).digest()
        if key not in unique_of:
            unique_of[key] = len(unique_texts)
            unique_texts.append(text if lemmatise else folded)
            folded_texts.append(folded)
        doc_unique[i] = unique_of[key]
    counts, terms = _count(_terms(unique_texts) if lemmatise else _words(unique_texts))
    if counts.shape[1]:
        x = TfidfTransformer(sublinear_tf=True).fit_transform(counts).astype(np.float32)
        vectors = _reduce(x, seed)
    else:  # nothing but stop words: no terms, one topic, no neighbours
        x, vectors = counts, np.zeros((counts.shape[0], 1), dtype=np.float32)
    timings["vectorise"] = time.perf_counter() - clock

    # 2. duplicates: verified candidate pairs of unique texts, then connected components
    clock = time.perf_counter()
    neighbours, scores = _nearest(vectors, x, CANDIDATES)
    unique_group = _duplicate_components(folded_texts, seed)
    n_groups = int(unique_group.max()) + 1
    doc_group = unique_group[doc_unique]
    # each group's representative: its lowest-id document (docs are sorted by id)
    group_first_doc = np.full(n_groups, len(docs), dtype=np.int64)
    np.minimum.at(group_first_doc, doc_group, np.arange(len(docs)))
    group_unique = doc_unique[group_first_doc]  # the unique text read for each group
    group_size = np.bincount(doc_group, minlength=n_groups)
    duplicate_groups = sorted(
        sorted(ids[doc_group == g].tolist()) for g in np.flatnonzero(group_size > 1)
    )
    timings["duplicates"] = time.perf_counter() - clock

    # 3. cluster one text per group
    clock = time.perf_counter()
    group_topic, topic_terms, centroids = _cluster(
        x[group_unique], vectors[group_unique], terms, topics, seed
    )
    group_vectors = vectors[group_unique]
    doc_topic = group_topic[doc_group]
    result_topics = _topics(ids, doc_topic, group_first_doc, group_topic, group_vectors, centroids, topic_terms)
    timings["cluster"] = time.perf_counter() - clock

    # 4. similar testimonies from the candidate lists
    clock = time.perf_counter()
    similar = _similar(ids, doc_unique, unique_group, group_first_doc, group_unique, doc_group, neighbours, scores, x)
    timings["similar"] = time.perf_counter() - clock
    return Analysis(topics=result_topics, duplicate_groups=duplicate_groups, similar=similar, timings=timings)


def _words(folded_texts: list[str]) -> tuple[list[list[str]], dict[str, str]]:
    """The words of already folded texts, stop words left out, each shown as itself."""
    stops = stop_words()
    tokens = [[w for w in _TOKEN.findall(text) if w not in stops] for text in folded_texts]
    return tokens, {}


def _terms(texts: list[str]) -> tuple[list[list[str]], dict[str, str]]:
    """Each text's terms (folded lemmas, families joined, stop words left out) and, for
    each term, the form a person reads: its most frequent lemma as written."""
    tokens: list[list[str]] = [[] for _ in texts]
    written: dict[str, dict[str, int]] = {}
    for i, lemmas in nlp.lemmas(texts):
        terms = []
        for lemma in lemmas:
            term, head = _term(lemma)
            if term is None:
                continue
            terms.append(term)
            forms = written.setdefault(term, {})
            forms[head] = forms.get(head, 0) + 1
        tokens[i] = terms
    shown = {term: min(forms, key=lambda form: (-forms[form], form))
             for term, forms in written.items()}
    return tokens, shown


@lru_cache(maxsize=200_000)
def _term(lemma: str) -> tuple[str | None, str]:
    """A lemma's term (None for a stop word or a single letter) and its family's head.
    Cached: the same string for every occurrence of a term keeps the lists small."""
    head = lemma_families().get(fold(lemma), lemma)
    term = fold(head)
    if len(term) < 2 or term in stop_words():
        return None, head
    return term, head


def _count(terms: tuple[list[list[str]], dict[str, str]]) -> tuple[csr_matrix, np.ndarray]:
    """Term counts of the texts' term lists and the vocabulary (sorted by term), each
    term as it is shown."""
    tokens, shown = terms
    n = len(tokens)
    small = n < 10
    vectorizer = CountVectorizer(
        analyzer=_as_is,
        min_df=1 if small else 2,
        max_df=1.0 if small else 0.5,
        dtype=np.float32,
    )
    try:
        counts = vectorizer.fit_transform(tokens)
    except ValueError:  # nothing but stop words (or nothing frequent enough)
        return csr_matrix((n, 0), dtype=np.float32), np.array([], dtype=object)
    names = [shown.get(term, term) for term in vectorizer.get_feature_names_out()]
    return counts.tocsr(), np.array(names, dtype=object)


def _as_is(tokens: list[str]) -> list[str]:
    return tokens


def _reduce(x: csr_matrix, seed: int) -> np.ndarray:
    """LSA: the rows of ``x`` in at most SVD_COMPONENTS dense dimensions, L2-normalised."""
    n, terms = x.shape
    components = min(SVD_COMPONENTS, terms - 1, n - 1)
    if components < 2:  # two texts or two terms: the TF-IDF itself is small enough
        return np.asarray(x.toarray(), dtype=np.float32)
    svd = TruncatedSVD(n_components=components, algorithm="randomized", n_iter=5, random_state=seed)
    return normalize(svd.fit_transform(x)).astype(np.float32)


def _nearest(vectors: np.ndarray, x: csr_matrix, k: int) -> tuple[np.ndarray, np.ndarray]:
    """For each row, its ``k`` nearest other rows (-1 where none) and their exact cosines.

    Candidates are the ``k`` nearest in the LSA space (dense products on blocks of
    rows, never an n×n matrix); they are then scored by the exact TF-IDF cosine and
    sorted by it, best first, ties by lower index.
    """
    n = vectors.shape[0]
    k = min(k, max(n - 1, 0))
    neighbours = np.full((n, k), -1, dtype=np.int64)
    scores = np.zeros((n, k), dtype=np.float32)
    if k == 0 or x.shape[1] == 0:
        return neighbours, scores
    chunks = np.arange(0, n, max(1, n // (4 * k)))  # column chunks whose maxima bound the k-th best
    block = max(1, BLOCK_CELLS // n)
    for start in range(0, n, block):
        stop = min(start + block, n)
        sims = vectors[start:stop] @ vectors.T
        rows = np.arange(stop - start)
        sims[rows, rows + start] = -np.inf  # not its own neighbour
        if len(chunks) > k:
            # k chunks have a maximum >= the k-th largest chunk maximum: a safe lower bound
            maxima = np.maximum.reduceat(sims, chunks, axis=1)
            bound = np.partition(maxima, len(chunks) - k, axis=1)[:, len(chunks) - k]
            r, c = np.nonzero(sims >= bound[:, None])
        else:
            r, c = np.nonzero(sims > -np.inf)
        approx = sims[r, c]
        order = np.lexsort((c, -approx, r))
        r, c = r[order], c[order]
        first = np.searchsorted(r, rows)
        rank = np.arange(len(r)) - first[r]
        keep = rank < k
        r, c, rank = r[keep], c[keep], rank[keep]
        exact = np.asarray(x[r + start].multiply(x[c]).sum(axis=1), dtype=np.float32).ravel()
        top = np.full((stop - start, k), -1, dtype=np.int64)
        top_scores = np.full((stop - start, k), -np.inf, dtype=np.float32)
        top[r, rank] = c
        top_scores[r, rank] = exact
        order = np.lexsort((top, -top_scores), axis=1)  # by exact cosine, ties by lower index
        top = np.take_along_axis(top, order, axis=1)
        top_scores = np.take_along_axis(top_scores, order, axis=1)
        empty = top_scores <= 0.0
        top[empty] = -1
        top_scores[empty] = 0.0
        neighbours[start:stop] = top
        scores[start:stop] = top_scores
    return neighbours, scores


def _duplicate_components(texts: list[str], seed: int) -> np.ndarray:
    """Group number of each unique text: connected components of near-duplicate pairs.

    Numbered by their lowest member, so the numbering is stable.
    """
    n = len(texts)
    shingles = _shingles(texts)
    signature = _minhash(shingles, seed)
    first, second = _candidate_pairs(signature)
    # a cheap filter on the signatures' estimate, then the exact Jaccard similarity
    agreeing = np.zeros(len(first), dtype=np.int64)
    for h in range(signature.shape[1]):  # one column at a time: no pairs × 64 array
        agreeing += signature[first, h] == signature[second, h]
    likely = agreeing >= (DUPLICATE_THRESHOLD - ESTIMATE_MARGIN) * signature.shape[1]
    first, second = first[likely], second[likely]
    sizes = shingles.getnnz(axis=1)
    shared = np.asarray(shingles[first].multiply(shingles[second]).sum(axis=1)).ravel()
    union = sizes[first] + sizes[second] - shared
    same = shared >= DUPLICATE_THRESHOLD * np.maximum(union, 1)
    graph = coo_matrix(
        (np.ones(int(same.sum()), dtype=np.int8), (first[same], second[same])), shape=(n, n)
    )
    _, labels = connected_components(graph, directed=False)
    first_member = np.full(labels.max() + 1 if n else 0, n, dtype=np.int64)
    np.minimum.at(first_member, labels, np.arange(n))
    renumber = np.empty_like(first_member)
    renumber[np.argsort(first_member, kind="stable")] = np.arange(len(first_member))
    return renumber[labels]


def _shingles(texts: list[str]) -> csr_matrix:
    """Which word pairs (two consecutive words, stop words included) each text has: a
    binary matrix, one row per text."""
    vocabulary: dict[str, int] = {}
    words = [[vocabulary.setdefault(word, len(vocabulary)) for word in _WORD.findall(text)]
             for text in texts]
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    tokens = np.fromiter((w for text in words for w in text), dtype=np.int64, count=int(lengths.sum()))
    row = np.repeat(np.arange(len(texts)), lengths)
    pair = row[:-1] == row[1:]  # two consecutive words of one text
    code = tokens[:-1][pair] * max(len(vocabulary), 1) + tokens[1:][pair]
    columns, column = np.unique(code, return_inverse=True)
    matrix = csr_matrix((np.ones(len(code), dtype=np.int32), (row[:-1][pair], column.ravel())),
                        shape=(len(texts), len(columns)))
    matrix.sum_duplicates()
    matrix.data[:] = 1
    return matrix


def _minhash(shingles: csr_matrix, seed: int) -> np.ndarray:
    """BANDS × ROWS MinHash values of each row's set of columns (rows without any column
    get distinct values that match nothing)."""
    n = shingles.shape[0]
    rng = np.random.default_rng(seed)
    # multiply-shift hashing: an odd multiplier, arithmetic modulo 2**64, the high bits
    multipliers = rng.integers(0, 1 << 63, size=BANDS * ROWS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    offsets = rng.integers(0, 1 << 63, size=BANDS * ROWS, dtype=np.uint64)
    filled = np.flatnonzero(shingles.getnnz(axis=1))
    signature = np.empty((n, BANDS * ROWS), dtype=np.uint64)
    signature[:] = (np.uint64(1) << np.uint64(40)) + np.arange(n, dtype=np.uint64)[:, None]
    if len(filled) == 0:
        return signature
    columns = shingles.indices.astype(np.uint64)
    starts = shingles.indptr[filled]
    shift = np.uint64(32)
    for h in range(BANDS * ROWS):
        hashed = (columns * multipliers[h] + offsets[h]) >> shift
        signature[filled, h] = np.minimum.reduceat(hashed, starts)
    return signature


def _candidate_pairs(signature: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows likely to share most of their word pairs (banded MinHash).

    In each band, the rows with the same ROWS values share a bucket and each is paired
    with the bucket's first row. Returns the distinct pairs, first row lower.
    """
    n = signature.shape[0]
    pairs = [np.empty((0, 2), dtype=np.int64)]
    mix = np.uint64(0x9E3779B97F4A7C15)
    for band in range(BANDS):
        # the band's values as one key (a collision only adds a pair to verify)
        key = np.zeros(n, dtype=np.uint64)
        for value in signature[:, band * ROWS:(band + 1) * ROWS].T:
            key = (key ^ value) * mix
        _, bucket = np.unique(key, return_inverse=True)
        bucket = bucket.ravel()
        leader = np.full(bucket.max() + 1 if n else 0, n, dtype=np.int64)
        np.minimum.at(leader, bucket, np.arange(n))
        others = np.flatnonzero(leader[bucket] != np.arange(n))
        pairs.append(np.stack([leader[bucket[others]], others], axis=1))
    found = np.unique(np.concatenate(pairs), axis=0)
    return found[:, 0], found[:, 1]


def _cluster(tfidf: csr_matrix, vectors: np.ndarray, terms: np.ndarray, topics: int | None, seed: int):
    """Topic of each row (one per duplicate group), topics numbered by size.

    Returns the row topics, each topic's top terms and the topic centroids.
    """
    n = tfidf.shape[0]
    if tfidf.shape[1] == 0:
        return np.zeros(n, dtype=np.int64), [[]], np.zeros((1, vectors.shape[1]))
    k = max(1, min(int(topics), n)) if topics is not None else min(MAX_TOPICS, n)
    if k <= 1:
        labels = np.zeros(n, dtype=np.int64)
    else:
        with threadpool_limits(limits=1):  # one thread: reductions in a fixed order
            if topics is None:
                k = _choose_k(vectors, seed)
            labels = KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(vectors)
    # topics numbered by size (largest first), ties by their first row
    sizes = np.bincount(labels)
    present = np.flatnonzero(sizes)
    first_row = np.array([np.flatnonzero(labels == t)[0] for t in present])
    order = present[np.lexsort((first_row, -sizes[present]))]
    renumber = np.empty(labels.max() + 1, dtype=np.int64)
    renumber[order] = np.arange(len(order))
    labels = renumber[labels]
    centroids = np.vstack([vectors[labels == t].mean(axis=0) for t in range(len(order))])
    top_terms = []
    for t in range(len(order)):
        weights = np.asarray(tfidf[labels == t].mean(axis=0)).ravel()
        best = np.lexsort((np.arange(len(weights)), -weights))[:TOP_TERMS]
        top_terms.append([str(terms[i]) for i in best if weights[i] > 0])
    return labels, top_terms, centroids


def _choose_k(vectors: np.ndarray, seed: int) -> int:
    """The k in MIN_TOPICS..MAX_TOPICS with the best cosine silhouette on a fixed sample."""
    n = vectors.shape[0]
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size=min(n, SILHOUETTE_SAMPLE), replace=False))
    points = vectors[sample]
    best_k, best_score = MIN_TOPICS, -2.0
    for k in range(MIN_TOPICS, min(MAX_TOPICS, len(points) - 1) + 1):
        labels = KMeans(n_clusters=k, n_init=1, random_state=seed).fit_predict(points)
        if len(set(labels.tolist())) < 2:
            continue
        score = round(float(silhouette_score(points, labels, metric="cosine")), 6)
        if score > best_score:
            best_k, best_score = k, score
    return min(best_k, n)


def _topics(ids, doc_topic, group_first_doc, group_topic, group_vectors, centroids, topic_terms) -> list[Topic]:
    """Build the Topic objects; representatives are the groups closest to the centroid."""
    result = []
    for t, terms in enumerate(topic_terms):
        members = np.flatnonzero(group_topic == t)
        if len(members) == 0:
            continue
        distance = ((group_vectors[members] - centroids[t]) ** 2).sum(axis=1).round(6)
        member_ids = ids[group_first_doc[members]]
        closest = np.lexsort((member_ids, distance))[:REPRESENTATIVES]
        result.append(
            Topic(
                number=t + 1,
                top_terms=terms,
                testimony_ids=ids[doc_topic == t].tolist(),
                representative_ids=member_ids[closest].tolist(),
            )
        )
    return result


def _similar(ids, doc_unique, unique_group, group_first_doc, group_unique, doc_group, neighbours, scores, x):
    """The SIMILAR most similar testimonies of each one, each other duplicate group once."""
    n_groups = len(group_first_doc)
    group_lists: list[list[tuple[int, float]]] = []
    for g in range(n_groups):
        u = group_unique[g]
        found = _filter(neighbours[u], scores[u], g, unique_group, group_first_doc, ids)
        if len(found) < SIMILAR and len(found) < n_groups - 1:
            # the candidates were mostly this group's own copies: search again, wider
            wide_n, wide_s = _row_neighbours(x, u, min(x.shape[0] - 1, CANDIDATES * 8))
            found = _filter(wide_n, wide_s, g, unique_group, group_first_doc, ids)
        group_lists.append(found)
    return {int(ids[i]): group_lists[doc_group[i]] for i in range(len(ids))}


def _filter(neighbours, scores, group, unique_group, group_first_doc, ids) -> list[tuple[int, float]]:
    seen = {group}
    found = []
    for u, score in zip(neighbours.tolist(), scores.tolist()):
        if u < 0:
            break
        g = int(unique_group[u])
        if g in seen:
            continue
        seen.add(g)
        found.append((int(ids[group_first_doc[g]]), round(float(score), 4)))
        if len(found) == SIMILAR:
            break
    return found


def _row_neighbours(x: csr_matrix, row: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    sims = (x[row] @ x.T).toarray().ravel()
    sims[row] = -1.0
    order = np.lexsort((np.arange(len(sims)), -sims))[:k]
    keep = sims[order] > 0
    return order[keep], sims[order][keep]
