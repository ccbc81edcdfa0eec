"""Text analysis of a consultation's testimonies: topics, near-duplicates, similar testimonies.

Pure computation: takes ``(id, text)`` pairs, returns an :class:`Analysis`; no Flask,
no database. Deterministic: the same documents (in any order) and the same ``seed``
give the same result, run after run.

How it works, in four phases (timed in ``Analysis.timings``):

1. **vectorise** — texts are normalised (lower case, accents folded, spaces collapsed);
   exact copies of the same normalised text are collapsed by hashing. The unique texts
   are tokenised (letters only, French and English stop words shipped in
   ``consult/data``) and weighted by TF-IDF (sublinear tf, ``min_df``, ``max_df``,
   L2-normalised rows): ``CountVectorizer`` + ``TfidfTransformer``, which is what
   ``TfidfVectorizer`` does, split so that the topic phase can recompute the weights
   with each duplicate group counted once.
2. **duplicates** — one pass over the cosine similarities of the unique texts, by
   sparse products on blocks of rows (never a dense n×n matrix), keeps each text's
   ``CANDIDATES`` nearest neighbours; pairs at or above ``DUPLICATE_THRESHOLD`` are
   the same letter with small edits. Groups are the connected components of those
   pairs plus the exact copies.
3. **cluster** — one representative per duplicate group plus every other testimony is
   re-weighted (IDF over representatives only), reduced by ``TruncatedSVD`` (LSA) and
   clustered by ``KMeans`` with a fixed ``random_state``. The copies join their
   representative's topic. Without ``topics``, the number of topics is the k in 4..12
   with the best cosine silhouette on a fixed sample of at most ``SILHOUETTE_SAMPLE``
   representatives (ties go to the smaller k).
4. **similar** — from the candidate lists of phase 2: other testimonies, excluding the
   testimony's own duplicates and showing each other duplicate group once (by its
   representative). A copy of a letter gets its representative's list.
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

DATA = Path(__file__).resolve().parent.parent / "data"

TOP_TERMS = 10
REPRESENTATIVES = 3
SIMILAR = 5
#: Cosine on TF-IDF at or above which two texts are the same letter with small edits.
DUPLICATE_THRESHOLD = 0.85
#: Neighbours kept per unique text in the similarity pass (duplicates and similar).
CANDIDATES = 32
MIN_TOPICS, MAX_TOPICS = 4, 12
SILHOUETTE_SAMPLE = 3000
SVD_COMPONENTS = 100
#: Float32 cells of one block of the similarity pass (64 MB).
BLOCK_CELLS = 16_000_000

_SPACES = re.compile(r"\s+")
_TOKEN = r"(?u)\b[^\W\d_]{2,}\b"  # words of two letters or more, no digits


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
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
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


def analyse(documents: list[tuple[int, str]], *, topics: int | None = None, seed: int = 0) -> Analysis:
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
    for i, (_, text) in enumerate(docs):
        folded = fold(text)
        key = hashlib.blake2b(folded.encode("utf-8"), digest_size=16).digest()
        if key not in unique_of:
            unique_of[key] = len(unique_texts)
            unique_texts.append(folded)
        doc_unique[i] = unique_of[key]
    counts, terms = _count(unique_texts)
    x = TfidfTransformer(sublinear_tf=True).fit_transform(counts).astype(np.float32)
    timings["vectorise"] = time.perf_counter() - clock

    # 2. duplicates: neighbours of every unique text, then connected components
    clock = time.perf_counter()
    neighbours, scores = _nearest(x, CANDIDATES)
    unique_group = _duplicate_components(neighbours, scores)
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
    group_topic, topic_terms, group_vectors, centroids = _cluster(
        counts[group_unique], terms, topics, seed
    )
    doc_topic = group_topic[doc_group]
    result_topics = _topics(ids, doc_topic, group_first_doc, group_topic, group_vectors, centroids, topic_terms)
    timings["cluster"] = time.perf_counter() - clock

    # 4. similar testimonies from the candidate lists
    clock = time.perf_counter()
    similar = _similar(ids, doc_unique, unique_group, group_first_doc, group_unique, doc_group, neighbours, scores, x)
    timings["similar"] = time.perf_counter() - clock
    return Analysis(topics=result_topics, duplicate_groups=duplicate_groups, similar=similar, timings=timings)


def _count(texts: list[str]) -> tuple[csr_matrix, np.ndarray]:
    """Term counts of already folded ``texts`` and the vocabulary (sorted)."""
    n = len(texts)
    small = n < 10
    vectorizer = CountVectorizer(
        lowercase=False,  # texts are already folded
        token_pattern=_TOKEN,
        stop_words=sorted(stop_words()),
        min_df=1 if small else 2,
        max_df=1.0 if small else 0.5,
        dtype=np.float32,
    )
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words (or nothing frequent enough)
        return csr_matrix((n, 0), dtype=np.float32), np.array([], dtype=object)
    return counts.tocsr(), vectorizer.get_feature_names_out()


def _nearest(x: csr_matrix, k: int) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the ``k`` most cosine-similar other rows (-1 where none), best first.

    Blocks of rows are multiplied by the whole matrix as sparse products; the block size
    keeps each dense block under ``BLOCK_CELLS`` cells.
    """
    n = x.shape[0]
    k = min(k, max(n - 1, 0))
    neighbours = np.full((n, k), -1, dtype=np.int64)
    scores = np.zeros((n, k), dtype=np.float32)
    if k == 0 or x.shape[1] == 0:
        return neighbours, scores
    xt = x.T.tocsr()
    block = max(1, BLOCK_CELLS // n)
    for start in range(0, n, block):
        stop = min(start + block, n)
        sims = (x[start:stop] @ xt).toarray()
        rows = np.arange(stop - start)
        sims[rows, rows + start] = -1.0  # not its own neighbour
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        top_scores = np.take_along_axis(sims, top, axis=1)
        # best first; equal scores by lower index, so ties never depend on the partition
        order = np.lexsort((top, -top_scores), axis=1)
        top = np.take_along_axis(top, order, axis=1)
        top_scores = np.take_along_axis(top_scores, order, axis=1)
        empty = top_scores <= 0.0
        top[empty] = -1
        top_scores[empty] = 0.0
        neighbours[start:stop] = top
        scores[start:stop] = top_scores
    return neighbours, scores


def _duplicate_components(neighbours: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Group number of each unique text: connected components of near-duplicate pairs.

    Numbered by their lowest member, so the numbering is stable.
    """
    n = neighbours.shape[0]
    rows, cols = np.nonzero((scores >= DUPLICATE_THRESHOLD) & (neighbours >= 0))
    graph = coo_matrix(
        (np.ones(len(rows), dtype=np.int8), (rows, neighbours[rows, cols])), shape=(n, n)
    )
    _, labels = connected_components(graph, directed=False)
    first = np.full(labels.max() + 1 if n else 0, n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n))
    renumber = np.empty_like(first)
    renumber[np.argsort(first, kind="stable")] = np.arange(len(first))
    return renumber[labels]


def _cluster(counts: csr_matrix, terms: np.ndarray, topics: int | None, seed: int):
    """Topic of each row of ``counts`` (one per duplicate group), ordered by size.

    Returns the row topics, each topic's top terms, the row vectors used and the
    topic centroids in that space.
    """
    n = counts.shape[0]
    if counts.shape[1] == 0:
        return np.zeros(n, dtype=np.int64), [[]], np.zeros((n, 1)), np.zeros((1, 1))
    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
    if topics is not None:
        k = max(1, min(int(topics), n))
    else:
        k = min(MAX_TOPICS, n)
    components = min(SVD_COMPONENTS, tfidf.shape[1] - 1, n - 1)
    if components >= 2:  # LSA: a few dozen dense dimensions instead of the vocabulary
        svd = TruncatedSVD(n_components=components, algorithm="randomized", n_iter=5, random_state=seed)
        vectors = normalize(svd.fit_transform(tfidf))
    else:  # two texts or two terms
        vectors = tfidf.toarray()
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
    return labels, top_terms, vectors, centroids


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
