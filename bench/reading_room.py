"""Time the commissioners' reading-room pages at two database sizes, side by side.

    .venv/bin/python bench/reading_room.py --sizes 1000,50000 --repeat 20
    .venv/bin/python bench/reading_room.py --database-url postgresql://postgres@127.0.0.1:54330/reading_bench

Each size gets a fresh database seeded by seed_large.seed() (every status and
visibility), then, through the application's services, what a reading team leaves
behind: a commissioner who signs in (password and second factor, through the forms)
and has read READ testimonies, ASSIGNED testimonies given to them, and a stored text
analysis (TOPICS topics covering every testimony to be read, a near-duplicate group
every DUPLICATE_EVERY testimonies, SIMILAR neighbours each: the size of a real result;
the topics are made up here, spaCy is not run).

The pages are then requested with Flask's test client, interleaved: one request at the
small size, one at the large, page after page, round after round, so that a slow moment
of the machine hits both sizes alike. Every response must be HTTP 200 and list what
it should. The SQL statements of each request are counted with an engine event.

Prints markdown: median and 90th percentile per page and size, the ratio of the large
size to the small one, and the statements per request at each size.

On PostgreSQL, each size has its own database beside the one given: its name followed
by _n<size>, dropped and created again (bench/pages.py's fresh_database).
"""
import argparse
import platform
import random
import re
import statistics
import time
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlencode

import pyotp
from flask import Flask
from sqlalchemy import select

import seed_large
from consult.accounts import services as accounts
from consult.extensions import db
from consult.models import Assignment, Consultation, Reading, Role, Testimony
from consult.synthesis import services, team
from consult.synthesis.analysis import Analysis, Topic
from pages import (
    COMMON_WORD,
    MEDIUM_WORD,
    RARE_WORD,
    StatementLog,
    _bench_postgresql_url,
    _database_description,
    fresh_database,
)

WARM_UP = 3
READER_EMAIL = "lectrice@example.org"
PASSWORD = "banc-d-essai-lecture-2026"
#: Testimonies the reader has read, and testimonies given to them.
READ = 100
ASSIGNED = 200
#: The made-up analysis: topics, a near-duplicate group of three every so many
#: testimonies, similar testimonies per testimony.
TOPICS = 12
DUPLICATE_EVERY = 500
SIMILAR = 5
ABSENT_WORD = "introuvablement"

ROW = re.compile(r'<th scope="row"><a href="/c/[^/"]+/reading/(\d+)')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LIST_MARK = '<p role="status" id="counts">'
COUNTS = re.compile(re.escape(LIST_MARK) + "(.*?)</p>", re.S)


@dataclass
class Page:
    name: str
    query: dict
    #: What the listed ids must satisfy at a size, given what was seeded there.
    check: Callable[[list[int], "Setup"], bool]


@dataclass
class Setup:
    """What was seeded at one size, and the application serving it."""

    size: int
    app: Flask
    client: object
    log: StatementLog
    seed_seconds: float
    assigned: set[int]
    read: set[int]
    topic: int
    topic_members: set[int]
    group: list[int]
    #: The first testimony given to the reader among those the analysis read.
    testimony: int


PAGES = [
    Page("all testimonies", {}, lambda ids, s: len(ids) == 50),
    Page("not yet read by me", {"view": "unread"},
         lambda ids, s: len(ids) == 50 and not set(ids) & s.read),
    Page("assigned to me", {"view": "assigned"},
         lambda ids, s: len(ids) == 50 and set(ids) <= s.assigned),
    Page("a topic", {"topic": "TOPIC"},
         lambda ids, s: 0 < len(ids) <= 50 and set(ids) <= s.topic_members),
    Page("a near-duplicate group", {"group": "GROUP"}, lambda ids, s: ids == s.group),
    Page(f"search common (q={COMMON_WORD})", {"q": COMMON_WORD}, lambda ids, s: len(ids) == 50),
    Page(f"search medium (q={MEDIUM_WORD})", {"q": MEDIUM_WORD}, lambda ids, s: len(ids) >= 10),
    Page(f"search rare (q={RARE_WORD})", {"q": RARE_WORD}, lambda ids, s: len(ids) >= 1),
    Page("search absent", {"q": ABSENT_WORD}, lambda ids, s: ids == []),
    Page("one testimony, in my queue", {"view": "assigned", "read": "FIRST_ASSIGNED"},
         lambda ids, s: ids == []),
]
#: What a page of one testimony shows: its text, the next one in the list, the similar
#: ones of the analysis (the page is in French).
TESTIMONY_MARKS = ('<article class="testimony">', 'rel="next"', "Témoignages semblables")


