"""Time the public and staff pages at two (or more) database sizes, interleaved.

    .venv/bin/python bench/pages.py --sizes 100,100000 --repeat 30
    .venv/bin/python bench/pages.py --database-url postgresql://postgres@127.0.0.1:54330/consult_bench

Each size gets its own database, side by side in this one process: a SQLite file under
bench/out/, or on PostgreSQL a database named after the one given (NAME_n100,
NAME_n100000), dropped and made again. Each is seeded by seed_large.seed(), then given
what the staff pages read (seed_staff): a moderator and a commissioner signed in through
the login form and its second factor; the date of each decision, its audit entry and
the count of decisions per day; an unresolved flag on one public testimony in
FLAG_EVERY; votes (one voter for VOTERS_PER testimonies, on ITEMS statements) whose
results are computed once by consult.voting.services, as the worker would.

Then each page is requested with Flask's test client (no network, no server): a few
untimed warm-up requests, then --repeat rounds in which every page is requested once at
each size in turn, so that a drifting load on the machine weighs on both sizes alike.
Every timed response must be HTTP 200 and contain its page's mark (list pages must show
testimonies). The SQL statements of each request are counted with an engine event, at
the configured page size and at page sizes 5 and 50.

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

import pyotp
from flask import Flask
from sqlalchemy import Select, create_engine, event, func, insert, make_url, select, text, update

import opinions
import seed_large
from config import normalise_database_url
from consult.accounts import services as accounts
from consult.extensions import db
from consult.models import (
    AuditEntry,
    Consultation,
    Flag,
    ParticipantCategory,
    Region,
    Role,
    Status,
    Testimony,
    Theme,
    testimony_themes,
    utcnow,
)
from consult.models.moderation import DecisionDay
from consult.moderation import services as moderation
from consult.search import testimony_ids
from consult.voting import services as voting

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
#: Staff data: one unresolved flag per this many public testimonies (the first one
#: always), one voter per this many testimonies (20 at least), statements voted on.
FLAG_EVERY = 200
VOTERS_PER = 10
ITEMS = 40
PASSWORD = "bench-only-password"
AUDIT_BATCH = 5_000

NEXT_LINK = re.compile(r'<a rel="next" href="([^"]+)"')
TESTIMONY_LINK = re.compile(r'href="(/c/[^/"]+/testimonies/\d+)"')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LIST_MARK = '<ol class="testimonies">'
TESTIMONY_MARK = '<article class="testimony">'


@dataclass
class Page:
    name: str
    url: str
    #: Text every response must contain: a list with results, a testimony, a table…
    mark: str
    #: Who asks for it: "public", "moderator" or "commissioner".
    who: str = "public"


@dataclass
class Timing:
    """What was measured for one page at one size."""

    seconds: list[float] = field(default_factory=list)
    #: Statements per request, by page size.
    statements: dict[int, int] = field(default_factory=dict)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p90_ms(self) -> float:
        return statistics.quantiles(self.seconds, n=10, method="inclusive")[8] * 1000


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
    """An empty database for `size`: a new SQLite file, or a PostgreSQL database named
    after the given one, dropped and created again."""
    if database_url is None:
        path = seed_large.OUT_DIR / f"pages-{size}.sqlite"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    url = make_url(normalise_database_url(database_url))
    name = f"{url.database}_n{size}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _check(page_url: str, status: int, body: str, mark: str) -> None:
    if status != 200 or mark not in body:
        raise SystemExit(f"{page_url}: HTTP {status}, {'with' if mark in body else 'without'} "
                         f"{mark!r}")


def _get(client, page_url: str, mark: str) -> str:
    response = client.get(page_url)
    body = response.get_data(as_text=True)
    _check(page_url, response.status_code, body, mark)
    return body


def _post(client, page_url: str, data: dict) -> None:
    """Submit the form of `page_url` with its CSRF token, as a browser would."""
    token = CSRF.search(client.get(page_url).get_data(as_text=True)).group(1)
    response = client.post(page_url, data={**data, "csrf_token": token})
    if response.status_code != 302:
        raise SystemExit(f"{page_url}: HTTP {response.status_code} instead of a redirection")


def _search_count(consultation: Consultation, words: str) -> Select:
    """Count the public testimonies matching `words`, with the query the app pages through."""
    query, _key = testimony_ids(words, db.engine.dialect.name)
    matching = query.where(Testimony.consultation_id == consultation.id,
                           Testimony.is_public.is_(True)).subquery()
    return select(func.count()).select_from(matching)


def _data_counts(consultation: Consultation, theme_id: int, region_id: int,
                 category_id: int) -> dict[str, int]:
    """How many rows each page has to choose from."""
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
        "pending": select(func.count()).select_from(Testimony).where(
            Testimony.consultation_id == consultation.id, Testimony.status == Status.PENDING),
        "flags": select(func.count()).select_from(Flag),
        "audit entries": select(func.count()).select_from(AuditEntry),
        "votes": text("SELECT count(*) FROM votes"),
    }
    return {name: db.session.execute(query).scalar_one() for name, query in queries.items()}


def seed_staff(size: int) -> dict[Role, tuple[str, str]]:
    """What the staff pages read, for the seeded consultation; returns each role's
    address and second-factor secret."""
    consultation = db.session.execute(
        select(Consultation).filter_by(slug=seed_large.DEFAULT_SLUG)).scalar_one()
    people = {}
    for role in (Role.MODERATOR, Role.COMMISSIONER):
        user = accounts.create_confirmed_user(f"{role.value}@bench.example.org",
                                              role.value.capitalize(), PASSWORD)
        db.session.commit()
        accounts.grant_role(user, consultation, role)
        user.totp_secret = pyotp.random_base32()
        db.session.commit()
        people[role] = (user.email, user.totp_secret, user.id)
    table = Testimony.__table__
    decided = table.c.status != Status.PENDING
    db.session.execute(update(table).where(table.c.consultation_id == consultation.id, decided)
                       .values(decided_at=func.coalesce(table.c.published_at,
                                                        table.c.created_at)))
    moderator_id = people[Role.MODERATOR][2]
    rows = db.session.execute(select(table.c.id, table.c.published_at, table.c.decided_at).where(
        table.c.consultation_id == consultation.id, decided).order_by(table.c.id)).all()
    for first in range(0, len(rows), AUDIT_BATCH):
        db.session.execute(insert(AuditEntry.__table__), [
            {"at": decided_at, "actor_id": moderator_id,
             "action": "testimony.published" if published_at else "testimony.rejected",
             "object_type": "testimony", "object_id": testimony_id,
             "consultation_id": consultation.id, "reason": "", "details": "{}"}
            for testimony_id, published_at, decided_at in rows[first:first + AUDIT_BATCH]])
    public_ids = db.session.execute(select(table.c.id).where(
        table.c.consultation_id == consultation.id, table.c.is_public.is_(True))
        .order_by(table.c.id)).scalars().all()
    db.session.execute(insert(Flag.__table__), [
        {"testimony_id": testimony_id, "reporter_key": f"bench-{testimony_id}",
         "reason": "offensive", "comment": "", "created_at": utcnow()}
        for testimony_id in public_ids[::FLAG_EVERY]])
    day = func.date(AuditEntry.at)
    db.session.execute(insert(DecisionDay).from_select(
        ["consultation_id", "day", "decisions"],
        select(AuditEntry.consultation_id, day, func.count())
        .where(AuditEntry.action.in_(moderation.DECISIONS))
        .group_by(AuditEntry.consultation_id, day)))
    db.session.commit()
    voters = max(20, size // VOTERS_PER)
    who, what, values, _camps = opinions.generate(
        voters, ITEMS, round(voters * ITEMS * opinions.DEFAULT_DENSITY))
    opinions.store_votes(consultation, who, what, values)
    voting.refresh_results(consultation.id)
    seed_large.after_bulk_load()
    return {role: (email, secret) for role, (email, secret, _id) in people.items()}


def _signed_in(app: Flask, email: str, secret: str):
    """A client signed in as a person would: the login form, then the second factor."""
    client = app.test_client()
    _post(client, "/account/login", {"email": email, "password": PASSWORD})
    _post(client, "/account/second-factor", {"code": pyotp.TOTP(secret).now()})
    return client


class Size:
    """One database size: its app, signed-in clients and pages, and their timings."""

    def __init__(self, size: int, database_url: str | None, deep: int):
        self.size = size
        self.app = seed_large.make_app(fresh_database(size, database_url))
        with self.app.app_context():
            self.seed_seconds = seed_large.seed(size).seconds
            started = time.perf_counter()
            people = seed_staff(size)
            self.staff_seconds = time.perf_counter() - started
            self.log = StatementLog(db.engine)
        self.clients = {"public": self.app.test_client(),
                        **{role.value: _signed_in(self.app, *person)
                           for role, person in people.items()}}
        self.pages, self.counts, self.deep_pages = self._pages(deep)
        self.timings = {page.name: Timing() for page in self.pages}
        self.plans: dict[str, str] = {}

    def _pages(self, deep: int) -> tuple[list[Page], dict[str, int], int]:
        """The pages to time, the data behind them, and how deep the deep page is."""
        with self.app.app_context():
            consultation = db.session.execute(
                select(Consultation).filter_by(slug=seed_large.DEFAULT_SLUG)).scalar_one()
            ids = {model: db.session.execute(
                       select(model.id).filter_by(consultation_id=consultation.id, name=name)
                   ).scalar_one()
                   for model, name in ((Theme, THEME), (Region, REGION),
                                       (ParticipantCategory, CATEGORY))}
            counts = _data_counts(consultation, ids[Theme], ids[Region],
                                  ids[ParticipantCategory])
        slug = seed_large.DEFAULT_SLUG
        base = f"/c/{slug}/testimonies"
        client = self.clients["public"]
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
                 f"{base}?{urlencode({'theme': ids[Theme], 'region': ids[Region]})}",
                 LIST_MARK),
            Page("category", f"{base}?{urlencode({'category': ids[ParticipantCategory]})}",
                 LIST_MARK),
            *(Page(f"search {kind} (q={word})", f"{base}?{urlencode({'q': word})}", LIST_MARK)
              for kind, word in (("common", COMMON_WORD), ("medium", MEDIUM_WORD),
                                 ("rare", RARE_WORD))),
            Page("deep page", deep_url, LIST_MARK),
            Page("testimony", testimony_url, TESTIMONY_MARK),
            Page("consultation", f"/c/{slug}", 'class="number"'),
            Page("consultation (commissioner)", f"/c/{slug}", 'class="number"', "commissioner"),
            Page("moderation queue", f"/c/{slug}/moderation", 'class="cards"', "moderator"),
            Page("moderation figures", f"/c/{slug}/moderation/figures", 'class="summary"',
                 "moderator"),
            Page("results", f"/c/{slug}/results", 'class="result"', "commissioner"),
            Page("audit log", f"/c/{slug}/audit", 'class="cards"', "commissioner"),
            Page("exports", f"/c/{slug}/exports", 'name="dataset"', "commissioner"),
        ]
        return pages, counts, depth

    def warm_up(self) -> None:
        for page in self.pages:
            for _ in range(WARM_UP):
                _get(self.clients[page.who], page.url, page.mark)

    def timed_get(self, page: Page) -> tuple[float, int]:
        """One checked request: its duration and the number of statements it sent."""
        with self.log:
            started = time.perf_counter()
            response = self.clients[page.who].get(page.url)
            body = response.get_data()
            seconds = time.perf_counter() - started
        _check(page.url, response.status_code, body.decode(), page.mark)
        return seconds, len(self.log.statements)

    def count_statements(self, counts: dict[str, set[int]]) -> None:
        """Keep the statement counts of the timed requests (each must have sent the same
        number every time), then count at the other page sizes."""
        configured = self.app.config["PAGE_SIZE"]
        for page in self.pages:
            if len(counts[page.name]) != 1:
                raise SystemExit(f"{page.url}: the statement count varied: {counts[page.name]}")
            self.timings[page.name].statements[configured] = counts[page.name].pop()
        for page_size in OTHER_PAGE_SIZES:
            self.app.config["PAGE_SIZE"] = page_size
            for page in self.pages:
                self.timings[page.name].statements[page_size] = self.timed_get(page)[1]
        self.app.config["PAGE_SIZE"] = configured
        for timing in self.timings.values():
            timing.statements = dict(sorted(timing.statements.items()))

    def explain(self) -> None:
        """The plan of the query that picks each public list's testimonies."""
        for page in self.pages:
            with self.log:
                _get(self.clients[page.who], page.url, page.mark)
            picks = [(s, p) for s, p in self.log.statements
                     if s.lstrip().startswith("SELECT testimonies.id")]
            if not picks:
                continue
            statement, parameters = picks[0]
            with self.app.app_context(), db.engine.connect() as connection:
                if connection.dialect.name == "sqlite":
                    rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                      parameters)
                    plan = "\n".join(f"{row.id:>3} {row.parent:>3} {row.detail}" for row in rows)
                else:
                    rows = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}",
                                                      parameters)
                    plan = "\n".join(row[0] for row in rows)
            self.plans[page.name] = f"{statement}\n{parameters}\n{plan}"

    def close(self) -> None:
        with self.app.app_context():
            db.engine.dispose()


