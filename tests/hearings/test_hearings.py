"""Commissioners schedule hearings and record their notes, which become testimonies of
channel `hearing`: confidential unless the person heard agreed, moderated like any other."""
import pytest

from consult.extensions import db
from consult.models import (
    AuditEntry,
    Channel,
    ConsentMethod,
    Hearing,
    Role,
    Status,
    Testimony,
    Visibility,
)
from consult.moderation import services as moderation
from tests.conftest import log_in, post_form

COMMISSIONER = "com@example.org"


@pytest.fixture
def commission(client, make_consultation, make_user):
    consultation = make_consultation("auditions")
    make_user(COMMISSIONER, "Commissaire", roles=((consultation, Role.COMMISSIONER),))
    log_in(client, COMMISSIONER)
    return consultation


def schedule(client, consultation, **changes) -> Hearing:
    data = {"heard": "Regroupement des usagers", "organisation": "",
            "organisation_name": "Regroupement des usagers du Bas-Saint-Laurent",
            "starts_at": "2030-03-04T14:30", "place": "Rimouski",
            "themes": [str(consultation.themes[1].id)], **changes}
    response = post_form(client, "/c/auditions/hearings/new", data,
                         form_page="/c/auditions/hearings/new")
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.execute(db.select(Hearing).order_by(Hearing.id.desc())).scalars().first()


def notes(client, hearing, **changes):
    data = {"title": "", "body": "Les délais d'attente ont doublé en deux ans.",
            "themes": [str(t.id) for t in hearing.themes], "category": "", "region": "",
            "visibility": "confidential", "display_name": "", **changes}
    path = f"/c/auditions/hearings/{hearing.id}"
    return post_form(client, path, data, form_page=path)


def test_a_scheduled_hearing_is_listed_in_local_time(client, commission):
    hearing = schedule(client, commission)
    assert hearing.starts_at.isoformat() == "2030-03-04T19:30:00"  # Montréal is UTC-5 in March
    assert hearing.themes == [commission.themes[1]]
    page = client.get("/c/auditions/hearings").get_data(as_text=True)
    assert "Regroupement des usagers du Bas-Saint-Laurent" in page
    assert db.session.execute(db.select(AuditEntry.object_id).filter_by(
        action="hearings.scheduled")).scalars().all() == [hearing.id]


def test_notes_without_agreement_are_a_confidential_hearing_testimony(client, commission):
    hearing = schedule(client, commission)
    response = notes(client, hearing)
    assert response.status_code == 302
    testimony = db.session.execute(db.select(Testimony)).scalar_one()
    assert (testimony.channel, testimony.visibility, testimony.status) == (
        Channel.HEARING, Visibility.CONFIDENTIAL, Status.PENDING)
    assert testimony.hearing_id == hearing.id
    assert testimony.author is None and testimony.entered_by.email == COMMISSIONER
    assert testimony.consent_method is ConsentMethod.ORAL
    page = client.get(f"/c/auditions/hearings/{hearing.id}").get_data(as_text=True)
    assert f"No. {testimony.id}" in page and "Confidential" in page


def test_without_agreement_the_notes_cannot_be_made_public(client, commission):
    hearing = schedule(client, commission)
    form = client.get(f"/c/auditions/hearings/{hearing.id}").get_data(as_text=True)
    assert 'value="public"' not in form and 'value="anonymous"' not in form
    notes(client, hearing, visibility="public", display_name="Regroupement")
    testimony = db.session.execute(db.select(Testimony)).scalar_one()
    assert (testimony.visibility, testimony.display_name) == (Visibility.CONFIDENTIAL, None)


def test_agreed_notes_are_published_after_moderation_without_the_commissioner(
        client, commission):
    hearing = schedule(client, commission, publication_agreed="y")
    assert notes(client, hearing, visibility="anonymous").status_code == 302
    testimony = db.session.execute(db.select(Testimony)).scalar_one()
    assert testimony.visibility is Visibility.ANONYMOUS
    moderation.publish(testimony, None, testimony.version)
    page = client.get(f"/c/auditions/testimonies/{testimony.id}").get_data(as_text=True)
    assert "Les délais d&#39;attente ont doublé" in page
    assert "Commissaire" not in page and "Hearing" in page


def test_empty_notes_come_back_with_a_message(client, commission):
    hearing = schedule(client, commission)
    response = notes(client, hearing, body="  ", title="Titre gardé")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Write your testimony." in page and "Titre gardé" in page


def test_notes_are_refused_once_testimonies_are_closed(client, commission):
    hearing = schedule(client, commission)
    commission.synthesis_at = commission.opens_at
    db.session.commit()
    page = client.get(f"/c/auditions/hearings/{hearing.id}").get_data(as_text=True)
    assert "not accepting testimonies" in page
    notes(client, hearing)
    assert db.session.execute(db.select(Testimony)).first() is None


def test_other_consultations_hearings_and_other_roles_get_404(
        client, make_client, commission, make_consultation, make_user):
    hearing = schedule(client, commission)
    other = make_consultation("ailleurs")
    make_user("autre@example.org", roles=((other, Role.COMMISSIONER),))
    make_user("mod@example.org", roles=((commission, Role.MODERATOR),))
    for email in ("autre@example.org", "mod@example.org"):
        stranger = make_client()
        log_in(stranger, email)
        assert stranger.get(f"/c/auditions/hearings/{hearing.id}").status_code == 404
        assert stranger.get("/c/auditions/hearings").status_code == 404
    assert client.get(f"/c/ailleurs/hearings/{hearing.id}").status_code == 404
