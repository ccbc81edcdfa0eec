"""Access probes of the operators' endpoints (see test_probes.py). The probes come from
loopback, where the monitoring runs: /metrics from elsewhere is tested in
tests/operations."""
from tests.security.probe_kit import EVERYONE, Probe, get


def probes(_w) -> list[Probe]:
    return [get("/healthz", EVERYONE), get("/readyz", EVERYONE), get("/metrics", EVERYONE)]
