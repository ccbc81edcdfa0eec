"""An organisation's brief: sent by a member, moderated like any testimony, published in
the organisation's name on its page."""
import io

from consult.extensions import db
from consult.models import Status, Testimony, Visibility
from consult.moderation import services as moderation
from tests.conftest import post_form
from tests.files import PDF
from tests.organisations.conftest import FACILITATOR_A, OWNER_A



def send_brief(browser, scene, files=(), **changes):
    path = f"/c/eg/organisations/{scene.org_a.id}/brief"
    data = {"title": "Mémoire de la Maison A",
            "body": "Les familles attendent trop longtemps un premier rendez-vous.",
            "themes": [str(scene.consultation.themes[1].id)], "visibility": "public",
            "consent": "y"}
    data.update(changes)
    if files:
        data["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return post_form(browser, path, data, content_type="multipart/form-data")


def test_a_brief_goes_to_moderation_then_shows_under_the_organisations_name(
        scene, as_person, client, app, mailbox):
    response = send_brief(as_person(FACILITATOR_A), scene, files=[("memoire.pdf", PDF)])
    assert response.status_code == 302
    brief = db.session.execute(db.select(Testimony)).scalar_one()
    assert (brief.status, brief.is_brief, brief.organisation_id, brief.author_id) == (
        Status.PENDING, True, scene.org_a.id, scene.people[FACILITATOR_A].id)
    assert brief.entered_by_id is None  # its submitter wrote it: they are its author
    assert brief.visibility is Visibility.PUBLIC and brief.display_name == "Maison A"
    assert brief.region_id == scene.org_a.region_id
    assert [a.original_name for a in brief.attachments] == ["memoire.pdf"]
    assert len(mailbox.to(FACILITATOR_A)) == 1  # the usual receipt
    page = f"/c/eg/organisations/{scene.org_a.id}"
    assert "Mémoire de la Maison A" not in client.get(page).get_data(as_text=True)

    with app.test_request_context():
        moderation.publish(brief, None, brief.version)
    page = client.get(page).get_data(as_text=True)
    assert "Mémoire de la Maison A" in page and "Les familles attendent" in page
    assert "Maison A ·" in page and "Fatou" not in page and "@example.org" not in page
    testimony_page = client.get(f"/c/eg/testimonies/{brief.id}").get_data(as_text=True)
    assert "Maison A" in testimony_page and "Fatou" not in testimony_page


def test_a_confidential_brief_never_shows_on_the_page(scene, as_person, client, app):
    send_brief(as_person(OWNER_A), scene, title="Mémoire réservé", visibility="confidential")
    brief = db.session.execute(db.select(Testimony)).scalar_one()
    assert brief.visibility is Visibility.CONFIDENTIAL and brief.display_name is None
    with app.test_request_context():
        moderation.publish(brief, None, brief.version)
    assert "Mémoire réservé" not in client.get(
        f"/c/eg/organisations/{scene.org_a.id}").get_data(as_text=True)


def test_a_refused_brief_comes_back_with_what_was_typed(scene, as_person):
    browser = as_person(FACILITATOR_A)
    response = send_brief(browser, scene, title="", consent="",
                          files=[("programme.exe", b"MZ\x90\x00" + b"\x00" * 64)])
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Give the brief a title." in page and "You must agree to the terms" in page
    assert "Les familles attendent trop longtemps" in page
    assert "attached files are not kept" in page
    assert db.session.query(Testimony).count() == 0


def test_no_brief_once_the_consultation_stops_taking_testimonies(scene, as_person):
    scene.consultation.synthesis_at = scene.consultation.opens_at
    db.session.commit()
    browser = as_person(FACILITATOR_A)
    assert "not accepting testimonies" in browser.get(
        f"/c/eg/organisations/{scene.org_a.id}/brief").get_data(as_text=True)
    response = send_brief(browser, scene)
    assert "not accepting testimonies" in response.get_data(as_text=True)
    assert db.session.query(Testimony).count() == 0
