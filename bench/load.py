"""Load the production server with a summit's delegates at once (locust, headless,
loopback only).

    .venv/bin/python bench/load.py summit 500 \\
        --database-url postgresql://postgres@127.0.0.1:54343/bench_load \\
        --redis-url redis://127.0.0.1:56383/0

summit: a consultation in its vote phase with 20 items (published recommendations and
measures) and D delegate codes, on PostgreSQL and Redis, served by gunicorn with
TRUSTED_PROXIES=1. One locust `Delegate` per code enters it, with an address of its own,
and votes on every item, then stops; the run ends when all have voted. The report: votes
per second, the 99th percentile of the vote POSTs, errors, and the vote rows in the
database against D × 20.

The servers run in production mode (CONSULT_ENV=production, a random SECRET_KEY), on
127.0.0.1 ports, and stop whatever happens. Locust runs on the same machine as the
servers. Logs, locust's CSV files and the codes are left in bench/out/load/<scenario>/.
The public pages against a bare Flask application: bench/throughput.py, which uses this
file's servers and locust runs.
"""
import argparse
import csv
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import func, select

import seed_large
from pages import Page, _bench_postgresql_url, _check, _database_description, fresh_database
from consult.consultations.services import save_consultation
from consult.extensions import db
from consult.models import DelegateCode, Proposal, Vote, VoteHistory, Voter, utcnow
from consult.synthesis import services as synthesis
from consult.voting import services as voting

ROOT = seed_large.ROOT
LOCUSTFILE = ROOT / "bench" / "locustfile.py"
OUT_DIR = seed_large.OUT_DIR / "load"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
#: Bounds of a run: delegates, the summit's time.
MAX_DELEGATES = 5_000
MAX_SUMMIT_SECONDS = 3_600
#: Requests per page before locust starts (each page checked; workers warmed up).
WARM_UP = 20
#: How long a server may take to answer its first request.
START_SECONDS = 60
#: The request-time histogram of Consult's /metrics: its sum and count per endpoint.
APP_TIME = re.compile(r'^consult_http_request_duration_seconds_(sum|count)'
                      r'\{endpoint="([^"]+)",method="([^"]+)"\} (\S+)$', re.MULTILINE)
SUMMIT_SLUG = "sommet"
#: What the summit votes on: orientations, each with recommendations, each with one
#: measure. 5 × 2 × (1 + 1) = 20 items.
SUMMIT_ITEMS = [
    ("Reconnaître le travail social", [
        ("Inscrire le travail social dans chaque plan régional de santé et de services.",
         "Un siège réservé aux intervenantes dans chaque comité régional."),
        ("Compter l'expérience acquise dans les organismes dans l'avancement.",
         "Une échelle salariale qui reconnaît les années passées en milieu communautaire."),
    ]),
    ("Financer la mission des organismes", [
        ("Passer du financement par projet au financement de la mission.",
         "Des ententes de cinq ans, indexées chaque année."),
        ("Alléger la reddition de comptes.",
         "Un seul rapport annuel, commun à tous les bailleurs de fonds."),
    ]),
    ("Rapprocher les services des personnes", [
        ("Ouvrir des points de service dans les quartiers et les villages éloignés.",
         "Des heures d'ouverture en soirée deux fois par semaine."),
        ("Raccourcir l'attente en santé mentale.",
         "Un premier contact en moins de dix jours ouvrables."),
    ]),
    ("Préparer la relève", [
        ("Mieux encadrer les stages.",
         "Des heures de supervision reconnues dans la tâche des superviseures."),
        ("Rémunérer le stage de fin d'études.",
         "Une bourse versée chaque mois pendant le dernier stage."),
    ]),
    ("Donner une voix aux personnes concernées", [
        ("Associer les personnes qui reçoivent des services à leur évaluation.",
         "Un comité de personnes usagères, doté d'un budget, dans chaque établissement."),
        ("Rendre compte en public des suites données au sommet.",
         "Un bilan public un an après le sommet."),
    ]),
]


# Machine and servers -------------------------------------------------------------------


