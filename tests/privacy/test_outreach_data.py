"""What outreach keeps about a person — memberships, invitations, registrations,
testimonies typed for others — is in their download, goes with their account, and an
expired invitation's address is purged."""
import json
from datetime import timedelta

import pytest

from consult.extensions import db
from consult.models import (
    Channel,
    Invitation,
    LocalEvent,
    Membership,
    Registration,
    Status,
    Testimony,
    utcnow,
)
from consult.privacy import services
from tests.conftest import PASSWORD, log_in, post_form

EMAIL = "animatrice@example.org"


@pytest.fixture
def facilitator(client, make_user, make_consultation, make_testimony, make_organisation):
    consultation = make_consultation("eg")
    user = make_user(EMAIL, "Animatrice")
    organisation = make_organisation(consultation, "Carrefour", facilitators=[user])
    other = make_organisation(consultation, "Autre")
    soon = utcnow() + timedelta(days=3)
    event = LocalEvent(consultation=consultation, organisation=organisation, title="Soirée",
                       starts_at=soon, ends_at=soon + timedelta(hours=2))
    db.session.add_all([
        event, Registration(event=event, user=user),
        Invitation(organisation=other, email=EMAIL, token_hash="a" * 64,
                   expires_at=utcnow() + timedelta(days=2))])
    db.session.commit()
    entered, _ = make_testimony(consultation, "Pour quelqu'un.", status=Status.PENDING,
                                channel=Channel.PAPER, entered_by=user,
                                organisation=organisation)
    log_in(client, EMAIL)
    return user, entered


def test_the_download_holds_memberships_invitations_registrations_and_entries(
        client, facilitator):
    _user, entered = facilitator
    data = json.loads(client.get("/account/data/download").get_data(as_text=True))
    assert data["organisations"][0] | {"since": None} == {
        "consultation": "eg", "organisation": "Carrefour", "role": "facilitator", "since": None}
    assert [i["organisation"] for i in data["invitations"]] == ["Autre"]
    assert [(r["event"], r["cancelled_at"]) for r in data["event_registrations"]] == [
        ("Soirée", None)]
    assert [e["testimony"] for e in data["testimonies_entered_for_others"]] == [entered.id]
    assert "Pour quelqu'un." not in json.dumps(data, ensure_ascii=False)


def test_deleting_the_account_takes_them_all_but_keeps_the_entered_testimony(
        client, facilitator):
    _user, entered = facilitator
    response = post_form(client, "/account/data/delete",
                         {"password": PASSWORD, "published": "withdraw"},
                         follow_redirects=False)
    assert response.status_code == 302
    for model in (Membership, Registration, Invitation):
        assert db.session.execute(db.select(model)).first() is None
    testimony = db.session.get(Testimony, entered.id)
    assert testimony.status is Status.PENDING and testimony.entered_by_id is None


def test_purge_deletes_expired_invitations(runner, facilitator):
    invitation = db.session.execute(db.select(Invitation)).scalar_one()
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert services.purge(dry_run=True).expired_invitations == 1
    result = runner.invoke(args=["consult", "purge"])
    assert "Expired invitations to organisations: 1 were deleted." in result.output
    assert db.session.execute(db.select(Invitation)).first() is None
