"""Access probes of the reading shared among a team (see test_probes.py): analysts read
and code; only commissioners (and admins) give testimonies and follow the readers."""
from consult.extensions import db
from consult.models import CodingSample
from tests.security.probe_kit import Probe, READERS_A, get, post

COMMISSIONERS_A = {"commissioner_a", "admin"}


def probes(w) -> list[Probe]:
    a = w.a.slug
    people = w.people
    sample_a, sample_b = (
        CodingSample(consultation_id=consultation.id, first_reader_id=people["analyst_a"].id,
                     second_reader_id=people["commissioner_a"].id)
        for consultation in (w.a, w.b))
    db.session.add_all([sample_a, sample_b])
    db.session.commit()
    return [
        get(f"/c/{a}/reading?view=assigned_unread", READERS_A),
        get(f"/c/{a}/reading?group={w.confidential.id}", READERS_A),
        get(f"/c/{a}/reading/{w.confidential.id}?view=unread&topic=1", READERS_A),
        get(f"/c/{a}/reading/team", COMMISSIONERS_A),
        get("/c/conso-b/reading/team", {"admin"}),
        get(f"/c/{a}/reading/samples/{sample_a.id}", COMMISSIONERS_A),
        get(f"/c/{a}/reading/samples/{sample_b.id}", set()),
        post(f"/c/{a}/reading/assign", COMMISSIONERS_A, reader=""),
        post(f"/c/{a}/reading/assign", COMMISSIONERS_A,
             reader=str(people["analyst_a"].id)),
        post("/c/conso-b/reading/assign", {"admin"}, reader=str(people["analyst_a"].id)),
        get(f"/c/{a}/synthesis", COMMISSIONERS_A),
        get(f"/c/{a}/exports", COMMISSIONERS_A),
    ]
