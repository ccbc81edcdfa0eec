"""Time the results page of a closed consultation once the worker has computed its results,
at two vote counts, interleaved in one process; and the computation (the job) itself.

    .venv/bin/python bench/results.py --sizes 20x10:100,33500x800:2000000 --repeat 30

Each size PARTICIPANTSxITEMS[:VOTES] gets a fresh SQLite file under bench/out/ with the
votes of bench/opinions.py's generator stored as the application stores them (not
timed). The job (consult.voting.services.refresh_results: counts per item, category and
region, opinion groups, the map) is timed once per size. Then the page /c/<slug>/results
is requested with Flask's test client, one request at each size in turn, --repeat times
after a few untimed ones, so that a drifting load on the machine spoils no ratio. Every
response must be HTTP 200 and show the number of voters. Prints markdown: the job's time
and peak memory, the page's median and 90th percentile per size, their ratio, and the
SQL statements per request.
"""
import argparse
import os
import platform
import resource
import statistics
import time
from datetime import timedelta

from sqlalchemy import event

import opinions
import seed_large
from consult.extensions import db
from consult.models import Consultation, utcnow
from consult.voting import services

WARM_UP = 3


def closed_consultation(slug: str) -> Consultation:
    now = utcnow()
    consultation = Consultation(slug=slug, title=f"Résultats {slug}",
                                opens_at=now - timedelta(days=90),
                                synthesis_at=now - timedelta(days=60),
                                vote_at=now - timedelta(days=30),
                                closes_at=now - timedelta(days=1))
    db.session.add(consultation)
    db.session.flush()
    return consultation


class Size:
    """One database with one closed consultation and its votes."""

    def __init__(self, text: str, seed: int):
        self.text = text
        participants, items, votes = opinions.parse_size(text)
        ids, item_ids, values, _camps = opinions.generate(participants, items, votes, seed)
        self.votes = len(values)
        self.slug = f"r{participants}x{items}"
        path = seed_large.OUT_DIR / f"results-{self.slug}.sqlite"
        path.unlink(missing_ok=True)
        self.path = path
        self.app = seed_large.make_app(f"sqlite:///{path}")
        self.client = self.app.test_client()
        with self.app.app_context():
            consultation = closed_consultation(self.slug)
            opinions.store_votes(consultation, ids, item_ids, values)
            started = time.perf_counter()
            services.refresh_results(consultation.id)
            self.job_seconds = time.perf_counter() - started
            self.voters = services.stored_results(consultation).voters
        self.seconds: list[float] = []
        self.statements = 0

    def request(self, timed: bool) -> None:
        count = [0]

        def note(*_args):
            count[0] += 1

        with self.app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", note)
        started = time.perf_counter()
        response = self.client.get(f"/c/{self.slug}/results")
        elapsed = time.perf_counter() - started
        event.remove(engine, "before_cursor_execute", note)
        page = response.get_data(as_text=True)
        if response.status_code != 200 or f"{self.voters:,}".replace(",", "") not in \
                page.replace("\u202f", "").replace(",", "").replace("\xa0", ""):
            raise SystemExit(f"{self.slug}: unexpected page ({response.status_code})")
        if timed:
            self.seconds.append(elapsed)
            self.statements = count[0]

    def close(self) -> None:
        with self.app.app_context():
            db.engine.dispose()
        self.path.unlink(missing_ok=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20x10:100,33500x800:2000000",
                        help="PARTICIPANTSxITEMS[:VOTES], comma-separated, smallest first")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sizes = []
    for text in args.sizes.split(","):
        started_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        size = Size(text, args.seed)
        size.peak_mb = max(started_rss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) // 1024
        sizes.append(size)
    for round_ in range(WARM_UP + args.repeat):
        for size in sizes:
            size.request(timed=round_ >= WARM_UP)
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, SQLite; load average at the end "
          f"{os.getloadavg()[0]:.2f}.\n")
    print("| votes | voters | job (s) | peak memory (MB) | page median (ms) | page p90 (ms) "
          "| statements per request |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for size in sizes:
        print(f"| {size.votes:,} | {size.voters:,} | {size.job_seconds:.2f} | {size.peak_mb:,} "
              f"| {statistics.median(size.seconds) * 1000:.1f} "
              f"| {percentile(size.seconds, 0.9) * 1000:.1f} | {size.statements} |")
    smallest, largest = sizes[0], sizes[-1]
    ratio = statistics.median(largest.seconds) / statistics.median(smallest.seconds)
    print(f"\nPage at {largest.votes:,} votes ÷ page at {smallest.votes:,}: {ratio:.2f}× "
          "(median).")
    for size in sizes:
        size.close()


if __name__ == "__main__":
    main()
