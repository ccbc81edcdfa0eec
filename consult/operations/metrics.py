"""Prometheus metrics: every request counted and timed by endpoint, method and status.

Under gunicorn each worker writes its figures to PROMETHEUS_MULTIPROC_DIR (set by
gunicorn.conf.py before the workers start), and /metrics adds up every worker's."""
import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter("consult_http_requests_total", "HTTP requests answered.",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("consult_http_request_duration_seconds",
                    "Time from the request's arrival in the app to its answer.",
                    ["endpoint", "method"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))


def init_app(app: Flask) -> None:
    @app.before_request
    def start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def count(response: Response) -> Response:
        started = g.pop("request_started", None)
        if started is not None:
            # Unmatched paths share one label: a scan of random addresses adds no series.
            record(request.endpoint or "unmatched", request.method, response.status_code, started)
        return response


def record(endpoint: str, method: str, status: int, started: float) -> None:
    """Count an answer and the time since `started` (a `time.perf_counter()`)."""
    REQUESTS.labels(endpoint, method, str(status)).inc()
    LATENCY.labels(endpoint, method).observe(time.perf_counter() - started)


def exposition() -> Response:
    """The figures in Prometheus's text format: this process's, or every worker's."""
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
