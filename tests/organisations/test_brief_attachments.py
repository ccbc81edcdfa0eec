"""An organisation's brief and its PDF: the moderators and commissioners see and
download the file (each download in the audit log); once the brief is published, and
only if it is not confidential, everyone does, from the testimony and the organisation's
page."""
from dataclasses import dataclass

import pytest

from consult.extensions import db
from consult.models import AuditEntry, Role, Testimony
from consult.moderation import services as moderation
from consult.testimonies import services as testimonies
from tests.conftest import log_in
from tests.files import PDF
from tests.organisations.conftest import FACILITATOR_A, OUTSIDER
from tests.organisations.test_brief import send_brief


@dataclass
class Staff:
    user: object
    browser: object


@pytest.fixture
def staff(scene, make_user, make_client) -> dict[Role, Staff]:
    """The consultation's moderator and commissioner, logged in."""
    people = {}
    for email, role in (("mod@example.org", Role.MODERATOR),
                        ("com@example.org", Role.COMMISSIONER)):
        people[role] = Staff(make_user(email, roles=((scene.consultation, role),)), make_client())
        log_in(people[role].browser, email)
    return people


def sent_brief(scene, as_person, **changes) -> Testimony:
    send_brief(as_person(FACILITATOR_A), scene, files=[("mémoire 2026.pdf", PDF)], **changes)
    return db.session.execute(db.select(Testimony)).scalar_one()


def staff_link(brief) -> str:
    return f"/c/eg/moderation/{brief.id}/attachments/{brief.attachments[0].id}"


def public_link(brief) -> str:
    return f"/c/eg/testimonies/{brief.id}/attachments/{brief.attachments[0].id}"


def downloads() -> list[tuple[int, int, str]]:
    """Who downloaded an attachment of which testimony, from the audit log."""
    return [(e.actor_id, e.object_id, e.details) for e in db.session.execute(
        db.select(AuditEntry).filter_by(action="attachment.downloaded")
        .order_by(AuditEntry.id)).scalars()]


def assert_is_the_pdf_as_a_download(response) -> None:
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''m%C3%A9moire%202026.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def publish(app, brief) -> None:
    with app.test_request_context():
        moderation.publish(brief, None, brief.version)


def test_the_moderator_and_the_commissioner_see_and_download_a_waiting_briefs_file(
        scene, as_person, staff, client):
    brief = sent_brief(scene, as_person)
    for role, page in ((Role.MODERATOR, f"/c/eg/moderation/{brief.id}"),
                       (Role.COMMISSIONER, f"/c/eg/reading/{brief.id}")):
        shown = staff[role].browser.get(page).get_data(as_text=True)
        assert staff_link(brief) in shown
        assert f"mémoire 2026.pdf</a> (PDF document, {len(PDF)} bytes)" in shown
        assert "Each download is recorded in the audit log." in shown
        assert_is_the_pdf_as_a_download(staff[role].browser.get(staff_link(brief)))
    details = f'{{"attachment": {brief.attachments[0].id}}}'
    assert downloads() == [(staff[Role.MODERATOR].user.id, brief.id, details),
                           (staff[Role.COMMISSIONER].user.id, brief.id, details)]
    # Nobody else: not the public, not a member of another organisation.
    assert client.get(public_link(brief)).status_code == 404
    assert as_person(OUTSIDER).get(staff_link(brief)).status_code == 404
    assert len(downloads()) == 2


def test_once_published_anyone_downloads_the_file_from_the_testimony_and_the_organisation(
        scene, as_person, client, app):
    brief = sent_brief(scene, as_person)
    publish(app, brief)
    for page in (f"/c/eg/testimonies/{brief.id}", f"/c/eg/organisations/{scene.org_a.id}"):
        shown = client.get(page).get_data(as_text=True)
        assert public_link(brief) in shown
        assert f"mémoire 2026.pdf</a> (PDF document, {len(PDF)} bytes)" in shown
    assert_is_the_pdf_as_a_download(client.get(public_link(brief)))
    assert downloads() == []  # the public's downloads are not staff access


def withdraw_after_publication(app, brief) -> None:
    publish(app, brief)
    testimonies.withdraw_testimony(brief)


def reject(app, brief) -> None:
    with app.test_request_context():  # the author is told, with a link
        moderation.reject(brief, None, brief.version, None, "Hors sujet.")


def unpublish_after_flags(app, brief) -> None:
    publish(app, brief)
    brief.hidden_at = brief.published_at
    testimonies.refresh_public_copy(brief)
    db.session.commit()


@pytest.mark.parametrize("state, changes", [
    ("pending", None),
    ("rejected", reject),
    ("withdrawn after publication", withdraw_after_publication),
    ("hidden after readers' flags", unpublish_after_flags),
    ("confidential, accepted", publish),
])
def test_nobody_but_staff_downloads_the_file_of_a_brief_the_public_cannot_read(
        scene, as_person, client, app, staff, state, changes):
    brief = sent_brief(scene, as_person, visibility="confidential" if "confidential" in state
                       else "public")
    if changes is not None:
        changes(app, brief)
    for browser in (client, as_person(OUTSIDER)):
        assert browser.get(public_link(brief)).status_code == 404
        assert browser.get(f"/c/eg/testimonies/{brief.id}").status_code == 404
    assert public_link(brief) not in client.get(
        f"/c/eg/organisations/{scene.org_a.id}").get_data(as_text=True)
    assert staff[Role.COMMISSIONER].browser.get(staff_link(brief)).status_code == 200


def test_a_moderator_cannot_download_the_file_of_a_confidential_brief(scene, as_person, staff):
    brief = sent_brief(scene, as_person, visibility="confidential")
    moderator = staff[Role.MODERATOR].browser
    assert staff_link(brief) not in moderator.get("/c/eg/moderation").get_data(as_text=True)
    assert moderator.get(staff_link(brief)).status_code == 404
    assert downloads() == []


def test_an_attachment_of_another_testimony_is_not_reached_through_this_one(
        scene, as_person, client, app, staff, make_testimony):
    brief = sent_brief(scene, as_person)
    publish(app, brief)
    other, _token = make_testimony(scene.consultation, "Un autre témoignage publié.")
    through_other = f"/c/eg/testimonies/{other.id}/attachments/{brief.attachments[0].id}"
    assert client.get(through_other).status_code == 404
    assert staff[Role.MODERATOR].browser.get(
        f"/c/eg/moderation/{other.id}/attachments/{brief.attachments[0].id}").status_code == 404


def test_sizes_and_kinds_read_in_french(scene, as_person, client, app):
    brief = sent_brief(scene, as_person)
    publish(app, brief)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    shown = client.get(f"/c/eg/testimonies/{brief.id}").get_data(as_text=True)
    assert f"mémoire 2026.pdf</a> (Document PDF, {len(PDF)}\u00a0octets)" in shown
    assert "Bytes" not in shown
