"""Time the opinion-group analysis (consult/voting/opinions.py) against red-dwarf 0.4.0.

    .venv/bin/python bench/opinions.py --sizes 1000x100,10000x1000,50000x2000,33500x800:2000000

First, on the two real Polis conversations in tests/data/polis, the number of
groups and the adjusted Rand index against Polis's own group-id, for our analysis,
red-dwarf's Polis pipeline (defaults, random_state=0) and plain PCA + k-means, with
the median time of ours and red-dwarf's over --repeat runs in one process.

Then, for each size PARTICIPANTSxITEMS[:VOTES], generates votes deterministically
(seeded): three latent camps of 50/30/20% of the participants, each with its own
leaning on every item (a fifth of the items are agreed or disagreed by all camps), 20%
passes; participants' activity is log-normal and items' popularity decreasing, like
Polis's, with on average 12.5% of the items voted on when VOTES is not given. Each size
runs in a fresh process, ours and red-dwarf's apart, so that peak memory (ru_maxrss) is
that run's own; red-dwarf is stopped after --reddwarf-timeout seconds.

Prints markdown tables: wall time of each, their ratio, peak memory, groups found and
the adjusted Rand index of the groups against the generator's camps.
"""
import argparse
import json
import platform
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: find `consult`

POLIS_DATA = ROOT / "tests" / "data" / "polis"
CONVERSATIONS = ("15-per-hour-seattle", "brexit-consensus")
CAMP_SHARES = (0.5, 0.3, 0.2)
PASS_SHARE = 0.2
CONSENSUS_SHARE = 0.2
DEFAULT_DENSITY = 0.125


def parse_size(text: str) -> tuple[int, int, int]:
    """'PxI' or 'PxI:V' to (participants, items, votes)."""
    shape, _, votes = text.partition(":")
    participants, items = (int(n) for n in shape.split("x"))
    return participants, items, int(votes) if votes else round(participants * items * DEFAULT_DENSITY)


