"""Opinion groups of participants from their votes on items, computed as Polis does.

Votes are agree (1), disagree (-1) or pass (0); a participant votes on any subset of
the items. Plain data in, plain data out: no web framework, no database.

Usage::

    matrix = VoteMatrix.from_votes([(participant, item, vote), ...])
    # or, faster for millions of votes, from integer (or string) arrays:
    matrix = VoteMatrix.from_arrays(participant_ids, item_ids, values, timestamps=None)
    result = analyse(matrix, min_votes=7, max_groups=5, excluded_items=rejected, seed=0)
    result.groups[0].members, result.groups[0].representative, result.consensus
    result.to_dict()  # JSON-serialisable

``VoteMatrix`` keeps one vote per (participant, item): the one with the latest
timestamp, or, without timestamps, the one furthest down the input.

``analyse`` follows Polis's method (compdemocracy/polis, math/src/polismath/math):

1. Participants with at least ``min(min_votes, number of items)`` votes take part in
   the clustering; everybody's votes shape the axes.
2. Principal component analysis to two dimensions of the vote matrix with missing
   votes replaced by the item's mean vote. After centring, a missing vote is exactly
   zero, so the centred matrix stays sparse and the two components are the top
   eigenvectors of its item-by-item scatter, found without densifying it.
3. Each participant's projection is stretched by ``sqrt(n_items / n_votes)``, so that
   someone who voted on few items is not pulled to the centre by the items he did not
   see. ``excluded_items`` (say, rejected by moderation) take no part in the axes, the
   vote counts or the statistics; as in Polis, which zeroes such columns rather than
   dropping them, each still counts as a neutral vote of every participant in that
   stretch factor.
4. "Base clusters": k-means with up to 100 clusters on the clustered participants'
   positions. Group clusterings: k-means on the base-cluster centres weighted by their
   sizes, for k = 2 .. min(max_groups, 2 + base clusters // 12); the k with the best
   silhouette over base-cluster centres wins. A silhouette over every participant
   would cost quadratic time; over at most 100 centres it is immediate.
5. Per group and item: Laplace-smoothed agree and disagree probabilities, their ratio
   to the rest of the participants ("repness"), a one-proportion test within the group
   and a two-proportion z-test against the rest. Representative items are those
   significant at 90% (one-sided) on both tests, ranked by
   ratio × z × probability × within-group test, at most ``max_representative``;
   a group with none gets its single best item, flagged not significant.
6. Group-informed consensus of an item: the product over groups of each group's
   smoothed agree probability (and the same for disagree).

Deterministic: keys are sorted, each component's largest loading is made positive,
k-means runs from a fixed seed, and groups are numbered by decreasing size then by
smallest member key. The same votes give the same result whatever their input order.
"""
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, eigsh
from scipy.special import ndtr
from sklearn.cluster import KMeans
from threadpoolctl import ThreadpoolController

Key = Hashable
AGREE, PASS, DISAGREE = 1, 0, -1

#: One-sided 90% critical value of the standard normal, Polis's significance threshold.
Z_90 = 1.2816
BASE_CLUSTERS = 100
BASE_CLUSTER_RUNS = 1
GROUP_CLUSTER_RUNS = 50
KMEANS_MAX_ITERATIONS = 300
#: Below this many items, a dense eigendecomposition is cheaper than an iterative one.
DENSE_EIGEN_LIMIT = 200
#: Found once: looking for the loaded thread pools takes milliseconds.
THREADPOOLS = ThreadpoolController()