def _url(page: Page, setup: Setup) -> str:
    values = {name: {"TOPIC": setup.topic, "GROUP": setup.group[0] if setup.group else "",
                     "FIRST_ASSIGNED": setup.testimony}.get(value, value)
              for name, value in page.query.items()}
    base = f"/c/{seed_large.DEFAULT_SLUG}/reading"
    if "read" in values:
        base = f"{base}/{values.pop('read')}"
    return f"{base}?{urlencode(values)}" if values else base


def _made_up_analysis(ids: list[int]) -> Analysis:
    """A result the size of a real one: every testimony in a topic, some near-duplicate
    groups, SIMILAR neighbours each."""
    topics = [Topic(number=n + 1, top_terms=[f"terme{n}-{k}" for k in range(8)],
                    testimony_ids=ids[n::TOPICS], representative_ids=ids[n::TOPICS][:5])
              for n in range(TOPICS)]
    groups = [ids[start:start + 3] for start in range(7, len(ids) - 3, DUPLICATE_EVERY)]
    similar = {id_: [(ids[(i + k * 37) % len(ids)], round(0.9 - k / 20, 4))
                     for k in range(1, SIMILAR + 1)] for i, id_ in enumerate(ids)}
    return Analysis(topics=topics, duplicate_groups=groups, similar=similar)


def _reading_team(consultation: Consultation) -> tuple[set[int], set[int], int, set[int],
                                                         list[int], int]:
    """The reader, what they read and were given, the analysis; through the services."""
    reader = accounts.create_confirmed_user(READER_EMAIL, "Lectrice du banc", PASSWORD)
    accounts.grant_role(reader, consultation, Role.COMMISSIONER)
    reader.totp_secret = pyotp.random_base32()
    db.session.commit()
    to_read = db.session.execute(
        select(Testimony.id).where(Testimony.consultation_id == consultation.id,
                                   Testimony.status.not_in(services.LEFT_UNREAD))
        .order_by(Testimony.id)).scalars().all()
    run, _new = services.start_analysis(consultation)
    analysis = _made_up_analysis(to_read)
    services.store_analysis(run, analysis, len(to_read))
    folded = {member for group in analysis.duplicate_groups for member in group[1:]}
    for testimony_id in [id_ for id_ in to_read if id_ not in folded][:READ]:
        services.mark_read(reader, db.session.get(Testimony, testimony_id))
    random.seed(seed_large.RANDOM_SEED)
    everything, _key = services.reading_query(
        consultation, dict.fromkeys(("theme", "category", "region", "channel", "status",
                                     "visibility", "code", "q", "copies"), ""), reader)
    team.assign(consultation, everything, reader, reader, count=ASSIGNED)
    assigned = set(db.session.execute(select(Assignment.testimony_id).where(
        Assignment.user_id == reader.id)).scalars())
    read = set(db.session.execute(select(Reading.testimony_id).where(
        Reading.user_id == reader.id)).scalars())
    topic = analysis.topics[2]
    group = analysis.duplicate_groups[0] if analysis.duplicate_groups else []
    testimony = min(assigned & set(to_read))
    return assigned, read, topic.number, set(topic.testimony_ids), group, testimony


def _sign_in(client, app: Flask) -> None:
    """Password, then the second factor, through the forms, as the reader would."""
    def post(path: str, data: dict) -> None:
        token = CSRF.search(client.get(path).get_data(as_text=True)).group(1)
        response = client.post(path, data={**data, "csrf_token": token})
        if response.status_code != 302:
            raise SystemExit(f"{path}: HTTP {response.status_code}")

    post("/account/login", {"email": READER_EMAIL, "password": PASSWORD})
    with app.app_context():
        secret = accounts.find_user(READER_EMAIL).totp_secret
    post("/account/second-factor", {"code": pyotp.TOTP(secret).now()})


def prepare(size: int, database_url: str | None) -> Setup:
    app = seed_large.make_app(fresh_database(size, database_url))
    with app.app_context():
        seeded = seed_large.seed(size)
        consultation = db.session.get(Consultation, seeded.consultation_id)
        assigned, read, topic, members, group, testimony = _reading_team(consultation)
        log = StatementLog(db.engine)
    client = app.test_client()
    _sign_in(client, app)
    return Setup(size, app, client, log, seeded.seconds, assigned, read, topic, members, group,
                 testimony)


