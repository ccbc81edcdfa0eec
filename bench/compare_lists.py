"""Time the public testimony list and search pages of two checkouts of the project, side
by side in the same minutes, request by request.

    git worktree add --detach /tmp/consult-before main
    .venv/bin/python bench/compare_lists.py /tmp/consult-before . --rounds 40 --page-sizes 5,50

A database of --size testimonies is seeded once by seed_large.seed() (this checkout's
code) in a SQLite file under bench/out/, then a share of the public texts is given the
placeholders a moderator writes when masking, in French and in English ("[téléphone]",
"[phone]"), as published texts have them (not with --unmasked), and one in 5 loses its
title (its number is shown instead). Each checkout then runs in a child process of
its own, with its own code and its own copy of the database, and answers with Flask's
test client (no network, no server). After a few untimed warm-up requests, every round
asks each child in turn for the same page, the order alternating from round to round, so
that a load drifting on the machine weighs on both checkouts alike. Pages are made at
each request (seed_large.BenchConfig: no page cache).

The result is printed as markdown: median and 90th percentile per page, language, page
size and checkout, the ratio of the second checkout to the first, and, with two page
sizes or more, the cost of one more card on the page (difference of the medians at the
largest and smallest sizes over the difference of the sizes).
"""
import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

import seed_large
from consult.extensions import db

WARM_UP = 3
#: One public text in MASKED_EVERY starts with placeholders, one title in TITLED_EVERY
#: is made of placeholders, one in UNTITLED_EVERY has no title (its number is shown).
MASKED_EVERY = 3
TITLED_EVERY = 7
UNTITLED_EVERY = 5
PAGES = {"list": "testimonies", "search": "testimonies?q=services"}
LANGUAGES = ("fr", "en")

#: What each child runs: make the app on its copy, then answer "url language page size"
#: lines with the seconds the request took.
CHILD = """
import json, sqlite3, sys, time
root, source, copy = sys.argv[1:4]
sys.path[:0] = [root + "/bench", root]
import seed_large
with sqlite3.connect(source) as original, sqlite3.connect(copy) as target:
    original.backup(target)
app = seed_large.make_app("sqlite:///" + copy)
client = app.test_client()
print("ready", flush=True)
for line in sys.stdin:
    url, language, page_size = json.loads(line)
    app.config["PAGE_SIZE"] = page_size
    started = time.perf_counter()
    response = client.get(url, headers={"Accept-Language": language})
    body = response.get_data()
    seconds = time.perf_counter() - started
    if response.status_code != 200 or b'<ol class="testimonies">' not in body:
        sys.exit(f"{url}: HTTP {response.status_code}, or no list")
    print(seconds, flush=True)
"""


def seed(size: int, masked: bool) -> Path:
    """The database both checkouts read, with masked texts unless not `masked`."""
    path = seed_large.OUT_DIR / f"compare-{size}.sqlite"
    path.unlink(missing_ok=True)
    app = seed_large.make_app(f"sqlite:///{path}")
    with app.app_context():
        seed_large.seed(size)
        masked_every = MASKED_EVERY if masked else size + 1
        public = "public_body IS NOT NULL AND id % :every = 0"
        db.session.execute(text(
            "UPDATE testimonies SET public_body = '[téléphone] [phone] [name] ' || public_body "
            f"WHERE {public}"), {"every": masked_every})
        db.session.execute(text(
            f"UPDATE testimonies SET public_title = '[nom] et [e-mail]' WHERE {public}"),
            {"every": TITLED_EVERY if masked else size + 1})
        db.session.execute(text(f"UPDATE testimonies SET public_title = NULL WHERE {public}"),
                           {"every": UNTITLED_EVERY})
        db.session.commit()
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.engine.dispose()
    return path


class Checkout:
    """One checkout's child process."""

    def __init__(self, index: int, root: Path, database: Path):
        self.root = root
        copy = database.with_name(f"{database.stem}-{index}.sqlite")
        copy.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(root), str(database), str(copy)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        if self.process.stdout.readline().strip() != "ready":
            raise SystemExit(f"{root}: the application did not start")

    def get(self, url: str, language: str, page_size: int) -> float:
        self.process.stdin.write(json.dumps([url, language, page_size]) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise SystemExit(f"{self.root}: {url} failed")
        return float(answer)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path, help="the first checkout (its root folder)")
    parser.add_argument("after", type=Path, help="the second checkout")
    parser.add_argument("--size", type=int, default=2000, help="testimonies (default: 2000)")
    parser.add_argument("--rounds", type=int, default=40,
                        help="timed requests per page and checkout (default: 40)")
    parser.add_argument("--unmasked", action="store_true",
                        help="no placeholders in the texts (titles are still taken from one in 5)")
    parser.add_argument("--page-sizes", default="20",
                        help="cards per page, comma-separated (default: 20)")
    args = parser.parse_args()
    page_sizes = sorted({int(size) for size in args.page_sizes.split(",")})
    database = seed(args.size, not args.unmasked)
    checkouts = [Checkout(index, root.resolve(), database)
                 for index, root in enumerate((args.before, args.after))]
    slug = seed_large.DEFAULT_SLUG
    pages = [(name, f"/c/{slug}/{path}", language, page_size) for name, path in PAGES.items()
             for language in LANGUAGES for page_size in page_sizes]
    seconds = {(page, index): [] for page in pages for index in range(len(checkouts))}
    try:
        for page in pages:
            for checkout in checkouts:
                for _ in range(WARM_UP):
                    checkout.get(*page[1:])
        for round_ in range(args.rounds):
            order = list(enumerate(checkouts))
            for page in pages:
                for index, checkout in (order if round_ % 2 == 0 else order[::-1]):
                    seconds[page, index].append(checkout.get(*page[1:]))
    finally:
        for checkout in checkouts:
            checkout.close()

    def median_ms(page, index) -> float:
        return statistics.median(seconds[page, index]) * 1000

    def p90_ms(page, index) -> float:
        return statistics.quantiles(seconds[page, index], n=10, method="inclusive")[8] * 1000

    masking = "none masked" if args.unmasked else f"one text in {MASKED_EVERY} masked"
    print(f"{args.size:,} testimonies ({masking}), SQLite "
          f"{sqlite3.sqlite_version}, {args.rounds} rounds; first: {checkouts[0].root}, "
          f"second: {checkouts[1].root}\n")
    print("| page | language | cards | first median (p90) ms | second median (p90) ms "
          "| second / first |")
    print("|---|---|---|---|---|---|")
    for page in pages:
        name, _url, language, page_size = page
        cells = " | ".join(f"{median_ms(page, i):.2f} ({p90_ms(page, i):.2f})" for i in (0, 1))
        print(f"| {name} | {language} | {page_size} | {cells} "
              f"| {median_ms(page, 1) / median_ms(page, 0):.2f} |")
    if len(page_sizes) > 1:
        small, big = page_sizes[0], page_sizes[-1]
        print(f"\nOne more card on the page (from {small} to {big} cards):\n")
        print("| page | language | first (ms) | second (ms) |")
        print("|---|---|---|---|")
        for name, path in PAGES.items():
            for language in LANGUAGES:
                url = f"/c/{slug}/{path}"
                per_card = [(median_ms((name, url, language, big), i)
                             - median_ms((name, url, language, small), i)) / (big - small)
                            for i in (0, 1)]
                print(f"| {name} | {language} | {per_card[0]:.3f} | {per_card[1]:.3f} |")


if __name__ == "__main__":
    main()
