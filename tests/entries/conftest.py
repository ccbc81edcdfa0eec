from datetime import timedelta

import pytest

from consult.extensions import db
from consult.models import (
    LocalEvent,
    Role,
    utcnow,
)
from tests.conftest import log_in

FACILITATOR = "animatrice@example.org"


@pytest.fixture
def outreach(make_consultation, make_user, make_organisation):
    """A consultation with two approved organisations, each with its owner and an event;
    organisation A also has a second facilitator. Plus a moderator."""
    consultation = make_consultation("eg")
    people = {
        "facilitator": make_user(FACILITATOR, "Animatrice A"),
        "colleague": make_user("collegue@example.org", "Collègue A"),
        "facilitator_b": make_user("animateur-b@example.org", "Animateur B"),
        "moderator": make_user("mod@example.org", "Modératrice",
                               roles=((consultation, Role.MODERATOR),)),
    }
    soon = utcnow().replace(microsecond=0) + timedelta(days=2)
    organisations, events = {}, {}
    for key, name, owner, facilitators in (
            ("a", "Carrefour A", people["facilitator"], [people["colleague"]]),
            ("b", "Maison B", people["facilitator_b"], [])):
        organisations[key] = make_organisation(consultation, name, owner=owner,
                                               facilitators=facilitators)
        events[key] = LocalEvent(consultation=consultation, organisation=organisations[key],
                                 title=f"Cuisine collective {key.upper()}", starts_at=soon,
                                 ends_at=soon + timedelta(hours=2), place="Sous-sol de l'église")
    db.session.add_all([*organisations.values(), *events.values()])
    db.session.commit()
    return {"consultation": consultation, "people": people, "org_a": organisations["a"],
            "org_b": organisations["b"], "event_a": events["a"], "event_b": events["b"]}


@pytest.fixture
def facilitator(client, outreach):
    log_in(client, FACILITATOR)
    return client
