"""Time the commissioners' reading-room query (consult/synthesis/services.reading_query)
at several database sizes.

    .venv/bin/python bench/reading_room.py --sizes 100,50000 --repeat 20

For each size, a fresh SQLite database is seeded by seed_large.seed() (every status
and visibility), then the query behind one reading-room page (the first 51 testimonies
in id order, as the page asks) is run --repeat times per filter after a warm-up. The
search is a substring match on the text as written (confidential and unpublished
texts included, which the public full-text index leaves out on purpose), so a rare
word reads every row: this bench says what that costs.

Prints a markdown table: median milliseconds per filter and size, rows found, and the
ratio of the largest size to the smallest.
"""
import argparse
import platform
import statistics
import time

from sqlalchemy import select

import seed_large
from consult.extensions import db
from consult.models import Consultation
from consult.synthesis.services import reading_query
from pages import COMMON_WORD, MEDIUM_WORD, RARE_WORD, fresh_database

FILTERS = {
    "all": {},
    "pending": {"status": "pending"},
    "confidential": {"visibility": "confidential"},
    f"q={COMMON_WORD}": {"q": COMMON_WORD},
    f"q={MEDIUM_WORD}": {"q": MEDIUM_WORD},
    f"q={RARE_WORD}": {"q": RARE_WORD},
    "q=absent": {"q": "mot-absent-partout"},
}
EMPTY = dict.fromkeys(("theme", "category", "region", "channel", "status", "visibility",
                       "code", "q", "copies"), "")


def time_size(size: int, repeat: int) -> dict[str, tuple[float, int]]:
    app = seed_large.make_app(fresh_database(size, None))
    results = {}
    with app.app_context():
        seed_large.seed(size)
        consultation = db.session.execute(
            select(Consultation).filter_by(slug=seed_large.DEFAULT_SLUG)).scalar_one()
        for name, values in FILTERS.items():
            query = reading_query(consultation, {**EMPTY, **values}).order_by("id").limit(51)
            rows = len(db.session.execute(query).scalars().all())
            seconds = []
            for _ in range(repeat):
                started = time.perf_counter()
                db.session.execute(query).scalars().all()
                seconds.append(time.perf_counter() - started)
                db.session.expunge_all()
            results[name] = (statistics.median(seconds) * 1000, rows)
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,50000",
                        help="numbers of testimonies, comma-separated (default: 100,50000)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per filter")
    args = parser.parse_args()
    sizes = sorted({int(size) for size in args.sizes.split(",")})
    print(f"SQLite; Python {platform.python_version()}; median of {args.repeat} runs\n")
    runs = {size: time_size(size, args.repeat) for size in sizes}
    small, big = sizes[0], sizes[-1]
    print("| filter | " + " | ".join(f"N={size:,} ms (rows)" for size in sizes)
          + f" | ratio N={big:,} / N={small:,} |")
    print("|---|" + "---|" * (len(sizes) + 1))
    for name in FILTERS:
        cells = " | ".join(f"{runs[size][name][0]:.2f} ({runs[size][name][1]})" for size in sizes)
        print(f"| {name} | {cells} | {runs[big][name][0] / runs[small][name][0]:.1f}× |")


if __name__ == "__main__":
    main()