def _request(setup: Setup, page: Page) -> tuple[float, int]:
    """One checked request: its duration and the number of statements it sent."""
    url = _url(page, setup)
    with setup.log:
        started = time.perf_counter()
        response = setup.client.get(url)
        body = response.get_data(as_text=True)
        seconds = time.perf_counter() - started
    ids = [int(n) for n in ROW.findall(body)]
    marks = TESTIMONY_MARKS if "read" in page.query else (LIST_MARK,)
    if response.status_code != 200 or not all(mark in body for mark in marks) \
            or not page.check(ids, setup):
        raise SystemExit(f"N={setup.size:,} {url}: HTTP {response.status_code}, "
                         f"{len(ids)} testimonies listed, not what this page should show")
    return seconds, len(setup.log.statements)


def run(setups: list[Setup], repeat: int) -> tuple[dict, dict, dict]:
    """Interleaved timings: for each round, each page, each size in turn."""
    for setup in setups:
        for page in PAGES:
            for _ in range(WARM_UP):
                _request(setup, page)
    seconds = {(page.name, s.size): [] for page in PAGES for s in setups}
    statements = {(page.name, s.size): set() for page in PAGES for s in setups}
    for _ in range(repeat):
        for page in PAGES:
            for setup in setups:
                duration, count = _request(setup, page)
                seconds[page.name, setup.size].append(duration)
                statements[page.name, setup.size].add(count)
    counts = {}
    for setup in setups:
        for page in PAGES:
            body = setup.client.get(_url(page, setup)).get_data(as_text=True)
            shown = COUNTS.search(body)
            counts[page.name, setup.size] = re.sub(r"\s+", " ", shown.group(1)) if shown else ""
    return seconds, statements, counts


def markdown(setups: list[Setup], seconds: dict, statements: dict, counts: dict) -> str:
    small, big = setups[0].size, setups[-1].size
    lines = [f"| page | N={small:,} median (p90) ms | N={big:,} median (p90) ms "
             f"| ratio N={big:,} / N={small:,} | statements N={small:,} → N={big:,} "
             f"| counts shown at N={big:,} |", "|---|---:|---:|---:|---|---|"]
    for page in PAGES:
        cells, medians = [], []
        for size in (small, big):
            values = seconds[page.name, size]
            median = statistics.median(values) * 1000
            p90 = statistics.quantiles(values, n=10, method="inclusive")[8] * 1000
            cells.append(f"{median:.1f} ({p90:.1f})")
            medians.append(median)
        used = " → ".join("/".join(map(str, sorted(statements[page.name, size])))
                          for size in (small, big))
        lines.append(f"| {page.name} | {cells[0]} | {cells[1]} | {medians[1] / medians[0]:.2f}× "
                     f"| {used} | {counts[page.name, big]} |")
    lines += ["", "| N | seeding (s) | assigned | read | topic members | group |",
              "|---:|---:|---:|---:|---:|---:|"]
    for setup in setups:
        lines.append(f"| {setup.size:,} | {setup.seed_seconds:.1f} | {len(setup.assigned)} "
                     f"| {len(setup.read)} | {len(setup.topic_members):,} "
                     f"| {len(setup.group)} |")
    return "\n".join(lines)


def _two_sizes(value: str) -> list[int]:
    sizes = sorted({int(size) for size in value.split(",")})
    if len(sizes) != 2 or sizes[0] < DUPLICATE_EVERY:
        raise argparse.ArgumentTypeError(
            f"give two sizes of at least {DUPLICATE_EVERY}, separated by a comma")
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_two_sizes, default=[1000, 50_000],
                        help="two numbers of testimonies, comma-separated (default: 1000,50000)")
    parser.add_argument("--repeat", type=int, default=20,
                        help="timed requests per page and size, at least 2 (default: 20)")
    parser.add_argument("--database-url", type=_bench_postgresql_url,
                        help="a PostgreSQL database whose name contains 'bench'; each size "
                             "uses its own database, named after it with _<size>")
    args = parser.parse_args()
    if args.repeat < 2:
        parser.error("--repeat must be at least 2")
    print(f"{_database_description(args.database_url)}; Python {platform.python_version()}; "
          f"{args.repeat} timed requests per page and size, interleaved, after "
          f"{WARM_UP} warm-up requests\n")
    setups = []
    for size in args.sizes:
        setups.append(prepare(size, args.database_url))
        print(f"N={size:,}: seeded in {setups[-1].seed_seconds:.1f} s, reading team set up",
              flush=True)
    seconds, statements, counts = run(setups, args.repeat)
    for setup in setups:
        with setup.app.app_context():
            db.engine.dispose()
    print()
    print(markdown(setups, seconds, statements, counts))


if __name__ == "__main__":
    main()
