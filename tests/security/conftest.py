"""A small world with every kind of object and person, for the access probes."""
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from consult.exports import services as export_services
from consult.extensions import db
from consult.models import (
    Attachment,
    Channel,
    ConsentMethod,
    Hearing,
    LocalEvent,
    Measure,
    MemberRole,
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Orientation,
    Recommendation,
    Registration,
    Role,
    Status,
    Visibility,
    utcnow,
)
from consult.testimonies.attachments import write_file
from tests.conftest import log_in

SECRET = "Canari-confidentiel-51e2"
PENDING = "Canari-en-attente-77b0"


@dataclass
class World:
    a: object = None
    b: object = None
    draft: object = None
    published: object = None
    confidential: object = None
    pending: object = None
    other_published: object = None
    in_b: object = None
    own_token: str = ""
    #: The files of the published, other person's, confidential and pending testimonies.
    attachment: object = None
    other_attachment: object = None
    confidential_attachment: object = None
    pending_attachment: object = None
    orientation: object = None
    orientation_in_b: object = None
    #: Outreach: two approved organisations of conso-a (facilitator_a runs A,
    #: facilitator_b runs B), one waiting for approval; an event and an entered
    #: testimony of each; a hearing in conso-a and one in conso-b.
    org_a: object = None
    org_b: object = None
    org_pending: object = None
    event_a: object = None
    event_b: object = None
    registration_b: object = None
    entry_a: object = None
    entry_b: object = None
    hearing_a: object = None
    hearing_b: object = None
    export_a: object = None
    people: dict = field(default_factory=dict)


ROLES = ("anonymous", "author", "participant", "moderator_a", "moderator_b",
         "commissioner_a", "analyst_a", "facilitator_a", "facilitator_b", "admin")


@pytest.fixture
def world(make_consultation, make_user, make_testimony):
    w = World()
    w.a = make_consultation("conso-a")
    w.b = make_consultation("conso-b", themes=("Thème B",))
    w.draft = make_consultation("conso-brouillon", phase="draft")
    w.people = {
        "author": make_user("author@example.org", "Auteur"),
        "participant": make_user("participant@example.org", "Participant"),
        "moderator_a": make_user("mod-a@example.org", roles=((w.a, Role.MODERATOR),)),
        "moderator_b": make_user("mod-b@example.org", roles=((w.b, Role.MODERATOR),)),
        "commissioner_a": make_user("com-a@example.org", roles=((w.a, Role.COMMISSIONER),)),
        "analyst_a": make_user("ana-a@example.org", roles=((w.a, Role.ANALYST),)),
        "facilitator_a": make_user("fac-a@example.org", roles=((w.a, Role.FACILITATOR),)),
        "facilitator_b": make_user("fac-b@example.org", roles=((w.a, Role.FACILITATOR),)),
        "admin": make_user("admin@example.org", admin=True),
    }
    author = w.people["author"]
    w.published, w.own_token = make_testimony(w.a, "Texte publié.", author=author,
                                              visibility=Visibility.PUBLIC, display_name="Auteur")
    w.confidential, _ = make_testimony(w.a, SECRET, author=author,
                                       visibility=Visibility.CONFIDENTIAL)
    w.pending, _ = make_testimony(w.a, PENDING, author=author, status=Status.PENDING)
    w.other_published, _ = make_testimony(w.a, "Texte d'une autre personne.",
                                          author=w.people["participant"])
    w.in_b, _ = make_testimony(w.b, "Texte de B.")
    for testimony, name in ((w.published, "a"), (w.other_published, "b"),
                            (w.confidential, "c"), (w.pending, "d")):
        content = b"%PDF-1.4 " + name.encode()
        attachment = Attachment(testimony=testimony, original_name=f"{name}.pdf",
                                stored_name=write_file(content), media_type="application/pdf",
                                size=len(content), uploader_key="k")
        db.session.add(attachment)
    w.orientation, w.orientation_in_b = (
        Orientation(consultation=consultation, title=f"Orientation de {consultation.slug}",
                    recommendations=[Recommendation(text="Recommandation", measures=[
                        Measure(text="Mesure")])])
        for consultation in (w.a, w.b))
    db.session.add_all([w.orientation, w.orientation_in_b])
    _outreach(w, make_testimony)
    db.session.commit()
    w.export_a = export_services.queue_export(w.a, "testimonies", export_services.Kind.PUBLIC,
                                              "csv", w.people["commissioner_a"], {})
    w.attachment, w.other_attachment, w.confidential_attachment, w.pending_attachment = (
        testimony.attachments[0]
        for testimony in (w.published, w.other_published, w.confidential, w.pending))
    return w


@pytest.fixture
def browser_as(app):
    """A client logged in as one of ROLES (second factor passed for staff)."""

    def make(world: World, role: str):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        if role != "anonymous":
            log_in(client, world.people[role].email)
        return client

    return make


def _outreach(w: World, make_testimony) -> None:
    w.org_a, w.org_b, w.org_pending = (
        Organisation(consultation=w.a, name=name, kind=OrganisationKind.COMMUNITY, status=status,
                     members=[Membership(user=w.people[owner], role=MemberRole.OWNER)])
        for name, status, owner in (("Organisme A", OrganisationStatus.APPROVED, "facilitator_a"),
                                    ("Organisme B", OrganisationStatus.APPROVED, "facilitator_b"),
                                    ("Organisme en attente", OrganisationStatus.PENDING,
                                     "participant")))
    soon = utcnow().replace(microsecond=0) + timedelta(days=7)
    w.event_a, w.event_b = (
        LocalEvent(consultation=w.a, organisation=organisation, title=f"Rencontre {letter}",
                   starts_at=soon, ends_at=soon + timedelta(hours=2), place="Salle communautaire",
                   capacity=20, themes=w.a.themes[:1])
        for letter, organisation in (("A", w.org_a), ("B", w.org_b)))
    w.registration_b = Registration(event=w.event_b, user=w.people["participant"])
    w.hearing_a, w.hearing_b = (
        Hearing(consultation=consultation, heard="Personne entendue", starts_at=soon,
                themes=consultation.themes[:1])
        for consultation in (w.a, w.b))
    db.session.add_all([w.org_a, w.org_b, w.org_pending, w.event_a, w.event_b,
                        w.registration_b, w.hearing_a, w.hearing_b])
    db.session.flush()
    w.entry_a, w.entry_b = (
        make_testimony(w.a, f"Témoignage sur papier {letter}.", status=Status.PENDING,
                       channel=Channel.PAPER, consent_method=ConsentMethod.SIGNED_FORM,
                       entered_by=w.people[f"facilitator_{letter}"], organisation=organisation,
                       event=event)[0]
        for letter, organisation, event in (("a", w.org_a, w.event_a), ("b", w.org_b, w.event_b)))
