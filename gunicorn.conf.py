"""gunicorn's settings for production: `gunicorn wsgi:app` reads this file from the
working directory. Every setting comes from the environment; the defaults suit a
machine of 2 cores behind a reverse proxy on the same machine (docs/deploy.md)."""
import os
import shutil
import tempfile

from config import config_from_environment

# Refuse at once, in the master, a configuration the app cannot run with (one line, exit 1)
# rather than let each worker fail to start, again and again.
_config = config_from_environment()
if hasattr(_config, "check"):
    _config.check({"SECRET_KEY": _config.SECRET_KEY})

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
#: Two processes a core: one can render while another waits for the database.
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1))))
#: Threads per process: slow clients and database waits do not hold a whole process.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
#: The longest work that stays in a request is confirming a large spreadsheet import
#: (100,000 rows took 18 to 38 s, docs/benchmarks.md): two minutes leave room for it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
#: Workers are replaced after this many requests (memory stays flat over weeks). Not too
#: often: a new worker starts with no page kept, and kept pages answer 500 a second.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
#: The proxy in front sends X-Forwarded-*; the app reads them (TRUSTED_PROXIES), not gunicorn.
#: systemd's signals control the server (docs/deploy.md); no control socket beside them.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s'
if _config.LOG_FORMAT == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "consult.logs.JsonFormatter"}},
        "handlers": {
            "error": {"class": "logging.StreamHandler", "formatter": "json",
                      "stream": "ext://sys.stderr"},
            "access": {"class": "logging.StreamHandler", "formatter": "json",
                       "stream": "ext://sys.stdout"},
        },
        "root": {"level": "INFO", "handlers": ["error"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
        },
    }

# Each worker writes its metrics to files here; /metrics adds them up (prometheus_client).
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="consult-metrics-")


def on_starting(server):
    """Start from empty metrics files: figures from an earlier run would be added in."""
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)


def child_exit(server, worker):
    """A worker that ends stops counting in the live gauges."""
    # Imported only now: prometheus_client picks its multi-process mode at import, from
    # the variable set above.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