@dataclass(frozen=True, eq=False)
class VoteMatrix:
    """Latest votes of participants on items.

    ``participants`` and ``items`` are the sorted keys; vote ``n`` is ``values[n]`` by
    participant ``participants[rows[n]]`` on item ``items[cols[n]]``, ordered by
    (row, column), one per pair.
    """

    participants: tuple[Key, ...]
    items: tuple[Key, ...]
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray

    @classmethod
    def from_arrays(cls, participant_ids: Sequence | np.ndarray, item_ids: Sequence | np.ndarray,
                    values: Sequence[int] | np.ndarray,
                    timestamps: Sequence | np.ndarray | None = None) -> "VoteMatrix":
        """Build from parallel arrays (the fast path): keys may be integers or strings.

        When a participant voted several times on an item, the vote with the latest
        timestamp counts; on equal timestamps, or without timestamps, the last one.
        """
        participant_ids, item_ids = np.asarray(participant_ids), np.asarray(item_ids)
        values = np.asarray(values)
        n = len(values)
        if len(participant_ids) != n or len(item_ids) != n or (timestamps is not None and len(timestamps) != n):
            raise ValueError("participant ids, item ids, values and timestamps must have the same length")
        if n and not np.isin(values, (AGREE, PASS, DISAGREE)).all():
            bad = values[~np.isin(values, (AGREE, PASS, DISAGREE))][0]
            raise ValueError(f"a vote must be -1, 0 or 1, not {bad!r}")
        participants, rows = _codes(participant_ids)
        items, cols = _codes(item_ids)
        cell = rows * len(items) + cols
        if timestamps is not None:
            # lexsort is stable: among equal timestamps the later input row stays last.
            order = np.lexsort((np.asarray(timestamps), cell))
            cell, values = cell[order], values[order]
        elif len(participants) * len(items) < np.iinfo(np.int64).max // max(n, 1):
            # Sorting (cell, input position) as one integer is about twice as fast as argsort.
            ordered = np.sort(cell * n + np.arange(n))
            cell, values = ordered // n, values[ordered % n]
        else:
            order = np.argsort(cell, kind="stable")
            cell, values = cell[order], values[order]
        last = np.ones(n, dtype=bool)
        last[:-1] = cell[1:] != cell[:-1]
        cell = cell[last]
        return cls(participants=tuple(participants.tolist()), items=tuple(items.tolist()),
                   rows=cell // len(items), cols=cell % len(items), values=values[last].astype(np.int8))

    @classmethod
    def from_votes(cls, votes: Iterable[tuple]) -> "VoteMatrix":
        """Build from (participant, item, value) or (participant, item, value, timestamp)
        tuples; keys of one kind must be mutually comparable (all int, or all str)."""
        columns = list(zip(*votes))
        if not columns:
            return cls.from_arrays([], [], [])
        if len(columns) not in (3, 4):
            raise ValueError("each vote must be (participant, item, value) or (participant, item, value, timestamp)")
        participant_keys = sorted(set(columns[0]))
        item_keys = sorted(set(columns[1]))
        participant_code = {key: code for code, key in enumerate(participant_keys)}
        item_code = {key: code for code, key in enumerate(item_keys)}
        matrix = cls.from_arrays(
            np.fromiter((participant_code[p] for p in columns[0]), dtype=np.int64, count=len(columns[0])),
            np.fromiter((item_code[i] for i in columns[1]), dtype=np.int64, count=len(columns[1])),
            np.array(columns[2]),
            np.array(columns[3]) if len(columns) == 4 else None,
        )
        return cls(participants=tuple(participant_keys[c] for c in matrix.participants),
                   items=tuple(item_keys[c] for c in matrix.items),
                   rows=matrix.rows, cols=matrix.cols, values=matrix.values)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.participants), len(self.items)

    @property
    def n_votes(self) -> int:
        return len(self.values)

    def vote(self, participant: Key, item: Key) -> int | None:
        """The vote counted for this participant on this item, None if none."""
        try:
            row, col = self.participants.index(participant), self.items.index(item)
        except ValueError:
            return None
        start, stop = np.searchsorted(self.rows, [row, row + 1])
        found = np.flatnonzero(self.cols[start:stop] == col)
        return int(self.values[start + found[0]]) if len(found) else None


