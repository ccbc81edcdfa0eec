"""Measure the personal-information detector on the labelled set.

    .venv/bin/python bench/pii_eval.py [--data tests/data/pii_labelled.jsonl]
    .venv/bin/python bench/pii_eval.py --errors               # also list every miss and false alarm
    .venv/bin/python bench/pii_eval.py --fail-under-recall 0.95
    .venv/bin/python bench/pii_eval.py --size 200000           # time a longer text

Each line of the set is {"text", "entities": [{"kind", "start", "end"}, ...]}. A finding
counts as a true positive under "exact" when a labelled entity has the same kind, start
and end; under "overlap" when a labelled entity of the same kind shares at least one
character with it (each entity matched at most once). Prints, as markdown, TP/FP/FN,
precision, recall and F1 per kind and overall (micro), then the throughput on the set and
on one long text made of the set's texts (20,000 characters, or --size characters). With
--fail-under-recall, exits 1 when the exact recall of a structured kind (e-mail, phone,
postal code, SIN, health and social-security numbers) is below the threshold.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: find `consult`

from consult.moderation.pii import KINDS, STRUCTURED_KINDS, find_personal_information  # noqa: E402

DEFAULT_DATA = ROOT / "tests" / "data" / "pii_labelled.jsonl"
#: The size of the long text timed on its own (a long testimony or an organisation's brief).
LONG_TEXT_CHARS = 20_000


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _matches(found, entity, mode: str) -> bool:
    if found.kind != entity["kind"]:
        return False
    if mode == "exact":
        return (found.start, found.end) == (entity["start"], entity["end"])
    return found.start < entity["end"] and entity["start"] < found.end


def evaluate(rows: list[dict], mode: str) -> tuple[dict[str, Counts], list[tuple]]:
    """Counts per kind, and the errors: (text, "miss" or "false alarm", kind, span text)."""
    counts = {kind: Counts() for kind in KINDS}
    errors = []
    for row in rows:
        text, unmatched = row["text"], list(row["entities"])
        for found in find_personal_information(text):
            match = next((e for e in unmatched if _matches(found, e, mode)), None)
            if match is None:
                counts[found.kind].fp += 1
                errors.append((text, "false alarm", found.kind, found.text))
            else:
                counts[found.kind].tp += 1
                unmatched.remove(match)
        for entity in unmatched:
            counts[entity["kind"]].fn += 1
            errors.append((text, "miss", entity["kind"], text[entity["start"]:entity["end"]]))
    return counts, errors


def total(counts: dict[str, Counts]) -> Counts:
    return Counts(sum(c.tp for c in counts.values()), sum(c.fp for c in counts.values()),
                  sum(c.fn for c in counts.values()))


def table(exact: dict[str, Counts], overlap: dict[str, Counts]) -> list[str]:
    lines = ["| kind | labelled | TP | FP | FN | precision | recall | F1 | overlap P | overlap R |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    rows = [(kind, exact[kind], overlap[kind]) for kind in KINDS]
    rows.append(("**all (micro)**", total(exact), total(overlap)))
    for name, e, o in rows:
        lines.append(f"| {name} | {e.tp + e.fn} | {e.tp} | {e.fp} | {e.fn} | {e.precision:.3f} "
                     f"| {e.recall:.3f} | {e.f1:.3f} | {o.precision:.3f} | {o.recall:.3f} |")
    return lines


def _timed(function, repeat: int) -> float:
    """The median time of `repeat` calls, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def throughput(rows: list[dict], repeat: int, long_chars: int = LONG_TEXT_CHARS) -> list[str]:
    texts = [row["text"] for row in rows]
    size = sum(len(t.encode("utf-8")) for t in texts)
    find_personal_information(texts[0])  # loads the first-name list
    seconds = _timed(lambda: [find_personal_information(t) for t in texts], repeat)
    long_text = ""
    while len(long_text) < long_chars:
        long_text += " ".join(texts) + " "
    long_text = long_text[:long_chars]
    long_size = len(long_text.encode("utf-8"))
    long_seconds = _timed(lambda: find_personal_information(long_text), repeat)
    return [
        f"- the set: {len(texts)} texts, {size / 1e3:.1f} kB, {seconds * 1e3:.1f} ms per pass "
        f"(median of {repeat}): {len(texts) / seconds:,.0f} texts/s, "
        f"{size / seconds / 1e6:.2f} MB/s",
        f"- one text of {len(long_text):,} characters ({long_size / 1e3:.1f} kB, "
        f"{len(find_personal_information(long_text))} findings): {long_seconds * 1e3:.1f} ms "
        f"(median of {repeat}), {long_size / long_seconds / 1e6:.2f} MB/s",
    ]


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{date.today().isoformat()}, {os.cpu_count()} CPUs ({cpu}), "
            f"Python {platform.python_version()} on {platform.system()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the labelled JSONL set")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs (median reported)")
    parser.add_argument("--size", type=int, default=LONG_TEXT_CHARS,
                        help="characters of the long text timed on its own")
    parser.add_argument("--errors", action="store_true", help="list every miss and false alarm")
    parser.add_argument("--fail-under-recall", type=float, metavar="R",
                        help="exit 1 if a structured kind's exact recall is below R")
    args = parser.parse_args()

    rows = load(args.data)
    exact, errors = evaluate(rows, "exact")
    overlap, _ = evaluate(rows, "overlap")
    languages = {}
    for row in rows:
        languages[row.get("lang", "?")] = languages.get(row.get("lang", "?"), 0) + 1
    print(f"# Personal-information detector on {args.data.name}")
    print()
    print(f"{len(rows)} texts ({', '.join(f'{n} {lang}' for lang, n in sorted(languages.items()))}"
          f"), {sum(not r['entities'] for r in rows)} without personal information, "
          f"{sum(len(r['entities']) for r in rows)} labelled entities. {machine()}.")
    print()
    print("\n".join(table(exact, overlap)))
    print()
    print("Throughput (one process, one thread):")
    print()
    print("\n".join(throughput(rows, args.repeat, args.size)))
    if args.errors:
        print()
        print("Errors (exact match):")
        for text, what, kind, span in sorted(errors, key=lambda e: (e[2], e[1])):
            print(f"- {kind} {what}: {span!r} in {text!r}")
    if args.fail_under_recall is not None:
        low = [k for k in STRUCTURED_KINDS if exact[k].recall < args.fail_under_recall]
        if low:
            print(f"\nRecall below {args.fail_under_recall} for: {', '.join(low)}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