def machine() -> str:
    """nproc, the CPU model, Python's version."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").open()
                  if line.startswith("model name")), platform.processor() or "unknown")
    return (f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def fresh_folder(name: str) -> Path:
    """An empty bench/out/load/NAME for a run's logs and CSV files; the load average at
    the start printed."""
    folder = OUT_DIR / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"Load average (1 min) at the start: {load_average():.2f}", flush=True)
    return folder


def load_average() -> float:
    """The 1-minute load average."""
    return os.getloadavg()[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Settings:
    """What both servers of a run share: gunicorn's sizes and the app's environment."""

    folder: Path
    workers: int
    threads: int
    environment: dict[str, str]

    @classmethod
    def production(cls, folder: Path, workers: int, threads: int, **settings) -> "Settings":
        """Production mode with a fresh random secret; nothing inherited from CONSULT_*,
        GUNICORN_*, PAGE_CACHE_* or the database and Redis settings of the calling shell."""
        inherited = ("CONSULT_", "GUNICORN_", "PROMETHEUS_", "DATABASE_URL", "REDIS_URL",
                     "PAGE_CACHE_", "RATELIMIT_", "RATE_LIMIT_", "TRUSTED_PROXIES",
                     "WEB_CONCURRENCY")
        environment = {key: value for key, value in os.environ.items()
                       if not key.startswith(inherited)}
        environment.update(CONSULT_ENV="production", SECRET_KEY=secrets.token_hex(32),
                           WEB_CONCURRENCY=str(workers), GUNICORN_THREADS=str(threads),
                           CONSULT_INSTANCE_DIR=str(folder / "instance"), **settings)
        return cls(folder, workers, threads, environment)


class Gunicorn:
    """`gunicorn <app>` with the repository's gunicorn.conf.py, on a loopback port."""

    def __init__(self, name: str, app: str, settings: Settings):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.error_log = settings.folder / f"{name}-error.log"
        environment = {**settings.environment, "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                       "PROMETHEUS_MULTIPROC_DIR": str(settings.folder / f"{name}-metrics")}
        self.logs = [(settings.folder / f"{name}-access.log").open("wb"),
                     self.error_log.open("wb")]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", app],
            cwd=ROOT, env=environment, stdout=self.logs[0], stderr=self.logs[1])

    def wait_ready(self, path: str = "/readyz") -> None:
        """Wait until `path` answers 200 (for Consult: database and Redis reachable)."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name}: gunicorn stopped (exit {self.process.returncode});"
                                 f" see {self.error_log}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:  # not listening yet, or no worker ready to answer
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.name}: {path} not ready after {START_SECONDS} s; "
                         f"see {self.error_log}")

    def app_time(self) -> dict[tuple[str, str], tuple[int, float]]:
        """(method, endpoint) → (requests, seconds in the app) so far, from /metrics."""
        with urllib.request.urlopen(self.url + "/metrics", timeout=30) as response:
            exposition = response.read().decode()
        figures = {}
        for part, endpoint, method, value in APP_TIME.findall(exposition):
            count, seconds = figures.get((method, endpoint), (0, 0.0))
            figures[(method, endpoint)] = ((int(float(value)), seconds) if part == "count"
                                           else (count, float(value)))
        return figures

    def worker_starts(self) -> int:
        """Workers started so far, the first ones included (max_requests replaces them)."""
        return self.error_log.read_text(errors="replace").count("Booting worker")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for log in self.logs:
            log.close()


def started(stack: ExitStack, name: str, app: str, settings: Settings) -> Gunicorn:
    """A server that `stack` stops on the way out, ready to answer."""
    server = Gunicorn(name, app, settings)
    stack.callback(server.stop)
    server.wait_ready()
    return server


def warm_up(server: Gunicorn, page: Page) -> None:
    """Ask for the page through the server a few times, checking each answer."""
    for _ in range(WARM_UP):
        try:
            with urllib.request.urlopen(server.url + page.url, timeout=30) as response:
                status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode()
        _check(server.url + page.url, status, body, page.mark)


# Locust ----------------------------------------------------------------------------------


@dataclass
class Stat:
    """One line of locust's stats CSV; times in milliseconds."""

    requests: int
    failures: int
    per_second: float
    median: float
    p95: float
    p99: float

    @classmethod
    def from_row(cls, row: dict) -> "Stat":
        return cls(int(row["Request Count"]), int(row["Failure Count"]),
                   float(row["Requests/s"]), float(row["50%"]), float(row["95%"]),
                   float(row["99%"]))