def _codes(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct keys, code of each key): its index among them."""
    if keys.dtype.kind in "iu" and len(keys):
        low, high = int(keys.min()), int(keys.max())
        if high - low <= 4 * len(keys) + (1 << 20):
            # Integer ids in a compact range: a presence table avoids sorting.
            present = np.zeros(high - low + 1, dtype=bool)
            present[keys - low] = True
            code = np.cumsum(present) - 1
            return np.flatnonzero(present) + low, code[keys - low]
    distinct, codes = np.unique(keys, return_inverse=True)
    return distinct, codes.ravel().astype(np.int64)


@dataclass(frozen=True)
class RepresentativeItem:
    """An item on which a group differs from the rest of the participants.

    ``direction`` is 'agree' or 'disagree'; probabilities are Laplace-smoothed
    ((count + 1) / (votes + 2)) in the group and in the rest; ``ratio`` is their
    quotient; ``z`` the two-proportion z-statistic (group vs rest), ``p_value`` its
    one-sided p-value, ``group_z`` the test of the group probability against 1/2;
    ``significant`` when both z and group_z exceed the 90% one-sided threshold.
    """

    item: Key
    direction: str
    group_votes: int
    group_count: int
    group_probability: float
    rest_probability: float
    ratio: float
    z: float
    p_value: float
    group_z: float
    significant: bool


@dataclass(frozen=True)
class Group:
    """An opinion group: its members (sorted keys), the mean of their 2-D positions and
    its representative items, most representative first."""

    id: int
    members: tuple[Key, ...]
    centre: tuple[float, float]
    representative: tuple[RepresentativeItem, ...]


@dataclass(frozen=True)
class ItemConsensus:
    """Group-informed consensus on an item: the product over groups of each group's
    smoothed probability to agree (``agree``) and to disagree (``disagree``)."""

    item: Key
    agree: float
    disagree: float


@dataclass(frozen=True)
class OpinionAnalysis:
    """What ``analyse`` finds.

    ``participants`` are the clustered participants (sorted keys), ``coordinates`` their
    2-D positions in the same order; ``groups`` are numbered 0.. by decreasing size;
    ``consensus`` covers every analysed item, highest agree consensus first;
    ``silhouettes`` gives (k, silhouette) for each number of groups tried.
    """

    participants: tuple[Key, ...]
    coordinates: tuple[tuple[float, float], ...]
    groups: tuple[Group, ...]
    consensus: tuple[ItemConsensus, ...]
    silhouettes: tuple[tuple[int, float], ...]

    @property
    def n_groups(self) -> int:
        return len(self.groups)

    def group_of(self) -> dict[Key, int]:
        """Clustered participant key to group id."""
        return {member: group.id for group in self.groups for member in group.members}

    def consensus_by(self, direction: str) -> tuple[ItemConsensus, ...]:
        """Consensus items sorted by their 'agree' or 'disagree' consensus, highest first."""
        if direction not in ("agree", "disagree"):
            raise ValueError("direction must be 'agree' or 'disagree'")
        return tuple(sorted(self.consensus, key=lambda c: -getattr(c, direction)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form of the result."""
        return {
            "n_groups": self.n_groups,
            "participants": list(self.participants),
            "coordinates": [list(xy) for xy in self.coordinates],
            "groups": [{
                "id": g.id,
                "members": list(g.members),
                "centre": list(g.centre),
                "representative": [vars(r).copy() for r in g.representative],
            } for g in self.groups],
            "consensus": [vars(c).copy() for c in self.consensus],
            "silhouettes": [list(s) for s in self.silhouettes],
        }


EMPTY = OpinionAnalysis(participants=(), coordinates=(), groups=(), consensus=(), silhouettes=())


def analyse(matrix: VoteMatrix, *, min_votes: int = 7, max_groups: int = 5,
            excluded_items: Iterable[Key] = (), seed: int = 0,
            max_representative: int = 5) -> OpinionAnalysis:
    """Opinion groups, their representative items and group-informed consensus.

    Returns a result with no groups when there are fewer than two items or fewer than
    four participants to cluster, or when all of them sit at the same position.
    """
    if max_groups < 2:
        raise ValueError("max_groups must be at least 2")
    excluded = set(excluded_items)
    kept_items = np.array([item not in excluded for item in matrix.items], dtype=bool)
    n_excluded = len(matrix.items) - int(kept_items.sum())
    kept_votes = kept_items[matrix.cols]
    item_code = np.cumsum(kept_items) - 1
    rows, cols, values = matrix.rows[kept_votes], item_code[matrix.cols[kept_votes]], matrix.values[kept_votes]
    items = tuple(item for item, kept in zip(matrix.items, kept_items) if kept)
    n_participants, n_items = len(matrix.participants), len(items)
    if n_items < 2:
        return EMPTY

    votes_per_participant = np.bincount(rows, minlength=n_participants)
    clustered = np.flatnonzero(votes_per_participant >= min(min_votes, n_items))
    if len(clustered) < 4:
        return EMPTY

    centred = _centred_votes(rows, cols, values, n_participants, n_items)
    components = _principal_components(centred, seed)
    stretch = np.sqrt((n_items + n_excluded) / (votes_per_participant[clustered] + n_excluded))
    positions = (centred[clustered] @ components.T) * stretch[:, None]

    labels, silhouettes = _groups(positions, max_groups, seed)
    if labels is None:
        return EMPTY
    labels = _canonical_labels(labels)
    n_groups = int(labels.max()) + 1

    member_of = np.full(n_participants, -1)
    member_of[clustered] = labels
    counts = _group_vote_counts(rows, cols, values, member_of, n_groups, n_items)
    keys = matrix.participants
    groups = tuple(
        Group(
            id=g,
            members=tuple(keys[i] for i in clustered[labels == g]),
            centre=tuple(float(c) for c in positions[labels == g].mean(axis=0)),
            representative=_representative(counts, g, items, max_representative),
        )
        for g in range(n_groups)
    )
    return OpinionAnalysis(
        participants=tuple(keys[i] for i in clustered),
        coordinates=tuple((float(x), float(y)) for x, y in positions),
        groups=groups,
        consensus=_consensus(counts, items),
        silhouettes=silhouettes,
    )


