"""A consultation with two approved organisations (A and B), their owners and a
facilitator of each, an admin and a person with no organisation."""
from dataclasses import dataclass

import pytest

from consult.extensions import db
from consult.models import (
    MemberRole,
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
)
from tests.conftest import log_in

OWNER_A = "owner-a@example.org"
OWNER_B = "owner-b@example.org"
FACILITATOR_A = "fac-a@example.org"
FACILITATOR_B = "fac-b@example.org"
ADMIN = "admin@example.org"
OUTSIDER = "outsider@example.org"


@dataclass
class Scene:
    consultation: object
    org_a: object
    org_b: object
    people: dict


@pytest.fixture
def scene(make_consultation, make_user):
    consultation = make_consultation("eg")
    people = {email: make_user(email, name) for email, name in (
        (OWNER_A, "Alice Propriétaire"), (OWNER_B, "Bruno Propriétaire"),
        (FACILITATOR_A, "Fatou Animatrice"), (FACILITATOR_B, "Félix Animateur"),
        (OUTSIDER, "Olga Passante"))}
    people[ADMIN] = make_user(ADMIN, "Admin", admin=True)
    org_a, org_b = (
        Organisation(consultation=consultation, name=name, kind=OrganisationKind.COMMUNITY,
                     region=consultation.regions[0], description=f"{name} accueille les familles.",
                     status=OrganisationStatus.APPROVED,
                     members=[Membership(user=people[owner], role=MemberRole.OWNER),
                              Membership(user=people[facilitator], role=MemberRole.FACILITATOR)])
        for name, owner, facilitator in (("Maison A", OWNER_A, FACILITATOR_A),
                                         ("Carrefour B", OWNER_B, FACILITATOR_B)))
    db.session.add_all([org_a, org_b])
    db.session.commit()
    return Scene(consultation, org_a, org_b, people)


@pytest.fixture
def as_person(make_client):
    """A browser logged in as `email`."""

    def make(email: str):
        browser = make_client()
        log_in(browser, email)
        return browser

    return make
