"""Time the public testimony pages at several database sizes.

    .venv/bin/python bench/pages.py --sizes 100,100000 --repeat 30
    .venv/bin/python bench/pages.py --database-url postgresql://postgres@127.0.0.1:54330/bench_consult

For each size, a fresh database is seeded by seed_large.seed(), then each page is
requested with Flask's test client (no network, no server): a few untimed warm-up
requests, then --repeat timed ones. Every timed response must be HTTP 200, and list
pages must show testimonies. The SQL statements of each request are counted with an
engine event, at the configured page size and at page sizes 5 and 50, to show that
they grow neither with the data nor with the page.

The result is printed as markdown: median and 90th percentile per page and size, the
ratio of the largest size to the smallest, and the statement counts.
"""
import argparse
import html
import platform
import re
import sqlite3
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Flask
from sqlalchemy import Select, create_engine, event, func, make_url, select, text

import seed_large
from config import normalise_database_url
from consult.extensions import db
from consult.models import (
    Consultation,
    ParticipantCategory,
    Region,
    Testimony,
    Theme,
    testimony_themes,
)
from consult.search import testimony_ids

#: Untimed requests before each page's timed ones (caches, compiled statements).
WARM_UP = 3
#: Page sizes at which statements are counted, besides the configured one.
OTHER_PAGE_SIZES = (5, 50)
#: Search words: in about half of the public testimonies, in about 3%, in about 0.1%.
COMMON_WORD = "services"
MEDIUM_WORD = "psychoéducateur"
RARE_WORD = seed_large.RARE_WORD
#: Filter values, by name: a frequent theme and region, a frequent category.
THEME = seed_large.THEMES[2][0]
REGION = "Montréal"
CATEGORY = seed_large.CATEGORIES[1][0]

NEXT_LINK = re.compile(r'<a rel="next" href="([^"]+)"')
TESTIMONY_LINK = re.compile(r'href="(/c/[^/"]+/testimonies/\d+)"')
LIST_MARK = '<ol class="testimonies">'
TESTIMONY_MARK = '<article class="testimony">'


@dataclass
class Page:
    name: str
    url: str
    #: Text every response must contain: a list with results, or a testimony.
    mark: str


@dataclass
class Timing:
    """What was measured for one page at one size."""

    seconds: list[float]
    #: Statements per request, by page size.
    statements: dict[int, int]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p90_ms(self) -> float:
        return statistics.quantiles(self.seconds, n=10, method="inclusive")[8] * 1000


@dataclass
class SizeRun:
    """One size: the data seeded and the timing of each page."""

    size: int
    seed_seconds: float
    counts: dict[str, int]
    deep_pages: int
    timings: dict[str, Timing] = field(default_factory=dict)
    plans: dict[str, str] = field(default_factory=dict)


class StatementLog:
    """Records the statements sent to the database while it is active."""

    def __init__(self, engine):
        self.statements: list[tuple[str, object]] = []
        self.active = False
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        if self.active:
            self.statements.append((statement, parameters))

    def __enter__(self) -> "StatementLog":
        self.statements = []
        self.active = True
        return self

    def __exit__(self, *exc) -> None:
        self.active = False


