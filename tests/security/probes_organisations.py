"""Access probes of the organisations pages (see test_probes.py)."""
from tests.security.probe_kit import EVERYONE, LOGGED_IN, Probe, get, post


def probes(w) -> list[Probe]:
    a = w.a.slug
    org_a, org_b, pending = w.org_a.id, w.org_b.id, w.org_pending.id
    owner_a, owner_b = w.org_a.members[0].id, w.org_b.members[0].id
    runs_a, runs_b = {"facilitator_a", "admin"}, {"facilitator_b", "admin"}
    return [
        get(f"/c/{a}/organisations", EVERYONE),
        get(f"/c/{a}/organisations?region=x", EVERYONE),
        get("/c/conso-brouillon/organisations", {"admin"}),
        get(f"/c/{a}/organisations/{org_a}", EVERYONE),
        get(f"/c/{a}/organisations/{pending}", {"participant", "admin"}),
        get(f"/c/conso-b/organisations/{org_a}", set()),
        get(f"/c/{a}/organisations/new", LOGGED_IN),
        post(f"/c/{a}/organisations/new", LOGGED_IN, name="", kind="community"),
        post("/c/conso-brouillon/organisations/new", {"admin"}, name="", kind="community"),
        get(f"/c/{a}/organisations/review", {"admin"}),
        post(f"/c/{a}/organisations/{pending}/decide", {"admin"}, decision="maybe"),
        post(f"/c/conso-b/organisations/{pending}/decide", set(), decision="approve"),
        get(f"/c/{a}/organisations/{org_a}/members", runs_a),
        get(f"/c/{a}/organisations/{org_b}/members", runs_b),
        # Not approved yet: its owner has no tools.
        get(f"/c/{a}/organisations/{pending}/members", {"admin"}),
        post(f"/c/{a}/organisations/{org_a}/members/invite", runs_a, email=""),
        post(f"/c/{a}/organisations/{org_b}/members/invite", runs_b, email=""),
        # The owner is never removed; another organisation's member is a 404.
        post(f"/c/{a}/organisations/{org_a}/members/{owner_a}/remove", runs_a),
        post(f"/c/{a}/organisations/{org_a}/members/{owner_b}/remove", set()),
        post(f"/c/{a}/organisations/{org_b}/members/{owner_a}/remove", set()),
        post(f"/c/{a}/organisations/{org_a}/invitations/999999/withdraw", set()),
        get(f"/c/{a}/organisations/{org_a}/brief", runs_a),
        get(f"/c/{a}/organisations/{org_b}/brief", runs_b),
        get(f"/c/{a}/organisations/{pending}/brief", {"admin"}),
        post(f"/c/{a}/organisations/{org_a}/brief", runs_a, changes_nothing=True, body=""),
        post(f"/c/{a}/organisations/{org_b}/brief", runs_b, changes_nothing=True, body=""),
        get("/invitations/not-a-real-token", set()),
        post("/invitations/not-a-real-token", set()),
        get("/my-organisations", LOGGED_IN),
    ]