@dataclass
class LocustRun:
    stats: dict[str, Stat]
    failures: list[str]
    #: Locust's own warning that it used more than 90 % of a CPU (figures then understate).
    cpu_bound: bool
    seconds: float

    @property
    def total(self) -> Stat:
        return self.stats["Aggregated"]

    @property
    def measured_seconds(self) -> float:
        """The span locust divided by: from the start (or the reset) to the last request."""
        return self.total.requests / self.total.per_second if self.total.per_second else 0.0


def run_locust(folder: Path, name: str, user_class: str, host: str, users: int,
               spawn_rate: float, seconds: int, *options: str,
               reset_stats: bool = False) -> LocustRun:
    """Run locust headless on bench/locustfile.py and read its CSV files."""
    prefix = folder / name
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
               "--host", host, "--users", str(users), "--spawn-rate", str(spawn_rate),
               "--run-time", f"{seconds}s", "--stop-timeout", "10", "--only-summary",
               "--csv", str(prefix), *(["--reset-stats"] if reset_stats else []),
               *options, user_class]
    log = folder / f"{name}-locust.log"
    began = time.monotonic()
    with log.open("wb") as output:
        subprocess.run(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
                       timeout=seconds + 120, check=False)
    elapsed = time.monotonic() - began
    stats_file = Path(f"{prefix}_stats.csv")
    if not stats_file.exists():
        raise SystemExit(f"locust wrote no statistics; see {log}")
    with stats_file.open(newline="") as lines:
        stats = {row["Name"]: Stat.from_row(row) for row in csv.DictReader(lines)}
    with Path(f"{prefix}_failures.csv").open(newline="") as lines:
        failures = [f"{row['Occurrences']} × {row['Method']} {row['Name']}: {row['Error']}"
                    for row in csv.DictReader(lines)]
    return LocustRun(stats, failures, "CPU usage above" in log.read_text(errors="replace"),
                     elapsed)


# Summit ------------------------------------------------------------------------------------


def prepare_summit(delegates: int, codes_file: Path) -> int:
    """The consultation in its vote phase, its 20 items put to the vote, and `delegates`
    codes spread over its participant categories, written one a line to `codes_file`.
    Returns the consultation's id."""
    now = utcnow()
    consultation = save_consultation(None, {
        "slug": SUMMIT_SLUG, "title": "Sommet des états généraux (données de banc d'essai)",
        "description": "Consultation générée par bench/load.py.",
        "contact_retention_days": 180, "flag_threshold": 3, "participant_statements": False,
        "shuffle_votes": True, "min_votes_for_groups": 7,
        "opens_at": now - timedelta(days=90), "synthesis_at": now - timedelta(days=30),
        "vote_at": now - timedelta(hours=1), "closes_at": now + timedelta(days=1),
        "initial_lists": {"themes": [name for name, _description in seed_large.THEMES],
                          "categories": [name for name, _weight in seed_large.CATEGORIES],
                          "regions": [name for name, _weight in seed_large.REGIONS]},
    })
    for title, recommendations in SUMMIT_ITEMS:
        orientation = synthesis.add_orientation(consultation, title, "")
        for text, measure in recommendations:
            synthesis.add_measure(synthesis.add_recommendation(orientation, text), measure)
    synthesis.publish_all(consultation)
    voting.sync_proposals(consultation)
    categories = consultation.categories
    codes = []
    for position, category in enumerate(categories):
        count = delegates // len(categories) + (position < delegates % len(categories))
        if count:
            codes += voting.generate_codes(consultation, category, count)
    codes_file.write_text("".join(f"{code}\n" for code in codes))
    return consultation.id


@dataclass
class SummitRows:
    """What the database holds for the summit after the run."""

    items: int
    codes_used: int
    voters: int
    votes: int
    history: int
    #: Seconds from the first vote recorded to the last.
    voting_seconds: float


