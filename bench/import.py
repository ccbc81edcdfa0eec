"""Time the spreadsheet import of N typed-in testimonies, against a plain baseline.

    .venv/bin/python bench/import.py --sizes 10000,100000
    .venv/bin/python bench/import.py 10000 100000 --database-url postgresql://postgres@127.0.0.1:54330/bench_consult

For each size, a CSV file of N varied rows is written under bench/out/ (the texts,
themes, categories, regions and visibilities of seed_large.py's testimonies, with a
key, a channel and a consent method each), into a consultation created for the run with
one organisation. Then, timed:

- check: `read_sheet` + `check` (consult.paper: the file decoded and parsed, every row
  through the online form's rules, the keys looked up among existing testimonies);
- import: `import_rows` (bulk inserts of the testimonies and their themes, one transaction);
- re-import: the same file checked and imported again (it adds nothing);
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
import platform
import random
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

        started = time.perf_counter()
        checked = services.check(consultation, organisation, read_sheet(path.read_bytes()))
        figures["check"] = time.perf_counter() - started
        if checked.problems:
            raise SystemExit(f"{len(checked.problems)} invalid rows, e.g. {checked.problems[0]}")
        started = time.perf_counter()
        figures["imported"] = services.import_rows(consultation, organisation, checked, None)
        figures["import"] = time.perf_counter() - started

        started = time.perf_counter()
        again = services.check(consultation, organisation, read_sheet(path.read_bytes()))
        figures["added_again"] = services.import_rows(consultation, organisation, again, None)
        figures["reimport"] = time.perf_counter() - started
        figures["already"] = again.already

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
    args = parser.parse_args()
    sizes = sorted(set(args.n + args.sizes)) or [10_000, 100_000]
    seed_large.OUT_DIR.mkdir(parents=True, exist_ok=True)
    print(f"Python {platform.python_version()}, {platform.machine()}")
    print("| database | rows | file | check (read + validate) | import | total | rows/s "
          "| re-import (adds) | baseline csv.reader + executemany | total / baseline |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in sizes:
        if args.database_url:
            url = args.database_url
        else:
            database = seed_large.OUT_DIR / f"import-{n}.sqlite"
            database.unlink(missing_ok=True)
            url = f"sqlite:///{database}"
        f = run(n, url)
        if f["imported"] != n or f["added_again"] or f["already"] != n or f["in_database"] != n:
            raise SystemExit(f"unexpected counts: {f}")
        total = f["check"] + f["import"]
        print(f"| {f['dialect']} | {n:,} | {f['file_mb']:.0f} MB | {f['check']:.1f} s "
              f"| {f['import']:.1f} s | {total:.1f} s | {n / total:,.0f} "
              f"| {f['reimport']:.1f} s ({f['added_again']}) | {f['baseline']:.1f} s "
              f"| {total / f['baseline']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
