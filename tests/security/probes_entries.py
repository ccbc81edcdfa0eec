"""Access probes of the entries pages (see test_probes.py)."""
from tests.security.probe_kit import Probe, get, post


def probes(w) -> list[Probe]:
    a = w.a.slug
    org_a, org_b = (f"/c/{a}/organisations/{o.id}/entries" for o in (w.org_a, w.org_b))
    pending_org = f"/c/{a}/organisations/{w.org_pending.id}/entries"
    in_b = f"/c/{w.b.slug}/organisations/{w.org_a.id}/entries"
    own_a, own_b = {"facilitator_a", "admin"}, {"facilitator_b", "admin"}
    #: A form that comes back with an error: nothing is saved, whoever sends it.
    refused_entry = {"channel": "paper", "consent_method": "oral", "body": ""}
    return [
        get(org_a, own_a),
        get(org_b, own_b),
        get(f"{org_a}?event={w.event_b.id}&status=pending&before=99999999999", own_a),
        get(pending_org, {"admin"}),
        get(in_b, set()),
        get(f"{org_a}/new", own_a),
        get(f"{org_b}/new", own_b),
        get(f"{pending_org}/new", {"admin"}),
        get(f"{in_b}/new", set()),
        post(f"{org_a}/new", own_a, changes_nothing=True, **refused_entry),
        post(f"{org_a}/new", own_a, changes_nothing=True,
             **{**refused_entry, "event": str(w.event_b.id), "body": "Texte", "consent": "y"}),
        post(f"{org_b}/new", own_b, changes_nothing=True, **refused_entry),
        post(f"{in_b}/new", set(), **{**refused_entry, "body": "Texte", "consent": "y",
                                      "themes": str(w.b.themes[0].id)}),
        get(f"{org_a}/{w.entry_a.id}/edit", own_a),
        get(f"{org_b}/{w.entry_b.id}/edit", own_b),
        get(f"{org_a}/{w.entry_b.id}/edit", set()),
        get(f"{org_b}/{w.entry_a.id}/edit", set()),
        get(f"{org_a}/{w.pending.id}/edit", set()),  # an online testimony
        get(f"{org_a}/{w.published.id}/edit", set()),
        post(f"{org_a}/{w.entry_a.id}/edit", own_a, changes_nothing=True, body=""),
        post(f"{org_a}/{w.entry_b.id}/edit", set(), body="Changé",
             themes=str(w.a.themes[0].id), visibility="anonymous"),
        post(f"{org_b}/{w.entry_a.id}/edit", set(), body="Changé",
             themes=str(w.a.themes[0].id), visibility="anonymous"),
    ]