def run(sizes: list[Size], repeat: int) -> None:
    """Round after round, each page once at each size in turn."""
    for size in sizes:
        size.warm_up()
    counts = {size.size: {page.name: set() for page in size.pages} for size in sizes}
    for _ in range(repeat):
        for index in range(len(sizes[0].pages)):
            for size in sizes:
                page = size.pages[index]
                duration, statements = size.timed_get(page)
                size.timings[page.name].seconds.append(duration)
                counts[size.size][page.name].add(statements)
    for size in sizes:
        size.count_statements(counts[size.size])


def markdown(runs: list[Size]) -> str:
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
        "| N | seeding (s) | staff data (s) | " + " | ".join(small.counts)
        + " | deep page: pages in |",
        "|---" * (len(small.counts) + 4) + "|",
    ]
    for run in runs:
        counts = " | ".join(f"{count:,}" for count in run.counts.values())
        lines.append(f"| {run.size:,} | {run.seed_seconds:.1f} | {run.staff_seconds:.1f} "
                     f"| {counts} | {run.deep_pages} |")
    return "\n".join(lines)


def _database_description(database_url: str | None) -> str:
    if database_url is None:
        return f"SQLite {sqlite3.sqlite_version} (files under {seed_large.OUT_DIR})"
    url = make_url(normalise_database_url(database_url))
    engine = create_engine(url)
    with engine.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar_one()
    engine.dispose()
    return (f"PostgreSQL {version} (databases {url.database}_nSIZE beside "
            f"{url.render_as_string(hide_password=True)})")