def fresh_database(size: int, database_url: str | None) -> str:
    """An empty database for `size`: a new SQLite file, or the PostgreSQL one emptied."""
    if database_url is None:
        path = seed_large.OUT_DIR / f"pages-{size}.sqlite"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    url = normalise_database_url(database_url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


def _check(page_url: str, status: int, body: str, mark: str) -> None:
    if status != 200 or mark not in body:
        raise SystemExit(f"{page_url}: HTTP {status}, {'with' if mark in body else 'without'} "
                         f"{mark!r}")


def _get(client, page_url: str, mark: str) -> str:
    response = client.get(page_url)
    body = response.get_data(as_text=True)
    _check(page_url, response.status_code, body, mark)
    return body


def _search_count(consultation: Consultation, words: str) -> Select:
    """Count the public testimonies matching `words`, with the query the app pages through."""
    query, _key = testimony_ids(words, db.engine.dialect.name)
    matching = query.where(Testimony.consultation_id == consultation.id,
                           Testimony.is_public.is_(True)).subquery()
    return select(func.count()).select_from(matching)


def _data_counts(consultation: Consultation, theme_id: int, region_id: int,
                 category_id: int) -> dict[str, int]:
    """How many public testimonies each list page has to choose from."""
    public = (select(func.count()).select_from(Testimony)
              .where(Testimony.consultation_id == consultation.id,
                     Testimony.is_public.is_(True)))
    queries = {
        "public": public,
        "theme + region": public.join(testimony_themes,
                                      (testimony_themes.c.testimony_id == Testimony.id)
                                      & (testimony_themes.c.theme_id == theme_id))
                                .where(Testimony.region_id == region_id),
        "category": public.where(Testimony.category_id == category_id),
        **{f"q={word}": _search_count(consultation, word)
           for word in (COMMON_WORD, MEDIUM_WORD, RARE_WORD)},
    }
    return {name: db.session.execute(query).scalar_one() for name, query in queries.items()}


def _pages(app: Flask, deep: int) -> tuple[list[Page], dict[str, int], int]:
    """The pages to time, the data behind them, and how deep the deep page is."""
    with app.app_context():
        consultation = db.session.execute(
            select(Consultation).filter_by(slug=seed_large.DEFAULT_SLUG)).scalar_one()
        ids = {model: db.session.execute(
                   select(model.id).filter_by(consultation_id=consultation.id, name=name)
               ).scalar_one()
               for model, name in ((Theme, THEME), (Region, REGION),
                                   (ParticipantCategory, CATEGORY))}
        counts = _data_counts(consultation, ids[Theme], ids[Region], ids[ParticipantCategory])
    base = f"/c/{seed_large.DEFAULT_SLUG}/testimonies"
    client = app.test_client()
    deep_url, depth = base, 0
    while depth < deep:
        found = NEXT_LINK.search(_get(client, deep_url, LIST_MARK))
        if found is None:
            break
        deep_url, depth = html.unescape(found.group(1)), depth + 1
    testimony_url = TESTIMONY_LINK.search(_get(client, deep_url, LIST_MARK)).group(1)
    pages = [
        Page("list", base, LIST_MARK),
        Page("theme + region",
             f"{base}?{urlencode({'theme': ids[Theme], 'region': ids[Region]})}", LIST_MARK),
        Page("category", f"{base}?{urlencode({'category': ids[ParticipantCategory]})}",
             LIST_MARK),
        *(Page(f"search {kind} (q={word})", f"{base}?{urlencode({'q': word})}", LIST_MARK)
          for kind, word in (("common", COMMON_WORD), ("medium", MEDIUM_WORD),
                             ("rare", RARE_WORD))),
        Page("deep page", deep_url, LIST_MARK),
        Page("testimony", testimony_url, TESTIMONY_MARK),
    ]
    return pages, counts, depth


def _timed_get(client, log: StatementLog, page: Page) -> tuple[float, int]:
    """One checked request: its duration and the number of statements it sent."""
    with log:
        started = time.perf_counter()
        response = client.get(page.url)
        body = response.get_data()
        seconds = time.perf_counter() - started
    _check(page.url, response.status_code, body.decode(), page.mark)
    return seconds, len(log.statements)


def _time_pages(app: Flask, log: StatementLog, pages: list[Page],
                repeat: int) -> dict[str, Timing]:
    """Time the pages in turn, round after round, so that a slow moment hits them alike;
    then count their statements at other page sizes."""
    client = app.test_client()
    for page in pages:
        for _ in range(WARM_UP):
            _get(client, page.url, page.mark)
    seconds = {page.name: [] for page in pages}
    counts = {page.name: set() for page in pages}
    for _ in range(repeat):
        for page in pages:
            duration, statements = _timed_get(client, log, page)
            seconds[page.name].append(duration)
            counts[page.name].add(statements)
    configured = app.config["PAGE_SIZE"]
    by_page_size = {}
    for page in pages:
        if len(counts[page.name]) != 1:
            raise SystemExit(f"{page.url}: the statement count varied: {counts[page.name]}")
        by_page_size[page.name] = {configured: counts[page.name].pop()}
    for size in OTHER_PAGE_SIZES:
        app.config["PAGE_SIZE"] = size
        for page in pages:
            by_page_size[page.name][size] = _timed_get(client, log, page)[1]
    app.config["PAGE_SIZE"] = configured
    return {page.name: Timing(seconds[page.name], dict(sorted(by_page_size[page.name].items())))
            for page in pages}


def _plan(app: Flask, log: StatementLog, page: Page) -> str | None:
    """The plan of the query that picks the page's testimonies, if the page has one."""
    with log:
        _get(app.test_client(), page.url, page.mark)
    picks = [(s, p) for s, p in log.statements if s.lstrip().startswith("SELECT testimonies.id")]
    if not picks:
        return None
    statement, parameters = picks[0]
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plan = "\n".join(f"{row.id:>3} {row.parent:>3} {row.detail}" for row in rows)
        else:
            rows = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}",
                                              parameters)
            plan = "\n".join(row[0] for row in rows)
    return f"{statement}\n{parameters}\n{plan}"


