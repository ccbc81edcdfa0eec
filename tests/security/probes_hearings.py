"""Access probes of the hearings and reach pages (see test_probes.py)."""
from tests.security.probe_kit import MODERATORS_A, Probe, get, post

COMMISSIONERS_A = {"commissioner_a", "admin"}


def probes(w) -> list[Probe]:
    a, mine, theirs = w.a.slug, w.hearing_a.id, w.hearing_b.id
    return [
        get(f"/c/{a}/hearings", COMMISSIONERS_A),
        get("/c/conso-b/hearings", {"admin"}),
        get(f"/c/{a}/hearings/new", COMMISSIONERS_A),
        post(f"/c/{a}/hearings/new", COMMISSIONERS_A, heard=""),
        get(f"/c/{a}/hearings/{mine}", COMMISSIONERS_A),
        get(f"/c/{a}/hearings/{theirs}", set()),
        post(f"/c/{a}/hearings/{mine}", COMMISSIONERS_A, body=""),
        post(f"/c/{a}/hearings/{theirs}", set(), body="Notes"),
        get(f"/c/{a}/hearings/{mine}/edit", COMMISSIONERS_A),
        post(f"/c/{a}/hearings/{theirs}/edit", set(), heard="Changé"),
        get(f"/c/{a}/reach", MODERATORS_A),
        get("/c/conso-b/reach", {"moderator_b", "admin"}),
    ]