def _sizes(value: str) -> list[int]:
    sizes = sorted({int(size) for size in value.split(",")})
    if len(sizes) < 2 or sizes[0] < 1:
        raise argparse.ArgumentTypeError("give two or more positive sizes, separated by commas")
    return sizes


def _bench_postgresql_url(database_url: str) -> str:
    url = make_url(normalise_database_url(database_url))
    if not url.drivername.startswith("postgresql"):
        raise argparse.ArgumentTypeError("give a postgresql:// address (SQLite is the default)")
    if "bench" not in (url.database or ""):
        raise argparse.ArgumentTypeError(
            "databases named after it are dropped: its name must contain 'bench' "
            f"(got {url.database!r})")
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
                        help="a PostgreSQL server to use instead: a database NAME_nSIZE is "
                             "dropped and made again beside the given one NAME for each size")
    parser.add_argument("--explain", action="store_true",
                        help="also print, at each size, the plan of the query that picks each "
                             "list's testimonies (EXPLAIN ANALYZE on PostgreSQL)")
    args = parser.parse_args()
    if args.repeat < 2:
        parser.error("--repeat must be at least 2")

    print(f"{_database_description(args.database_url)}; Python {platform.python_version()}; "
          f"{args.repeat} rounds of timed requests, each page at each size in turn, after "
          f"{WARM_UP} warm-up requests per page\n")
    sizes = []
    for size in args.sizes:
        sizes.append(Size(size, args.database_url, args.deep))
        print(f"N={size:,}: seeded in {sizes[-1].seed_seconds:.1f} s, staff data in "
              f"{sizes[-1].staff_seconds:.1f} s", flush=True)
    run(sizes, args.repeat)
    for size in sizes:
        if args.explain:
            size.explain()
        for name, plan in size.plans.items():
            print(f"\n### Plan at N={size.size:,}: {name}\n\n```\n{plan}\n```")
        size.close()
    print()
    print(markdown(sizes))


if __name__ == "__main__":
    main()