def summit_rows(consultation_id: int) -> SummitRows:
    def one(query):
        return db.session.execute(query).one()

    voters = select(Voter.id).where(Voter.consultation_id == consultation_id)
    items, = one(select(func.count()).select_from(Proposal)
                 .where(Proposal.consultation_id == consultation_id))
    codes_used, = one(select(func.count(DelegateCode.used_at))
                      .where(DelegateCode.consultation_id == consultation_id))
    voter_count, = one(select(func.count()).select_from(voters.subquery()))
    votes, = one(select(func.count()).select_from(Vote).where(Vote.voter_id.in_(voters)))
    history, first, last = one(select(func.count(), func.min(VoteHistory.cast_at),
                                      func.max(VoteHistory.cast_at))
                               .where(VoteHistory.voter_id.in_(voters)))
    return SummitRows(items, codes_used, voter_count, votes, history,
                      (last - first).total_seconds() if history else 0.0)


@dataclass
class SummitReport:
    """Everything the summit's report says."""

    items: int
    run: LocustRun
    rows: SummitRows
    load_before: float
    load_after: float
    worker_starts: int
    #: (method, endpoint) → (requests, seconds spent in the app), from /metrics.
    app_time: dict[tuple[str, str], tuple[int, float]]


def run_summit(args: argparse.Namespace, folder: Path) -> None:
    print(f"Summit: {args.size:,} delegates, {_database_description(args.database_url)}, "
          f"Redis at {args.redis_url}", flush=True)
    database_url = fresh_database(args.size, args.database_url)
    app = seed_large.make_app(database_url)
    codes_file = folder / "codes.txt"
    with app.app_context():
        consultation_id = prepare_summit(args.size, codes_file)
        items = summit_rows(consultation_id).items
        db.engine.dispose()
    settings = Settings.production(folder, args.workers, args.threads,
                                   DATABASE_URL=database_url, REDIS_URL=args.redis_url,
                                   TRUSTED_PROXIES="1")
    with ExitStack() as stack:
        consult = started(stack, "consult", "wsgi:app", settings)
        for page in (Page("delegate page", f"/c/{SUMMIT_SLUG}/delegate", 'name="code"'),
                     Page("ballot", f"/c/{SUMMIT_SLUG}/vote", 'class="ballot"')):
            warm_up(consult, page)
        warmed = consult.app_time()
        load_before = load_average()
        run = run_locust(folder, "summit", "Delegate", consult.url, args.size,
                         args.spawn_rate, args.time_limit, "--slug", SUMMIT_SLUG,
                         "--codes-file", str(codes_file))
        load_after = load_average()
        app_time = _since(warmed, consult.app_time())
        worker_starts = consult.worker_starts()
    with app.app_context():
        rows = summit_rows(consultation_id)
        db.engine.dispose()
    report = SummitReport(items, run, rows, load_before, load_after, worker_starts, app_time)
    print()
    print(summit_markdown(args, report))
    expected = args.size * items
    problems = run.failures + ([f"{rows.votes:,} vote rows, not {expected:,}"]
                               if rows.votes != expected else [])
    if problems:
        raise SystemExit("The summit did not go through:\n" + "\n".join(problems))


def _since(before: dict[tuple[str, str], tuple[int, float]],
           after: dict[tuple[str, str], tuple[int, float]]) -> dict[tuple[str, str], tuple[int, float]]:
    """The requests and seconds counted in `after` and not yet in `before`."""
    return {key: (count - before.get(key, (0, 0.0))[0], seconds - before.get(key, (0, 0.0))[1])
            for key, (count, seconds) in after.items()}