def _centred_votes(rows: np.ndarray, cols: np.ndarray, values: np.ndarray,
                   n_participants: int, n_items: int) -> sp.csr_matrix:
    """Votes minus their item's mean vote; a missing vote, imputed by that mean, is zero."""
    means = np.bincount(cols, weights=values, minlength=n_items) / np.bincount(cols, minlength=n_items)
    # Votes are sorted by (row, column): the CSR structure can be laid out directly.
    row_starts = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=n_participants))))
    return sp.csr_matrix((values - means[cols], cols, row_starts), shape=(n_participants, n_items))


def _principal_components(centred: sp.csr_matrix, seed: int) -> np.ndarray:
    """The two leading principal axes (2 × items), each with its largest loading positive."""
    n_items = centred.shape[1]
    if n_items <= DENSE_EIGEN_LIMIT:
        scatter = (centred.T @ centred).toarray()
        _, vectors = scipy.linalg.eigh(scatter, subset_by_index=[n_items - 2, n_items - 1])
    else:
        transposed = centred.T.tocsr()
        scatter = LinearOperator((n_items, n_items), matvec=lambda v: transposed @ (centred @ v),
                                 dtype=np.float64)
        # A seeded start vector keeps it reproducible; a constant one could be orthogonal to
        # an axis of perfectly balanced votes and miss it.
        start = np.random.default_rng(seed).standard_normal(n_items)
        _, vectors = eigsh(scatter, k=2, which="LA", v0=start, tol=1e-10)
    components = vectors[:, ::-1].T.copy()
    largest = np.argmax(np.abs(components), axis=1)
    components *= np.sign(components[np.arange(2), largest])[:, None]
    return components