def run_size(size: int, database_url: str | None, repeat: int, deep: int,
             explain: bool) -> SizeRun:
    app = seed_large.make_app(fresh_database(size, database_url))
    with app.app_context():
        seeded = seed_large.seed(size)
        log = StatementLog(db.engine)
    pages, counts, depth = _pages(app, deep)
    run = SizeRun(size, seeded.seconds, counts, depth)
    run.timings = _time_pages(app, log, pages, repeat)
    if explain:
        for page in pages:
            plan = _plan(app, log, page)
            if plan:
                run.plans[page.name] = plan
    with app.app_context():
        db.engine.dispose()
    return run


def markdown(runs: list[SizeRun]) -> str:
    """The timings table, then a table of the data each size had."""
    small, big = runs[0], runs[-1]
    page_sizes = "/".join(map(str, next(iter(small.timings.values())).statements))
    header = " | ".join(f"N={run.size:,} median (p90) ms" for run in runs)
    lines = [
        f"| Page | {header} | ratio N={big.size:,} / N={small.size:,} "
        f"| statements at page size {page_sizes}, by N |",
        "|---" * (len(runs) + 3) + "|",
    ]
    for name in small.timings:
        timings = [run.timings[name] for run in runs]
        cells = " | ".join(f"{t.median_ms:.2f} ({t.p90_ms:.2f})" for t in timings)
        ratio = timings[-1].median_ms / timings[0].median_ms
        statements = " → ".join("/".join(map(str, t.statements.values())) for t in timings)
        lines.append(f"| {name} | {cells} | {ratio:.2f}× | {statements} |")
    lines += [
        "",
        "| N | seeding (s) | " + " | ".join(f"{name} rows" for name in small.counts)
        + " | deep page: pages in |",
        "|---" * (len(small.counts) + 3) + "|",
    ]
    for run in runs:
        counts = " | ".join(f"{count:,}" for count in run.counts.values())
        lines.append(f"| {run.size:,} | {run.seed_seconds:.1f} | {counts} | {run.deep_pages} |")
    return "\n".join(lines)


def _database_description(database_url: str | None) -> str:
    if database_url is None:
        return f"SQLite {sqlite3.sqlite_version} (files under {seed_large.OUT_DIR})"
    url = make_url(normalise_database_url(database_url))
    engine = create_engine(url)
    with engine.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar_one()
    engine.dispose()
    return f"PostgreSQL {version} ({url.render_as_string(hide_password=True)})"


def _sizes(value: str) -> list[int]:
    sizes = sorted({int(size) for size in value.split(",")})
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("give positive sizes, separated by commas")
    return sizes


def _bench_postgresql_url(database_url: str) -> str:
    url = make_url(normalise_database_url(database_url))
    if not url.drivername.startswith("postgresql"):
        raise argparse.ArgumentTypeError("give a postgresql:// address (SQLite is the default)")
    if "bench" not in (url.database or ""):
        raise argparse.ArgumentTypeError(
            f"its schema is dropped: the database name must contain 'bench' (got {url.database!r})")
    return database_url


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="By default each size gets its own SQLite file under bench/out/.",
    )
    parser.add_argument("--sizes", type=_sizes, default=[100, 100_000],
                        help="numbers of testimonies, comma-separated (default: 100,100000)")
    parser.add_argument("--repeat", type=int, default=30,
                        help="timed requests per page and size, at least 2 (default: 30)")
    parser.add_argument("--deep", type=int, default=50,
                        help="how many 'older' links to follow for the deep page (default: 50)")
    parser.add_argument("--database-url", type=_bench_postgresql_url,
                        help="a PostgreSQL database to use instead; its public schema is "
                             "dropped and re-created for each size")
    parser.add_argument("--explain", action="store_true",
                        help="also print, at each size, the plan of the query that picks each "
                             "page's testimonies (EXPLAIN ANALYZE on PostgreSQL)")
    args = parser.parse_args()
    if args.repeat < 2:
        parser.error("--repeat must be at least 2")

    print(f"{_database_description(args.database_url)}; Python {platform.python_version()}; "
          f"{args.repeat} timed requests per page after {WARM_UP} warm-up requests\n")
    runs = []
    for size in args.sizes:
        run = run_size(size, args.database_url, args.repeat, args.deep, args.explain)
        runs.append(run)
        print(f"N={size:,}: seeded in {run.seed_seconds:.1f} s, pages timed", flush=True)
        for name, plan in run.plans.items():
            print(f"\n### Plan at N={size:,}: {name}\n\n```\n{plan}\n```")
    print()
    print(markdown(runs))


if __name__ == "__main__":
    main()
