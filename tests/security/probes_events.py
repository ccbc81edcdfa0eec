"""Access probes of the events pages (see test_probes.py)."""
from consult.extensions import db
from consult.testimonies.attachments import write_file
from tests.security.probe_kit import EVERYONE, LOGGED_IN, MODERATORS_A, Probe, get, post

FACILITATOR_A = {"facilitator_a", "admin"}
FACILITATOR_B = {"facilitator_b", "admin"}
#: Who reads event A's report: its organisation, conso-a's moderators and commissioners.
REPORT_READERS_A = MODERATORS_A | {"facilitator_a"}


def _attach_report(event) -> None:
    """The world's events have no report yet: give event A one, with its document."""
    event.report = "Compte rendu de la rencontre A."
    event.report_file_stored = write_file(b"%PDF-1.4 compte rendu")
    event.report_file_name = "compte-rendu.pdf"
    event.report_file_type = "application/pdf"
    db.session.commit()


def probes(w) -> list[Probe]:
    _attach_report(w.event_a)
    a, event_a, event_b = w.a.slug, w.event_a.id, w.event_b.id
    org_a = f"/c/{a}/organisations/{w.org_a.id}/events"
    org_b = f"/c/{a}/organisations/{w.org_b.id}/events"
    pending = f"/c/{a}/organisations/{w.org_pending.id}/events"
    return [
        get(f"/c/{a}/events", EVERYONE),
        get("/my-events", LOGGED_IN),
        get(f"/c/{a}/events?past=1&region=abc", EVERYONE),
        get("/c/conso-brouillon/events", {"admin"}),
        get(f"/c/{a}/events.ics", EVERYONE),
        get(f"/c/{a}/events.ics?theme=999999", set()),
        get(f"/c/{a}/events/{event_a}", EVERYONE),
        get("/c/conso-b/events/" + str(event_a), set()),
        post(f"/c/{a}/events/{event_a}/register", LOGGED_IN),
        post(f"/c/conso-b/events/{event_a}/register", set()),
        post(f"/c/{a}/events/{event_b}/cancel-registration", LOGGED_IN),
        get(f"/c/{a}/events/{event_a}/report-file", REPORT_READERS_A),
        get(f"/c/{a}/events/{event_b}/report-file", set()),  # no document
        get(org_a, FACILITATOR_A),
        get(org_b, FACILITATOR_B),
        get(pending, {"admin"}),
        get(f"{org_a}/new", FACILITATOR_A),
        post(f"{org_a}/new", FACILITATOR_A, title=""),
        post(f"{org_b}/new", FACILITATOR_B, title=""),
        get(f"{org_a}/{event_a}/edit", FACILITATOR_A),
        get(f"{org_a}/{event_b}/edit", set()),
        get(f"{org_b}/{event_a}/edit", set()),
        post(f"{org_a}/{event_a}/edit", FACILITATOR_A, title=""),
        post(f"{org_b}/{event_a}/edit", set(), title="Volé"),
        post(f"{org_a}/{event_a}/cancel", FACILITATOR_A, confirm=""),
        post(f"{org_b}/{event_a}/cancel", set(), confirm="y"),
        post(f"{org_a}/{event_b}/cancel", set(), confirm="y"),
        get(f"{org_a}/{event_a}/registrations", FACILITATOR_A),
        get(f"{org_b}/{event_b}/registrations", FACILITATOR_B),
        get(f"{org_a}/{event_b}/registrations", set()),
        get(f"{org_a}/{event_a}/report", FACILITATOR_A),
        get(f"{org_b}/{event_a}/report", set()),
        post(f"{org_a}/{event_a}/report", FACILITATOR_A, attendance="3"),  # not begun
        post(f"{org_b}/{event_a}/report", set(), attendance="3"),
    ]
