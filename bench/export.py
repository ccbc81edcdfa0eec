"""Time the public CSV and JSON exports of testimonies against the database's own dump
of the same rows, and measure their memory.

    .venv/bin/python bench/export.py --sizes 100000,1000000
    .venv/bin/python bench/export.py --sizes 100000 --database-url postgresql://postgres@127.0.0.1:54330/bench_consult

For each size, a fresh database is seeded by seed_large.seed() (not timed). Then, each
in a fresh process so that its peak memory (ru_maxrss) is its own:

- ours: `flask consult export bench --format csv|json -o FILE` as a function call
  (consult.exports: keyset batches, rows streamed to the file);
- the database's dump of the same published testimonies and columns, to a file:
  `sqlite3 -csv` on SQLite, `psql -c "COPY (…) TO STDOUT CSV"` on PostgreSQL, its
  peak memory read by GNU time (on PostgreSQL that is the client's; the server's is
  not counted).

Prints a markdown table: seconds, rows a second, output size, peak RSS, and the ratio of
ours to the dump, for each size.
"""
import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import seed_large
from pages import _bench_postgresql_url, fresh_database

DUMP_SQL = ("SELECT id, created_at, published_at, channel, category_id, region_id, "
            "CASE WHEN visibility = 'public' THEN display_name END, public_title, public_body "
            "FROM testimonies WHERE consultation_id = {cid} AND is_public ORDER BY id")


def run_ours(database_url: str, export_format: str, target: Path) -> dict:
    from consult.exports import services

    app = seed_large.make_app(database_url)
    with app.app_context():
        from consult.extensions import db
        from consult.models import Consultation

        consultation = db.session.execute(db.select(Consultation).filter_by(
            slug=seed_large.DEFAULT_SLUG)).scalar_one()
        started = time.perf_counter()
        data = services.dataset("testimonies", consultation, services.Kind.PUBLIC)
        rows = 0

        def counted(items):
            nonlocal rows
            for item in items:
                rows += 1
                yield item

        if export_format == "csv" and data.lines is not None:
            data.lines = counted(data.lines)  # PostgreSQL writes the lines
        else:
            data.rows = counted(data.rows)
        chunks = services.text_chunks(consultation, data, services.Kind.PUBLIC, export_format)
        with open(target, "w", encoding="utf-8", newline="") as handle:
            handle.writelines(chunks)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows, "bytes": target.stat().st_size,
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def run_dump(database_url: str, target: Path) -> dict:
    app = seed_large.make_app(database_url)
    with app.app_context():
        from consult.extensions import db
        from consult.models import Consultation

        consultation_id = db.session.execute(db.select(Consultation.id).filter_by(
            slug=seed_large.DEFAULT_SLUG)).scalar_one()
        url = db.engine.url
    sql = DUMP_SQL.format(cid=int(consultation_id))
    if url.drivername.startswith("sqlite"):
        command = ["sqlite3", "-csv", url.database, sql]
    else:
        command = ["psql", "-X", "-q", "-h", url.host, "-p", str(url.port), "-U", url.username,
                   "-d", url.database, "-c", f"COPY ({sql}) TO STDOUT CSV"]
    # GNU time reports the dump's own peak memory (a forked Python's would count ours).
    report = target.with_suffix(".rss")
    started = time.perf_counter()
    with open(target, "wb") as handle:
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(report), *command],
                       check=True, stdout=handle)
    seconds = time.perf_counter() - started
    with open(target, encoding="utf-8", newline="") as handle:
        rows = sum(1 for _ in csv.reader(handle))
    peak_kib = int(report.read_text().split()[-1])
    report.unlink()
    return {"seconds": seconds, "rows": rows, "bytes": target.stat().st_size,
            "peak_mb": round(peak_kib / 1024)}


def child(what: str, database_url: str, target: Path) -> dict:
    command = [sys.executable, __file__, "--one", what, "--url", database_url,
               "--target", str(target)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--database-url", type=_bench_postgresql_url,
                        help="a PostgreSQL database to use instead (its public schema is "
                             "dropped and re-created for each size)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        target = Path(args.target)
        result = run_dump(args.url, target) if args.one == "dump" else run_ours(
            args.url, args.one, target)
        print(json.dumps(result))
        return
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{database}; Python {platform.python_version()}; {os.cpu_count()} cores\n")
    print("| N | export | seconds | rows/s | MB written | peak RSS MB | ratio to the dump |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for size in (int(s) for s in args.sizes.split(",")):
        url = fresh_database(size, args.database_url)
        app = seed_large.make_app(url)
        with app.app_context():
            seeded = seed_large.seed(size)
            from consult.extensions import db

            db.engine.dispose()
        print(f"<!-- N={size:,}: seeded in {seeded.seconds:.0f} s -->", flush=True)
        target = seed_large.OUT_DIR / "export.out"
        dump = child("dump", url, target)
        results = {"database dump (CSV)": dump,
                   "ours, CSV": child("csv", url, target),
                   "ours, JSON": child("json", url, target)}
        for name, result in results.items():
            print(f"| {size:,} | {name} | {result['seconds']:.2f} | "
                  f"{result['rows'] / result['seconds']:,.0f} | {result['bytes'] / 1e6:,.0f} | "
                  f"{result['peak_mb']} | {result['seconds'] / dump['seconds']:.2f}× |", flush=True)
        target.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
