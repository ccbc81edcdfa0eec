"""Health checks and metrics for the operators' tools (load balancer, Prometheus)."""
from flask import jsonify

from consult.access import operator_networks, public
from consult.extensions import limiter
from consult.operations import bp, metrics, services


@bp.route("/healthz")
@public
@limiter.exempt
def healthz():
    """The process answers."""
    return jsonify(status="ok")


@bp.route("/readyz")
@public
@limiter.exempt
def readyz():
    """The database (and Redis, where configured) can be reached: 200, else 503 naming
    what is down."""
    parts = services.readiness()
    ready = all(state == "ok" for state in parts.values())
    return jsonify(status="ok" if ready else "unavailable", **parts), 200 if ready else 503


@bp.route("/metrics")
@operator_networks
@limiter.exempt
def prometheus_metrics():
    """Request counts and latencies, for Prometheus."""
    return metrics.exposition()