def generate(participants: int, items: int, votes: int,
             seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(participant ids, item ids, values, camps): about ``votes`` distinct votes."""
    rng = np.random.default_rng(seed)
    camps = rng.choice(len(CAMP_SHARES), size=participants, p=CAMP_SHARES)
    leaning = rng.choice([0.15, 0.5, 0.85], size=(len(CAMP_SHARES), items))
    shared = rng.random(items) < CONSENSUS_SHARE
    leaning[:, shared] = rng.choice([0.1, 0.9], size=int(shared.sum()))
    activity = rng.lognormal(0.0, 0.8, participants)
    popularity = 1.0 / (1.0 + np.arange(items) / (items / 5))
    # Drawing (participant, item) pairs independently gives some repeats: draw extra, keep the first.
    draws = int(votes * 1.3) + 100
    who = rng.choice(participants, size=draws, p=activity / activity.sum())
    what = rng.choice(items, size=draws, p=popularity / popularity.sum())
    _, first = np.unique(who.astype(np.int64) * items + what, return_index=True)
    first = np.sort(first)[:votes]
    who, what = who[first], what[first]
    agrees = rng.random(len(who)) < leaning[camps[who], what]
    values = np.where(agrees, 1, -1).astype(np.int8)
    values[rng.random(len(who)) < PASS_SHARE] = 0
    return who, what, values, camps


def run_ours(participant_ids: np.ndarray, item_ids: np.ndarray, values: np.ndarray) -> tuple[dict, float, float]:
    """Our analysis from vote arrays: (participant to group, build seconds, analyse seconds)."""
    from consult.voting.opinions import VoteMatrix, analyse

    start = time.perf_counter()
    matrix = VoteMatrix.from_arrays(participant_ids, item_ids, values)
    built = time.perf_counter()
    result = analyse(matrix)
    return result.group_of(), built - start, time.perf_counter() - built


def store_votes(consultation, participant_ids: np.ndarray, item_ids: np.ndarray,
                values: np.ndarray) -> tuple[int, int]:
    """Store the votes as the application stores them: one imported statement per item,
    one voter per participant; returns the first voter and proposal ids (not timed)."""
    from sqlalchemy import insert

    from consult.extensions import db
    from consult.models import Proposal, Vote, Voter

    n_items, n_participants = int(item_ids.max()) + 1, int(participant_ids.max()) + 1
    db.session.execute(insert(Proposal), [
        {"consultation_id": consultation.id, "kind": "imported", "status": "published",
         "text": f"Item {i}", "external_id": str(i)} for i in range(n_items)])
    db.session.execute(insert(Voter), [
        {"consultation_id": consultation.id, "external_id": str(p)}
        for p in range(n_participants)])
    first_proposal = db.session.execute(db.select(db.func.min(Proposal.id)).where(
        Proposal.consultation_id == consultation.id)).scalar_one()
    first_voter = db.session.execute(db.select(db.func.min(Voter.id)).where(
        Voter.consultation_id == consultation.id)).scalar_one()
    for start in range(0, len(values), 500_000):
        chunk = slice(start, start + 500_000)
        db.session.execute(Vote.__table__.insert(), [
            {"voter_id": int(p) + first_voter, "proposal_id": int(i) + first_proposal,
             "value": int(v)}
            for p, i, v in zip(participant_ids[chunk], item_ids[chunk], values[chunk])])
    db.session.commit()
    db.session.expire_all()
    return first_voter, first_proposal


def run_ours_from_database(participant_ids: np.ndarray, item_ids: np.ndarray,
                           values: np.ndarray) -> tuple[dict, float, float]:
    """The votes stored as the application stores them (a fresh SQLite file under
    bench/out/, not timed), then the application's own path timed: reading the votes
    from the database and analysing them (consult.voting.services.opinion_groups).
    Returns (participant to group, load seconds, load + analyse seconds)."""
    import seed_large
    from consult.extensions import db
    from consult.models import Consultation
    from consult.voting import services

    path = seed_large.OUT_DIR / "opinions.sqlite"
    path.unlink(missing_ok=True)
    app = seed_large.make_app(f"sqlite:///{path}")
    with app.app_context():
        consultation = Consultation(slug="opinions", title="Opinions")
        db.session.add(consultation)
        db.session.flush()
        first_voter, _first_proposal = store_votes(consultation, participant_ids, item_ids,
                                                   values)

        import consult.voting.opinions  # noqa: F401  (loading NumPy and SciPy is not the work timed)

        started = time.perf_counter()
        services.vote_matrix(consultation)
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        result = services.opinion_groups(consultation)
        total = time.perf_counter() - started
        found = {voter - first_voter: group for voter, group in result.group_of().items()}
        db.engine.dispose()
    path.unlink()
    return found, loaded, total


def run_reddwarf(participant_ids: np.ndarray, item_ids: np.ndarray, values: np.ndarray,
                 rejected: list[int] | None = None) -> tuple[dict, float]:
    """red-dwarf's Polis pipeline on the same votes: (participant to group, seconds).

    Its input is a list of vote dicts; building that list is not timed.
    """
    warnings.filterwarnings("ignore")
    from reddwarf.implementations.polis import run_pipeline

    votes = [{"participant_id": p, "statement_id": i, "vote": v, "modified": n}
             for n, (p, i, v) in enumerate(zip(participant_ids.tolist(), item_ids.tolist(), values.tolist()))]
    start = time.perf_counter()
    result = run_pipeline(votes=votes, mod_out_statement_ids=rejected or [], random_state=0)
    seconds = time.perf_counter() - start
    labels = result.participants_df["cluster_id"].dropna()
    return {int(p): int(g) for p, g in labels.items()}, seconds


def run_pca_kmeans(participant_ids: np.ndarray, item_ids: np.ndarray, values: np.ndarray,
                   min_votes: int = 7, max_groups: int = 5) -> dict:
    """Baseline: PCA to 2-D of the votes of participants with ``min_votes`` votes, missing
    votes replaced by the item's mean vote, then k-means with k = 2..max_groups chosen by silhouette over participants."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.metrics import silhouette_score

    from consult.voting.opinions import VoteMatrix

    matrix = VoteMatrix.from_arrays(participant_ids, item_ids, values)
    dense = np.full(matrix.shape, np.nan)
    dense[matrix.rows, matrix.cols] = matrix.values
    kept = np.flatnonzero((~np.isnan(dense)).sum(axis=1) >= min_votes)
    dense = np.where(np.isnan(dense), np.nanmean(dense, axis=0), dense)[kept]
    positions = PCA(2, random_state=0).fit_transform(dense)
    fits = [KMeans(k, n_init=10, random_state=0).fit(positions) for k in range(2, max_groups + 1)]
    best = max(fits, key=lambda fit: silhouette_score(positions, fit.labels_))
    return {matrix.participants[i]: int(g) for i, g in zip(kept, best.labels_)}


def agreement(found: dict, reference: dict) -> tuple[int, float, int]:
    """(groups found, adjusted Rand index over participants in both, how many)."""
    from sklearn.metrics import adjusted_rand_score

    common = sorted(set(found) & set(reference))
    ari = adjusted_rand_score([reference[p] for p in common], [found[p] for p in common])
    return len(set(found.values())), round(float(ari), 3), len(common)


def median_seconds(run, repeat: int) -> float:
    """Median wall time of ``repeat`` calls of ``run`` after one untimed call (imports, caches)."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def polis_table(repeat: int) -> None:
    """Groups, ARI against Polis's group-id and time on the real conversations.

    Times are medians of ``repeat`` runs in this process, ours and red-dwarf's taken in
    turn; ours counts building the matrix from the vote arrays, red-dwarf's does not
    count building its list of vote dicts.
    """
    from consult.voting.opinions import VoteMatrix, analyse
    from consult.voting.polis_files import read_export

    print("| conversation | votes | Polis groups | method | groups | ARI vs Polis | participants compared "
          "| median s | red-dwarf / ours |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for name in CONVERSATIONS:
        export = read_export(POLIS_DATA / name)
        reference = {p: g for p, g in export.reference_groups.items() if g is not None}
        rejected = export.rejected_comment_ids
        everything = export.vote_arrays()

        def ours_run():
            return analyse(VoteMatrix.from_arrays(*everything), excluded_items=rejected).group_of()

        methods = {"ours": (ours_run(), median_seconds(ours_run, repeat))}
        try:
            found = run_reddwarf(*everything, rejected=sorted(rejected))[0]
            seconds = float(np.median([run_reddwarf(*everything, rejected=sorted(rejected))[1]
                                       for _ in range(repeat)]))
            methods["red-dwarf 0.4.0"] = (found, seconds)
        except ImportError:
            print(f"| {name} | | | red-dwarf | skipped: not installed | | | | |")
        methods["PCA + k-means"] = (run_pca_kmeans(*export.vote_arrays(without_rejected=True)), None)
        ours_seconds = methods["ours"][1]
        for method, (found, seconds) in methods.items():
            groups, ari, compared = agreement(found, reference)
            timing = "| |" if seconds is None else f"| {seconds:.3f} | {seconds / ours_seconds:.1f}× |"
            print(f"| {name} | {len(everything[0]):,} | {len(set(reference.values()))} | {method} | {groups} "
                  f"| {ari} | {compared} {timing}", flush=True)
    print()


def peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def run_one(size: str, which: str, seed: int) -> dict:
    participants, items, votes = parse_size(size)
    participant_ids, item_ids, values, camps = generate(participants, items, votes, seed)
    truth = dict(enumerate(camps.tolist()))
    if which == "ours":
        found, build, analysis = run_ours(participant_ids, item_ids, values)
        seconds = {"build": round(build, 2), "analyse": round(analysis, 2), "total": round(build + analysis, 2)}
    elif which == "database":
        found, load, total = run_ours_from_database(participant_ids, item_ids, values)
        seconds = {"load": round(load, 2), "total": round(total, 2)}
    else:
        found, total = run_reddwarf(participant_ids, item_ids, values)
        seconds = {"total": round(total, 2)}
    groups, ari, _ = agreement(found, truth)
    return {**seconds, "votes": len(values), "peak_mb": peak_mb(), "groups": groups, "ari": ari}


def child(size: str, which: str, seed: int, timeout: float | None) -> dict | str:
    """Run one size in a fresh process: its figures, or why there are none."""
    command = [sys.executable, __file__, "--one", size, "--which", which, "--seed", str(seed)]
    try:
        out = subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout).stdout
    except subprocess.TimeoutExpired:
        return f"skipped: still running after {timeout:.0f} s"
    except subprocess.CalledProcessError as error:
        return f"failed: {error.stderr.strip().splitlines()[-1] if error.stderr.strip() else error.returncode}"
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000x100,10000x1000,50000x2000,33500x800:2000000")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reddwarf-timeout", type=float, default=600.0)
    parser.add_argument("--skip-reddwarf", action="store_true")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs on each real conversation")
    parser.add_argument("--skip-database", action="store_true",
                        help="leave out the run that stores the votes in SQLite and reads them back")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # child process: one size
    parser.add_argument("--which", default="ours", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.which, args.seed)))
        return
    import scipy
    import sklearn

    print(f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"scikit-learn {sklearn.__version__}\n")
    polis_table(args.repeat)
    print("| participants × items | votes | ours: build s | ours: analyse s | ours: total s | ours: peak RSS MB "
          "| ours: groups (ARI vs camps) | red-dwarf s | red-dwarf peak RSS MB | red-dwarf groups (ARI) "
          "| red-dwarf / ours | from SQLite: load s | from SQLite: load + analyse s | red-dwarf / from SQLite |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size in args.sizes.split(","):
        ours = child(size, "ours", args.seed, None)
        stored = "skipped" if args.skip_database else child(size, "database", args.seed, None)
        theirs = "skipped: --skip-reddwarf" if args.skip_reddwarf else child(
            size, "reddwarf", args.seed, args.reddwarf_timeout)
        shape = size.split(":")[0].replace("x", " × ")
        if isinstance(theirs, dict):
            red = (f"{theirs['total']} | {theirs['peak_mb']} | {theirs['groups']} ({theirs['ari']}) "
                   f"| {theirs['total'] / ours['total']:.1f}×")
        else:
            red = f"{theirs} | | | "
        if isinstance(stored, dict):
            ratio = f"{theirs['total'] / stored['total']:.1f}×" if isinstance(theirs, dict) else ""
            database = f"{stored['load']} | {stored['total']} | {ratio}"
        else:
            database = f"{stored} | | "
        print(f"| {shape} | {ours['votes']:,} | {ours['build']} | {ours['analyse']} | {ours['total']} "
              f"| {ours['peak_mb']} | {ours['groups']} ({ours['ari']}) | {red} | {database} |", flush=True)


if __name__ == "__main__":
    main()
