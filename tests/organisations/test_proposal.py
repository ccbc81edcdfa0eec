"""Proposing an organisation, an admin's decision, and what the public sees of it."""
import pytest

from consult.extensions import db
from consult.models import AuditEntry, MemberRole, Organisation, OrganisationStatus
from consult.organisations import services
from tests.conftest import post_form
from tests.organisations.conftest import ADMIN, OUTSIDER


def propose(browser, scene, **changes):
    data = {"name": "Entraide Estrie", "kind": "community",
            "region": str(scene.consultation.regions[1].id),
            "description": "Nous accompagnons les proches aidants."}
    data.update(changes)
    return post_form(browser, "/c/eg/organisations/new", data)


def organisation_named(name: str) -> Organisation:
    return db.session.execute(db.select(Organisation).filter_by(name=name)).scalar_one()


def test_a_proposal_waits_for_an_admin_who_approves_it_and_tells_the_owner(
        scene, as_person, client, mailbox):
    proposer = as_person(OUTSIDER)
    response = propose(proposer, scene)
    assert response.status_code == 302
    organisation = organisation_named("Entraide Estrie")
    assert organisation.status is OrganisationStatus.PENDING
    assert [(m.user.email, m.role) for m in organisation.members] == [(OUTSIDER, MemberRole.OWNER)]
    page = proposer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Waiting for approval" in page and "Olga Passante" in page
    assert client.get(f"/c/eg/organisations/{organisation.id}").status_code == 404
    assert "Entraide Estrie" not in client.get("/c/eg/organisations").get_data(as_text=True)

    admin = as_person(ADMIN)
    review = admin.get("/c/eg/organisations/review").get_data(as_text=True)
    assert "Entraide Estrie" in review and "Nous accompagnons" in review
    response = post_form(admin, f"/c/eg/organisations/{organisation.id}/decide",
                         {"decision": "approve", "note": "Bienvenue."},
                         form_page="/c/eg/organisations/review", follow_redirects=True)
    assert "Its owner has been told by e-mail" in response.get_data(as_text=True)
    db.session.expire_all()
    assert organisation.status is OrganisationStatus.APPROVED
    assert organisation.decided_by_id == scene.people[ADMIN].id
    [message] = mailbox.to(OUTSIDER)
    body = message.get_payload(decode=True).decode()
    assert "Entraide Estrie" in body and "Bienvenue." in body
    assert mailbox.last_link(OUTSIDER) == f"/c/eg/organisations/{organisation.id}"
    listing = client.get("/c/eg/organisations").get_data(as_text=True)
    assert "Entraide Estrie" in listing and "Community organisation" in listing
    assert [e.action for e in db.session.query(AuditEntry).order_by(AuditEntry.id)] == [
        "organisation.proposed", "organisation.approved"]

    again = post_form(admin, f"/c/eg/organisations/{organisation.id}/decide",
                      {"decision": "refuse"}, form_page="/c/eg/organisations/review",
                      follow_redirects=True)
    assert "already been decided" in again.get_data(as_text=True)
    db.session.expire_all()
    assert organisation.status is OrganisationStatus.APPROVED
    assert len(mailbox.to(OUTSIDER)) == 1


def test_a_refused_organisation_stays_out_of_public_view(scene, as_person, client, mailbox):
    proposer = as_person(OUTSIDER)
    propose(proposer, scene)
    organisation = organisation_named("Entraide Estrie")
    admin = as_person(ADMIN)
    post_form(admin, f"/c/eg/organisations/{organisation.id}/decide",
              {"decision": "refuse", "note": "Hors du champ de la consultation."},
              form_page="/c/eg/organisations/review")
    assert "Hors du champ" in mailbox.to(OUTSIDER)[-1].get_payload(decode=True).decode()
    path = f"/c/eg/organisations/{organisation.id}"
    assert client.get(path).status_code == 404
    assert as_person("fac-a@example.org").get(path).status_code == 404
    assert "Refused" in proposer.get(path).get_data(as_text=True)
    # Its owner has no tools until it is approved.
    assert proposer.get(f"{path}/members").status_code == 404
    assert proposer.get(f"{path}/brief").status_code == 404
    assert "Entraide Estrie" not in client.get("/c/eg/organisations").get_data(as_text=True)


def test_a_name_already_taken_brings_the_form_back_with_what_was_typed(scene, as_person):
    response = propose(as_person(OUTSIDER), scene, name="maison a",
                       description="Une autre maison.")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "already takes part in this consultation" in page and "Une autre maison." in page
    assert db.session.query(Organisation).count() == 2


def test_two_proposals_of_one_name_at_once_make_one_organisation(scene, monkeypatch, app):
    # The second passed the name check before the first was saved: the database decides.
    monkeypatch.setattr(services, "_name_taken", lambda consultation, name: False)
    with app.test_request_context(headers={"Accept-Language": "en"}), \
            pytest.raises(services.OrganisationError, match="already takes part"):
        services.propose(scene.consultation, scene.people[OUTSIDER], name="Maison A",
                         kind="community", region_id=None, description="")
    assert db.session.query(Organisation).count() == 2


def test_no_proposal_while_the_consultation_is_closed(scene, as_person, make_consultation):
    make_consultation("finie", phase="closed")
    response = post_form(as_person(OUTSIDER), "/c/finie/organisations/new",
                         {"name": "Tardive", "kind": "other", "region": ""})
    assert "does not take new organisations" in response.get_data(as_text=True)
    assert db.session.query(Organisation).filter_by(name="Tardive").count() == 0


def test_proposing_needs_an_account(scene, client):
    response = client.get("/c/eg/organisations/new")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_the_list_filters_by_region_and_never_shows_an_address(scene, client):
    montreal, estrie = scene.consultation.regions
    scene.org_b.region = estrie
    db.session.commit()
    page = client.get(f"/c/eg/organisations?region={estrie.id}").get_data(as_text=True)
    assert "Carrefour B" in page and "Maison A" not in page
    for path in ("/c/eg/organisations", "/c/eg/organisations?region=x²",
                 f"/c/eg/organisations/{scene.org_a.id}"):
        page = client.get(path).get_data(as_text=True)
        assert "Maison A" in page and "@example.org" not in page
    assert "Fatou" not in page  # members are listed to members only


def test_the_owner_is_told_in_their_own_language(scene, as_person, mailbox):
    owner = scene.people[OUTSIDER]
    for locale, greeting in ((None, "Bonjour"), ("en", "Hello")):
        owner.locale = locale
        db.session.commit()
        propose(as_person(OUTSIDER), scene, name=f"Entraide {greeting}")
        organisation = organisation_named(f"Entraide {greeting}")
        post_form(as_person(ADMIN), f"/c/eg/organisations/{organisation.id}/decide",
                  {"decision": "approve"}, form_page="/c/eg/organisations/review")
        assert mailbox.to(OUTSIDER)[-1].get_payload(decode=True).decode().startswith(greeting)
