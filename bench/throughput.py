"""Public pages served by gunicorn against a bare Flask application (locust, headless,
loopback only).

    .venv/bin/python bench/throughput.py 100000 --users 32 --duration 20
    .venv/bin/python bench/throughput.py 100000 \\
        --database-url postgresql://postgres@127.0.0.1:54330/bench_throughput

N testimonies are seeded (bench/seed_large.py; a SQLite file, or --database-url). Three
servers then run side by side under the same gunicorn.conf.py and settings, in
production mode on 127.0.0.1 ports: Consult as deployed (public pages kept for anonymous
readers, consult.http_cache), Consult with PAGE_CACHE_SECONDS=0 (every page made at each
request), and a bare Flask application (bench/bare_app.py). For each public page (home,
the consultation, the testimony list, a search, one testimony), locust's `Reader` users
ask for it for --duration seconds from each server in turn, without conditional
requests (every answer is a whole page). The table gives requests per second and the
99th percentile of each, and Consult's as shares and ratios of bare Flask's, with the
load average before and after. Logs and locust's CSV files: bench/out/load/throughput/.
"""
import argparse
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask

import seed_large
from load import (
    LocustRun,
    Settings,
    _bench_database,
    _bounded,
    add_server_options,
    fresh_folder,
    load_average,
    machine,
    run_locust,
    started,
    warm_up,
)
from pages import (
    COMMON_WORD,
    LIST_MARK,
    TESTIMONY_LINK,
    TESTIMONY_MARK,
    Page,
    _database_description,
    _get,
    fresh_database,
)
from consult.extensions import db

#: Bounds of a run: users at once, seconds per measurement.
MAX_USERS = 256
MAX_SECONDS = 300
#: The servers of a run, in the order each page is measured: name, app, extra settings.
SERVERS = (("kept", "wsgi:app", {}),
           ("made", "wsgi:app", {"PAGE_CACHE_SECONDS": "0"}),
           ("bare", "bench.bare_app:app", {}))


def public_pages(app: Flask) -> list[Page]:
    """Home, the consultation, its testimony list, a search, and the newest testimony."""
    base = f"/c/{seed_large.DEFAULT_SLUG}"
    client = app.test_client()
    testimony = TESTIMONY_LINK.search(_get(client, f"{base}/testimonies", LIST_MARK)).group(1)
    return [
        Page("home", "/", f'href="{base}"'),
        Page("consultation", base, f'href="{base}/testimonies"'),
        Page("testimony list", f"{base}/testimonies", LIST_MARK),
        Page(f"search (q={COMMON_WORD})", f"{base}/testimonies?{urlencode({'q': COMMON_WORD})}",
             LIST_MARK),
        Page("one testimony", testimony, TESTIMONY_MARK),
    ]


@dataclass
class PageResult:
    page: Page
    runs: dict[str, LocustRun]

    def share(self, server: str) -> float:
        return self.runs[server].total.per_second / self.runs["bare"].total.per_second

    def p99_ratio(self, server: str) -> float:
        return self.runs[server].total.p99 / max(self.runs["bare"].total.p99, 1)


def run(args: argparse.Namespace, folder: Path) -> None:
    print(f"Public pages: {args.size:,} testimonies, "
          f"{_database_description(args.database_url)}", flush=True)
    database_url = fresh_database(args.size, args.database_url)
    app = seed_large.make_app(database_url)
    with app.app_context():
        seeded = seed_large.seed(args.size)
        public = seed_large.count_public(seeded.consultation_id)
        pages = public_pages(app)
        db.engine.dispose()
    print(f"Seeded in {seeded.seconds:.1f} s ({public:,} public testimonies)", flush=True)
    results = []
    with ExitStack() as stack:
        servers = [started(stack, name, target, Settings.production(
            folder, args.workers, args.threads, DATABASE_URL=database_url, **settings))
            for name, target, settings in SERVERS]
        load_before = load_average()
        for number, page in enumerate(pages):
            runs = {}
            for server in servers:
                mark = '"status"' if server.name == "bare" else page.mark
                if server.name != "bare":
                    warm_up(server, page)
                runs[server.name] = run_locust(
                    folder, f"{number}-{server.name}", "Reader", server.url, args.users,
                    args.users, args.duration, "--page", page.url, "--expect", mark,
                    reset_stats=True)
            results.append(PageResult(page, runs))
            print(f"  {page.name}: " + ", ".join(
                f"{name} {run.total.per_second:,.0f} req/s" for name, run in runs.items()),
                flush=True)
        load_after = load_average()
        worker_starts = {server.name: server.worker_starts() for server in servers}
    print()
    print(markdown(args, seeded.seconds, public, results, load_before, load_after,
                   worker_starts))
    failures = [f for result in results for run in result.runs.values() for f in run.failures]
    if failures:
        raise SystemExit("Some requests failed:\n" + "\n".join(failures))


def markdown(args, seed_seconds: float, public: int, results: list[PageResult],
             load_before: float, load_after: float, worker_starts: dict[str, int]) -> str:
    spans = [run.measured_seconds for r in results for run in r.runs.values()]
    lines = [
        f"- Machine: {machine()}",
        f"- Database: {_database_description(args.database_url)}; {args.size:,} testimonies "
        f"({public:,} public), seeded in {seed_seconds:.1f} s",
        f"- gunicorn.conf.py with WEB_CONCURRENCY={args.workers}, "
        f"GUNICORN_THREADS={args.threads} for the three servers; CONSULT_ENV=production",
        f"- Locust: {args.users} users, no pause, --run-time {args.duration} s per page and "
        "server (kept, made, bare in turn for each page); statistics reset once all users "
        f"are running, then measured over {min(spans):.1f} to {max(spans):.1f} s",
        f"- Load average (1 min): {load_before:.2f} before, {load_after:.2f} after",
        "- Workers started (gunicorn replaces one after max_requests): "
        + ", ".join(f"{name} {count}" for name, count in worker_starts.items()),
    ]
    if any(run.cpu_bound for r in results for run in r.runs.values()):
        lines.append("- Locust warned that it used more than 90 % of a CPU in some runs: "
                     "there the server could have answered more than was asked.")
    lines += [
        "",
        "| page | kept req/s | made req/s | bare req/s | kept / bare | made / bare "
        "| p99 ms kept / made / bare | p99 kept ÷ bare | failures |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        kept, made, bare = (r.runs[name].total for name in ("kept", "made", "bare"))
        lines.append(
            f"| {r.page.name} | {kept.per_second:,.0f} | {made.per_second:,.0f} "
            f"| {bare.per_second:,.0f} | {r.share('kept'):.1%} | {r.share('made'):.1%} "
            f"| {kept.p99:,.0f} / {made.p99:,.0f} / {bare.p99:,.0f} "
            f"| {r.p99_ratio('kept'):.1f}× | {kept.failures + made.failures + bare.failures} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", nargs="?", type=_bounded(1, 10_000_000), default=100_000,
                        help="testimonies to seed (default: 100000)")
    parser.add_argument("--database-url", type=_bench_database,
                        help="a loopback PostgreSQL database whose name contains 'bench' "
                             "(its public schema is dropped); default: a SQLite file")
    parser.add_argument("--users", type=_bounded(1, MAX_USERS), default=32,
                        help=f"locust users at once (default: 32, at most {MAX_USERS})")
    parser.add_argument("--duration", type=_bounded(5, MAX_SECONDS), default=20,
                        help=f"seconds per page and server (default: 20, at most {MAX_SECONDS})")
    add_server_options(parser)
    args = parser.parse_args()
    run(args, fresh_folder("throughput"))


if __name__ == "__main__":
    main()