def summit_markdown(args, report: SummitReport) -> str:
    run, rows = report.run, report.rows
    votes, ballots = run.stats.get("vote"), run.stats.get("ballot")
    lines = [
        f"- Machine: {machine()}",
        f"- Database: {_database_description(args.database_url)}; Redis {args.redis_url}",
        f"- gunicorn.conf.py with WEB_CONCURRENCY={args.workers}, "
        f"GUNICORN_THREADS={args.threads}; CONSULT_ENV=production, TRUSTED_PROXIES=1, "
        "rate limits in Redis",
        f"- {args.size:,} delegates ({args.size:,} locust users, started {args.spawn_rate:g} a "
        f"second, no pause), each with its own X-Forwarded-For address; {report.items} items",
        "- At a real summit the room shares one address: raise RATE_LIMIT_DELEGATE_CODE "
        "(default 30 per minute and 300 per hour per address) to the number of delegates "
        "who may enter their code within a minute and an hour.",
        f"- Load average (1 min): {report.load_before:.2f} before, {report.load_after:.2f} "
        f"after; workers started: {report.worker_starts}",
        f"- The run took {run.seconds:.0f} s (locust included); every request of it: "
        f"{run.total.requests:,}, {run.total.failures} errors",
        "",
        "| requests | count | per second | median (ms) | p95 (ms) | p99 (ms) | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in ("delegate page", "delegate code", "vote", "ballot", "Aggregated"):
        if name in run.stats:
            s = run.stats[name]
            lines.append(f"| {name} | {s.requests:,} | {s.per_second:,.1f} | {s.median:,.0f} "
                         f"| {s.p95:,.0f} | {s.p99:,.0f} | {s.failures} |")
    expected = args.size * report.items
    lines += [
        "",
        f"Votes: {votes.requests if votes else 0:,} POSTs, "
        f"{rows.votes / rows.voting_seconds if rows.voting_seconds else 0:,.1f} a second from "
        f"the first vote recorded to the last ({rows.voting_seconds:.0f} s; locust's figure "
        "above divides by the whole run, code entry included); each vote is followed by the "
        f"ballot it redirects to ({ballots.requests if ballots else 0:,} ballots in all).",
        f"Database after the run: {rows.votes:,} vote rows (expected {args.size:,} × "
        f"{report.items} = {expected:,}), {rows.history:,} rows of vote history, "
        f"{rows.voters:,} voters, {rows.codes_used:,} codes used.",
        "",
        "Time spent in the app during the run (Consult's /metrics: from a request's arrival "
        "in the app to its answer, queueing in gunicorn excluded):",
        "",
        "| endpoint | requests | mean (ms) | share of the app's time |",
        "|---|---:|---:|---:|",
    ]
    total = sum(seconds for _count, seconds in report.app_time.values()) or 1
    for (method, endpoint), (count, seconds) in sorted(
            report.app_time.items(), key=lambda item: -item[1][1]):
        if count:
            lines.append(f"| {method} {endpoint} | {count:,} | {seconds / count * 1000:,.0f} "
                         f"| {seconds / total:.0%} |")
    return "\n".join(lines)


# Command line ------------------------------------------------------------------------------


def _bounded(low: int, high: int):
    def parse(value: str) -> int:
        number = int(value)
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:,} to {high:,}")
        return number
    return parse


def _loopback(url: str) -> str:
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        raise argparse.ArgumentTypeError(f"this benchmark stays on loopback (got {host!r})")
    return url


def _bench_database(url: str) -> str:
    return _bench_postgresql_url(_loopback(url))


def add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=_bounded(1, 16), default=4,
                        help="gunicorn processes, WEB_CONCURRENCY (default: 4)")
    parser.add_argument("--threads", type=_bounded(1, 64), default=4,
                        help="threads per process, GUNICORN_THREADS (default: 4)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="See each scenario's --help.")
    scenarios = parser.add_subparsers(dest="scenario", required=True)
    summit = scenarios.add_parser(
        "summit", help="delegates enter their codes and vote (PostgreSQL and Redis)",
        description=__doc__.split("\n\n")[2])
    summit.add_argument("size", nargs="?", type=_bounded(1, MAX_DELEGATES), default=500,
                        help=f"delegates, one locust user each (default: 500, at most "
                             f"{MAX_DELEGATES})")
    summit.add_argument("--database-url", type=_bench_database, required=True,
                        help="a loopback PostgreSQL database whose name contains 'bench' "
                             "(its public schema is dropped)")
    summit.add_argument("--redis-url", type=_loopback, required=True,
                        help="a loopback Redis, e.g. redis://127.0.0.1:6379/0, for the rate "
                             "limits the workers share")
    summit.add_argument("--spawn-rate", type=float, default=50,
                        help="delegates arriving per second (default: 50)")
    summit.add_argument("--time-limit", type=_bounded(10, MAX_SUMMIT_SECONDS), default=1_800,
                        help=f"seconds after which the run stops, finished or not (default: "
                             f"1800, at most {MAX_SUMMIT_SECONDS})")
    add_server_options(summit)
    args = parser.parse_args()
    run_summit(args, fresh_folder(args.scenario))


if __name__ == "__main__":
    main()
