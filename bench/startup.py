"""Time importing the app and measure what idle processes hold in memory.

    .venv/bin/python bench/startup.py
    .venv/bin/python bench/startup.py --root /path/to/another/checkout --runs 7

Measured, each in fresh processes of the production configuration (a scratch SQLite
database brought to the latest migration, the queue in a SQLite file beside it):

- **import**: `import wsgi` (the app built by `create_app()`), timed inside the process,
  and the whole command `python -c "import wsgi"` timed from outside (the interpreter's
  start and exit included); the median of --runs processes, with the resident memory
  (VmRSS) once the app is built;
- **worker**: `flask --app wsgi consult worker`, idle, its resident memory once the
  consumer has started its threads (two workers and the scheduler);
- **gunicorn**: `gunicorn wsgi:app` with one worker process, its worker's resident
  memory once it has answered one request for the home page;
- which of the heavy libraries the app loaded.

--root names the checkout to measure (default: this one), so that two versions can be
measured one after the other with the same script. The load average is printed beside
the figures: on a shared machine, times move with it.
"""
import argparse
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("docx", "numpy", "openpyxl", "pandas", "pypdf", "scipy", "sklearn", "spacy", "weasyprint")
IMPORT = ("import time; started = time.perf_counter(); import wsgi; "
          "seconds = time.perf_counter() - started; import sys; "
          "rss = [line.split()[1] for line in open('/proc/self/status') "
          "if line.startswith('VmRSS')][0]; "
          f"loaded = [name for name in {HEAVY!r} if name in sys.modules]; "
          "print(seconds, rss, ','.join(loaded) or '-')")
#: Seconds to wait for a process to be ready.
READY_TIMEOUT = 300


def environment(folder: Path) -> dict[str, str]:
    variables = {key: value for key, value in os.environ.items()
                 if not key.startswith(("CONSULT_", "GUNICORN_", "PROMETHEUS_", "FLASK_"))}
    variables.update(CONSULT_ENV="production", SECRET_KEY=secrets.token_hex(32),
                     DATABASE_URL=f"sqlite:///{folder / 'consult.sqlite'}",
                     QUEUE_DATABASE=str(folder / "queue.sqlite"),
                     CONSULT_INSTANCE_DIR=str(folder), UPLOAD_DIR=str(folder / "uploads"),
                     LOG_FORMAT="text", PYTHONDONTWRITEBYTECODE="1")
    variables.pop("REDIS_URL", None)
    return variables


def resident_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))


def wait_for(condition, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{what}: not ready (exit code {process.poll()})")
        time.sleep(0.2)


def measure_import(root: Path, env: dict, runs: int) -> dict:
    inside, outside, rss, loaded = [], [], [], ""
    for _ in range(runs):
        started = time.perf_counter()
        output = subprocess.run([sys.executable, "-c", IMPORT], cwd=root, env=env, check=True,
                                capture_output=True, text=True).stdout.split()
        outside.append(time.perf_counter() - started)
        inside.append(float(output[0]))
        rss.append(int(output[1]))
        loaded = output[2]
    return {"inside": statistics.median(inside), "outside": statistics.median(outside),
            "rss": statistics.median(rss), "loaded": loaded}


def measure_worker(root: Path, env: dict, folder: Path) -> int:
    with (folder / "worker.log").open("wb") as output:
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "consult",
                                   "worker", "--threads", "2"], cwd=root, env=env,
                                  stdout=output, stderr=subprocess.STDOUT)
    try:
        # The main thread, two workers and the scheduler.
        wait_for(lambda: len(os.listdir(f"/proc/{worker.pid}/task")) >= 4, worker, "worker")
        time.sleep(2)  # the first look at the queue done
        return resident_kb(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def measure_gunicorn(root: Path, env: dict, folder: Path) -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "wsgi:app"], cwd=root,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"},
        stdout=(folder / "access.log").open("wb"), stderr=(folder / "error.log").open("wb"))

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        wait_for(answers, server, "gunicorn")
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        return resident_kb(int(children[0]))
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to measure")
    parser.add_argument("--runs", type=int, default=5, help="imports timed (the median is shown)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="consult-startup-"))
    try:
        env = environment(folder)
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                       cwd=args.root, env=env, check=True, capture_output=True)
        load = os.getloadavg()[0]
        imported = measure_import(args.root, env, args.runs)
        worker = measure_worker(args.root, env, folder)
        gunicorn = measure_gunicorn(args.root, env, folder)
        load = max(load, os.getloadavg()[0])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {args.root}")
    print("| import wsgi (in the process) | python -c 'import wsgi' | resident after import "
          "| idle worker | gunicorn worker | heavy libraries loaded | load average |")
    print("| ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    print(f"| {imported['inside']:.2f} s | {imported['outside']:.2f} s "
          f"| {imported['rss'] / 1024:.0f} MB | {worker / 1024:.0f} MB "
          f"| {gunicorn / 1024:.0f} MB | {imported['loaded'].replace(',', ', ')} | {load:.1f} |")


if __name__ == "__main__":
    main()
