"""An approved organisation per facilitator, and events of theirs."""
from datetime import timedelta

import pytest

from consult.extensions import db
from consult.models import LocalEvent, utcnow

FACILITATOR_A = "fac-a@example.org"
FACILITATOR_B = "fac-b@example.org"


@pytest.fixture
def consultation(make_consultation):
    return make_consultation("rencontres")


@pytest.fixture
def org_a(consultation, make_organisation, make_user):
    return make_organisation(consultation, "Table de quartier",
                             owner=make_user(FACILITATOR_A, "Animatrice A"))


@pytest.fixture
def org_b(consultation, make_organisation, make_user):
    return make_organisation(consultation, "Maison des familles",
                             owner=make_user(FACILITATOR_B, "Animatrice B"))


@pytest.fixture
def make_event():
    """An event starting in `days` days (negative: in the past), lasting two hours."""

    def make(organisation, title="Soirée d'échange", *, days=7, capacity=None, place="Sous-sol "
             "de l'église", region=None, themes=None, cancelled=False, **values):
        starts = utcnow().replace(microsecond=0) + timedelta(days=days)
        event = LocalEvent(
            consultation=organisation.consultation, organisation=organisation, title=title,
            starts_at=starts, ends_at=starts + timedelta(hours=2), place=place,
            capacity=capacity, region=region,
            themes=list(themes if themes is not None else organisation.consultation.themes[:1]),
            cancelled_at=utcnow() if cancelled else None, **values)
        db.session.add(event)
        db.session.commit()
        return event

    return make


def event_path(event, tail: str = "") -> str:
    return f"/c/{event.consultation.slug}/events/{event.id}{tail}"


def manage_path(event_or_organisation, tail: str = "") -> str:
    """A facilitator page: the organisation's events, or one event's (`tail` after it)."""
    if isinstance(event_or_organisation, LocalEvent):
        organisation = event_or_organisation.organisation
        return (f"/c/{organisation.consultation.slug}/organisations/{organisation.id}/events/"
                f"{event_or_organisation.id}{tail}")
    organisation = event_or_organisation
    return f"/c/{organisation.consultation.slug}/organisations/{organisation.id}/events{tail}"
