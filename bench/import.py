"""Time the spreadsheet import of N typed-in testimonies, against a plain baseline.

    .venv/bin/python bench/import.py --sizes 10000,100000
    .venv/bin/python bench/import.py 10000 100000 --database-url postgresql://postgres@127.0.0.1:54330/bench_consult

For each size, in a fresh process (so that its peak memory is its own), a CSV file of
N varied rows is written under bench/out/ (the texts, themes, categories, regions and
visibilities of seed_large.py's testimonies, with a key, a channel and a consent method
each), into a consultation created for the run with one organisation. Then, timed:

- check: `check(read_sheet(path))` (consult.paper: the file read as a stream, every row
  through the online form's rules, the keys looked up among earlier imports a batch at a
  time), what the import page's preview and `--dry-run` do;
- import: `import_rows(read_sheet(path))`, the same reading and checking with the bulk
  inserts of each batch, in one transaction: what the confirmation and the command do;
- re-import: the same file imported again (it adds nothing);
- CPU: the seconds of processor the process itself spent on the check and on the import
  (time.process_time), steadier than the wall time on a shared machine;
- memory: the process's resident memory before the check, and its peak (ru_maxrss) once
  the re-import is done;
- baseline: the same file read by a plain `csv.reader` and its rows inserted as they are
  (`executemany`, one transaction) into a scratch table with the same text columns, then
  the scratch table dropped.

By default each size gets a fresh SQLite file under bench/out/; with --database-url (a
PostgreSQL database whose name contains "bench"), the app's migrations bring its schema
down to nothing and up again before each size, so that every size starts from empty
tables as it does on SQLite.
"""
import argparse
import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from flask_babel import force_locale
from flask_migrate import downgrade, upgrade
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
)

import seed_large
from pages import _bench_postgresql_url, _sizes
from consult.extensions import db
from consult.models import (
    Channel,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Testimony,
)
from consult.paper import services
from consult.paper.spreadsheet import COLUMNS, read_sheet

CONSENTS = ("signed_form", "oral", "written")
CHANNELS = [(Channel.PAPER, 60), (Channel.ASSISTED, 25), (Channel.LOCAL_EVENT, 15)]


def write_file(path: Path, n: int, consultation) -> None:
    """N rows as a facilitator would type them: names rather than ids, some accents
    dropped, one to three themes separated by semicolons."""
    rng = random.Random(seed_large.RANDOM_SEED)
    factory = seed_large.TestimonyFactory(rng, consultation, n)
    themes = [theme.name for theme in consultation.themes]
    categories = {c.id: c.name for c in consultation.categories}
    regions = {r.id: r.name for r in consultation.regions}
    channels, weights = zip(*CHANNELS)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for index in range(n):
            row, theme_positions = factory.row(index, consultation.id)
            names = [themes[position] for position in theme_positions]
            if index % 7 == 0:
                names = [name.upper() for name in names]
            writer.writerow([
                f"B-{index:07d}", rng.choices(channels, weights)[0].value, "",
                row["title"] or "", row["body"], "; ".join(names),
                categories[row["category_id"]], regions[row["region_id"]],
                row["visibility"].value, row["display_name"] or "", rng.choice(CONSENTS),
                row["contact_email"] or "",
            ])


def baseline(path: Path) -> float:
    """Seconds to read the file with csv.reader and insert its rows as they are."""
    scratch = Table("bench_import_baseline", MetaData(),
                    Column("id", Integer, primary_key=True),
                    *(Column(name, Text if name == "testimony" else String(200))
                      for name in COLUMNS))
    scratch.drop(db.engine, checkfirst=True)
    scratch.create(db.engine)
    started = time.perf_counter()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [dict(zip(header, line)) for line in reader]
    with db.engine.begin() as connection:
        connection.execute(insert(scratch), rows)
    seconds = time.perf_counter() - started
    scratch.drop(db.engine)
    return seconds


