"""Access probes of the paper pages (see test_probes.py)."""
from tests.security.probe_kit import EVERYONE, Probe, get, post


def probes(w) -> list[Probe]:
    a = w.a.slug
    of_a = f"/c/{a}/organisations/{w.org_a.id}/import"
    of_b = f"/c/{a}/organisations/{w.org_b.id}/import"
    pending = f"/c/{a}/organisations/{w.org_pending.id}/import"
    a_elsewhere = f"/c/conso-b/organisations/{w.org_a.id}/import"
    runs_a, runs_b = {"facilitator_a", "admin"}, {"facilitator_b", "admin"}
    return [
        get(f"/c/{a}/paper-form.pdf", EVERYONE),
        get(f"/c/{a}/paper-form.pdf?language=en", EVERYONE),
        get("/c/conso-brouillon/paper-form.pdf", {"admin"}),
        get(of_a, runs_a),
        get(of_b, runs_b),
        get(pending, {"admin"}),
        get(a_elsewhere, set()),
        get(of_a + "/template.csv", runs_a),
        get(of_a + "/template.xlsx", runs_a),
        get(of_b + "/template.xlsx", runs_b),
        get(a_elsewhere + "/template.csv", set()),
        post(of_a, runs_a, changes_nothing=True),
        post(of_b, runs_b, changes_nothing=True),
        post(pending, {"admin"}, changes_nothing=True),
        post(of_a + "/confirm", runs_a, changes_nothing=True, reference="A" * 32),
        post(of_b + "/confirm", runs_b, changes_nothing=True, reference="A" * 32),
        post(a_elsewhere + "/confirm", set(), reference="A" * 32),
    ]