def _groups(positions: np.ndarray, max_groups: int,
            seed: int) -> tuple[np.ndarray | None, tuple[tuple[int, float], ...]]:
    """Group label per position, via base clusters, k chosen by silhouette."""
    distinct, base_labels = np.unique(positions, axis=0, return_inverse=True)
    base_labels = base_labels.ravel()
    if len(distinct) > BASE_CLUSTERS:
        # k-means on several threads adds the threads' partial sums in whatever order
        # they finish: one thread keeps results identical from run to run.
        with THREADPOOLS.limit(limits=1, user_api="openmp"):
            base = KMeans(BASE_CLUSTERS, n_init=BASE_CLUSTER_RUNS, random_state=seed).fit(positions)
        used = np.unique(base.labels_)
        centres = base.cluster_centers_[used]
        base_labels = np.searchsorted(used, base.labels_)
    else:
        centres = distinct
    n_base = len(centres)
    if n_base < 2:
        return None, ()
    weights = np.bincount(base_labels, minlength=n_base).astype(np.float64)
    distance = np.sqrt(((centres[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2))
    largest_k = min(max_groups, 2 + n_base // 12, n_base)
    rng = np.random.default_rng(seed)
    best_labels, best_score, silhouettes = None, -np.inf, []
    for k in range(2, largest_k + 1):
        labels = _weighted_kmeans(centres, weights, k, GROUP_CLUSTER_RUNS, rng)
        # A silhouette needs fewer clusters than points; with two base clusters there is one choice.
        score = _silhouette(distance, labels) if k < n_base else 0.0
        silhouettes.append((k, score))
        if score > best_score:
            best_labels, best_score = labels, score
    return best_labels[base_labels], tuple(silhouettes)


def _weighted_kmeans(points: np.ndarray, weights: np.ndarray, k: int, runs: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Labels of the best of ``runs`` weighted k-means of 2-D points (lowest inertia),
    run side by side.

    Each run starts from its own k-means++ seeds and is improved by Lloyd's iterations
    until no label moves. Made for the few weighted points of the group step (at most
    ``BASE_CLUSTERS``): every run is one row of the same arrays, so 50 runs cost little
    more than one.
    """
    x, y = points[:, 0], points[:, 1]
    chosen = _seeds(points, weights, k, runs, rng)
    centre_x, centre_y = x[chosen], y[chosen]
    cell = np.arange(runs)[:, None] * k
    labels = np.full((runs, len(points)), -1)
    masses = [np.tile(w, runs) for w in (weights, weights * x, weights * y)]
    for _ in range(KMEANS_MAX_ITERATIONS):
        distance = (x[None, :, None] - centre_x[:, None, :]) ** 2 + (y[None, :, None] - centre_y[:, None, :]) ** 2
        moved = distance.argmin(axis=2)
        if (moved == labels).all():
            break
        labels = moved
        cells = (labels + cell).ravel()
        mass, sum_x, sum_y = (np.bincount(cells, weights=m, minlength=runs * k).reshape(runs, k) for m in masses)
        # A centre left with no point stays where it was.
        filled = mass > 0
        centre_x = np.where(filled, sum_x / np.where(filled, mass, 1.0), centre_x)
        centre_y = np.where(filled, sum_y / np.where(filled, mass, 1.0), centre_y)
    inertia = (weights * np.take_along_axis(distance, labels[:, :, None], axis=2)[:, :, 0]).sum(axis=1)
    return labels[np.argmin(inertia)]


def _seeds(points: np.ndarray, weights: np.ndarray, k: int, runs: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeds of 2-D points, ``runs`` sets side by side (runs × k indices): a first
    centre drawn by weight, each next one by weight times the squared distance to the
    nearest centre drawn so far."""
    x, y = points[:, 0], points[:, 1]
    nearest = np.ones((runs, len(points)))
    chosen = np.empty((runs, k), dtype=np.int64)
    for c in range(k):
        chosen[:, c] = _draw(weights * nearest, rng)
        squared = (x - x[chosen[:, c], None]) ** 2 + (y - y[chosen[:, c], None]) ** 2
        nearest = np.minimum(nearest, squared) if c else squared
    return chosen


def _draw(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One index per row, drawn with probability proportional to that row's weights."""
    cumulative = np.cumsum(weights, axis=1)
    targets = rng.random(len(weights)) * cumulative[:, -1]
    return np.minimum((cumulative <= targets[:, None]).sum(axis=1), weights.shape[1] - 1)


def _silhouette(distance: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of the points (``distance``: pairwise distances); 0 for a point
    alone in its cluster, -1 when the points fall in one cluster only."""
    found, labels = np.unique(labels, return_inverse=True)
    if len(found) < 2:
        return -1.0
    membership = labels[:, None] == np.arange(len(found))
    sizes = membership.sum(axis=0)
    totals = distance @ membership
    own_size = sizes[labels]
    inside = totals[np.arange(len(labels)), labels] / np.maximum(own_size - 1, 1)
    between = np.where(membership, np.inf, totals / sizes).min(axis=1)
    spread = np.maximum(inside, between)
    scores = np.where((own_size > 1) & (spread > 0), (between - inside) / np.where(spread > 0, spread, 1.0), 0.0)
    return float(scores.mean())


def _canonical_labels(labels: np.ndarray) -> np.ndarray:
    """Renumber groups by decreasing size, then by smallest member (positions are in key order)."""
    found = np.unique(labels)
    sizes = np.array([np.count_nonzero(labels == g) for g in found])
    first = np.array([np.flatnonzero(labels == g)[0] for g in found])
    order = np.lexsort((first, -sizes))
    renumber = np.empty(int(found.max()) + 1, dtype=np.int64)
    renumber[found[order]] = np.arange(len(found))
    return renumber[labels]


@dataclass(frozen=True)
class _Counts:
    """Votes per group (rows) and item (columns) among clustered participants."""

    agree: np.ndarray
    disagree: np.ndarray
    seen: np.ndarray


def _group_vote_counts(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, member_of: np.ndarray,
                       n_groups: int, n_items: int) -> _Counts:
    """Agrees, disagrees and votes of each group on each item (``member_of`` is -1 outside groups)."""
    group = member_of[rows]
    inside = group >= 0
    # One pass: each vote lands in a (group, item, value) cell.
    cell = (group[inside] * n_items + cols[inside]) * 3 + (values[inside] + 1)
    tally = np.bincount(cell, minlength=n_groups * n_items * 3).reshape(n_groups, n_items, 3)
    return _Counts(agree=tally[:, :, AGREE + 1], disagree=tally[:, :, DISAGREE + 1], seen=tally.sum(axis=2))


def _smoothed(successes: np.ndarray, trials: np.ndarray) -> np.ndarray:
    """Laplace-smoothed probability: one pseudo-success and one pseudo-failure."""
    return (successes + 1.0) / (trials + 2.0)


def _one_proportion_z(successes: np.ndarray, trials: np.ndarray) -> np.ndarray:
    """Polis's test of a proportion against 1/2, with one pseudo-vote."""
    return 2.0 * np.sqrt(trials + 1.0) * ((successes + 1.0) / (trials + 1.0) - 0.5)


def _two_proportion_z(in_successes: np.ndarray, out_successes: np.ndarray,
                      in_trials: np.ndarray, out_trials: np.ndarray) -> np.ndarray:
    """Pooled two-proportion z-test (group vs rest), with one pseudo-vote on each count."""
    s1, s2, n1, n2 = in_successes + 1.0, out_successes + 1.0, in_trials + 1.0, out_trials + 1.0
    pooled = (s1 + s2) / (n1 + n2)
    spread = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (s1 / n1 - s2 / n2) / spread
    return np.where(spread > 0, z, 0.0)


def _representative(counts: _Counts, group: int, items: tuple[Key, ...],
                    limit: int) -> tuple[RepresentativeItem, ...]:
    """The items on which ``group`` differs most from the rest, most representative first."""
    seen, rest_seen = counts.seen[group], counts.seen.sum(axis=0) - counts.seen[group]
    sides = {}
    for direction, table in (("agree", counts.agree), ("disagree", counts.disagree)):
        hits, rest_hits = table[group], table.sum(axis=0) - table[group]
        probability, rest_probability = _smoothed(hits, seen), _smoothed(rest_hits, rest_seen)
        sides[direction] = {
            "hits": hits, "probability": probability, "rest_probability": rest_probability,
            "ratio": probability / rest_probability,
            "z": _two_proportion_z(hits, rest_hits, seen, rest_seen),
            "group_z": _one_proportion_z(hits, seen),
        }
    agree, disagree = sides["agree"], sides["disagree"]
    agree_passes = (agree["z"] > Z_90) & (agree["group_z"] > Z_90)
    disagree_passes = (disagree["z"] > Z_90) & (disagree["group_z"] > Z_90)
    chooses_agree = agree_passes | (~disagree_passes & (agree["z"] > disagree["z"]))

    def pick(name: str) -> np.ndarray:
        return np.where(chooses_agree, agree[name], disagree[name])

    z, group_z, ratio, probability = pick("z"), pick("group_z"), pick("ratio"), pick("probability")
    significant = agree_passes | disagree_passes
    metric = ratio * z * probability * group_z
    candidates = np.flatnonzero(significant)
    if len(candidates):
        # Stable sort on the negated metric: ties keep item order.
        chosen = candidates[np.argsort(-metric[candidates], kind="stable")][:limit]
    else:
        voted = np.flatnonzero(seen > 0)
        if not len(voted):
            return ()
        chosen = voted[[np.argmax(np.maximum(agree["z"], disagree["z"])[voted])]]
    hits, rest_probability = pick("hits"), pick("rest_probability")
    return tuple(
        RepresentativeItem(
            item=items[j],
            direction="agree" if chooses_agree[j] else "disagree",
            group_votes=int(seen[j]),
            group_count=int(hits[j]),
            group_probability=float(probability[j]),
            rest_probability=float(rest_probability[j]),
            ratio=float(ratio[j]),
            z=float(z[j]),
            p_value=float(ndtr(-z[j])),
            group_z=float(group_z[j]),
            significant=bool(significant[j]),
        )
        for j in chosen
    )


def _consensus(counts: _Counts, items: tuple[Key, ...]) -> tuple[ItemConsensus, ...]:
    """Group-informed consensus of every item, highest agree consensus first."""
    agree = np.prod(_smoothed(counts.agree, counts.seen), axis=0)
    disagree = np.prod(_smoothed(counts.disagree, counts.seen), axis=0)
    order = np.argsort(-agree, kind="stable")
    return tuple(ItemConsensus(item=items[j], agree=float(agree[j]), disagree=float(disagree[j])) for j in order)