def resident_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def run(n: int, database_url: str) -> dict:
    app = seed_large.make_app(database_url)
    with app.app_context(), app.test_request_context(), force_locale("en"):
        if db.engine.dialect.name != "sqlite":
            # A fresh schema for each size, through the app's own migrations.
            downgrade(revision="base")
        upgrade()
        slug = f"import-{n}-{int(time.time())}"
        consultation = seed_large._create_consultation(slug)
        organisation = Organisation(consultation=consultation, name="Organisme du banc d'essai",
                                    kind=OrganisationKind.COMMUNITY,
                                    status=OrganisationStatus.APPROVED)
        db.session.add(organisation)
        db.session.commit()
        path = seed_large.OUT_DIR / f"import-{n}.csv"
        write_file(path, n, consultation)
        figures = {"rows": n, "file_mb": path.stat().st_size / 2**20}

        figures["rss_before"] = resident_mb()
        started, cpu = time.perf_counter(), time.process_time()
        checked = services.check(consultation, organisation, read_sheet(path))
        figures["check"] = time.perf_counter() - started
        figures["check_cpu"] = time.process_time() - cpu
        if checked.problems:
            raise SystemExit(f"{len(checked.problems)} invalid rows, e.g. {checked.problems[0]}")
        started, cpu = time.perf_counter(), time.process_time()
        figures["imported"] = services.import_rows(consultation, organisation,
                                                   read_sheet(path), None).new
        figures["import"] = time.perf_counter() - started
        figures["import_cpu"] = time.process_time() - cpu

        started = time.perf_counter()
        again = services.import_rows(consultation, organisation, read_sheet(path), None)
        figures["reimport"] = time.perf_counter() - started
        figures["added_again"], figures["already"] = again.new, again.already
        figures["peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        figures["in_database"] = db.session.execute(
            select(func.count()).select_from(Testimony)
            .where(Testimony.consultation_id == consultation.id)).scalar_one()
        figures["baseline"] = baseline(path)
        figures["dialect"] = db.engine.dialect.name
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="*", type=int, help="numbers of rows (or use --sizes)")
    parser.add_argument("--sizes", type=_sizes, default=[],
                        help="numbers of rows, comma-separated (default: 10000,100000)")
    parser.add_argument("--database-url", type=_bench_postgresql_url,
                        help="a PostgreSQL database to use instead of fresh SQLite files")
    parser.add_argument("--one", metavar="URL", help=argparse.SUPPRESS)  # a size's own process
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run(args.n[0], args.one)))
        return
    sizes = sorted(set(args.n + args.sizes)) or [10_000, 100_000]
    seed_large.OUT_DIR.mkdir(parents=True, exist_ok=True)
    print(f"Python {platform.python_version()}, {platform.machine()}")
    print("| database | rows | file | check (preview) | import (check + write) | import CPU "
          "| rows/s | re-import (adds) | resident before | peak "
          "| baseline csv.reader + executemany | import / baseline | load |")
    print("| --- |" + " ---: |" * 12)
    for n in sizes:
        if args.database_url:
            url = args.database_url
        else:
            database = seed_large.OUT_DIR / f"import-{n}.sqlite"
            database.unlink(missing_ok=True)
            url = f"sqlite:///{database}"
        f = json.loads(subprocess.run(
            [sys.executable, __file__, str(n), "--one", url], check=True, text=True,
            stdout=subprocess.PIPE).stdout.splitlines()[-1])
        if f["imported"] != n or f["added_again"] or f["already"] != n or f["in_database"] != n:
            raise SystemExit(f"unexpected counts: {f}")
        print(f"| {f['dialect']} | {n:,} | {f['file_mb']:.0f} MB | {f['check']:.1f} s "
              f"| {f['import']:.1f} s | {f['import_cpu']:.1f} s | {n / f['import']:,.0f} "
              f"| {f['reimport']:.1f} s ({f['added_again']}) | {f['rss_before']:.0f} MB "
              f"| {f['peak']:.0f} MB | {f['baseline']:.1f} s "
              f"| {f['import'] / f['baseline']:.1f} | {os.getloadavg()[0]:.1f} |",
              flush=True)


if __name__ == "__main__":
    main()
