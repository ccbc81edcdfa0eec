"""An organisation sends its brief with a PDF; the moderator opens the PDF and publishes;
a visitor downloads it from the published testimony — in a real Chromium, without
JavaScript."""
from pathlib import Path

import pytest

from consult.extensions import db
from consult.models import Attachment, AuditEntry, Role, Status, Testimony
from consult.testimonies.attachments import write_file
from tests.e2e.pages import accessibility_problems, log_in_on_page
from tests.files import PDF

pytestmark = pytest.mark.e2e

SUMMARY = "Les familles du quartier attendent des mois avant un premier rendez-vous."


def download(page, link_name: str) -> bytes:
    """Click the link named `link_name` and return the file the browser saved."""
    with page.expect_download() as started:
        page.get_by_role("link", name=link_name).click()
    return Path(started.value.path()).read_bytes()


def test_a_brief_with_a_pdf_is_opened_by_the_moderator_published_and_downloaded_by_a_visitor(
        browser, live_server, make_consultation, make_user, make_organisation):
    consultation = make_consultation("e2e-memoires")
    member = make_user("coordonnatrice@example.org", "Coordonnatrice")
    organisation = make_organisation(consultation, "Maison de la famille", owner=member)
    moderator = make_user("moderatrice@example.org", roles=((consultation, Role.MODERATOR),))

    sender = browser.new_context(locale="fr-CA", java_script_enabled=False).new_page()
    brief_page = f"{live_server}/c/e2e-memoires/organisations/{organisation.id}/brief"
    sender.goto(brief_page)
    log_in_on_page(sender, member)
    sender.goto(brief_page)
    sender.fill("#title", "Mémoire de la Maison de la famille")
    sender.fill("#body", SUMMARY + " Voir le document joint.")
    sender.locator("input[name=themes]").first.check()
    sender.set_input_files("#attachments", files=[
        {"name": "memoire-maison.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    sender.locator("#consent").check()
    sender.locator("form input[type=submit]").click()
    sender.context.close()
    brief = db.session.execute(db.select(Testimony)).scalar_one()
    assert brief.status is Status.PENDING and brief.is_brief
    assert [a.original_name for a in brief.attachments] == ["memoire-maison.pdf"]

    desk = browser.new_context(locale="fr-CA", java_script_enabled=False).new_page()
    desk.goto(f"{live_server}/c/e2e-memoires/moderation")
    log_in_on_page(desk, moderator)
    desk.get_by_role("link", name="Mémoire de la Maison de la famille").click()
    assert "Chaque téléchargement est inscrit au journal d’audit." in desk.inner_text("main")
    assert download(desk, "memoire-maison.pdf") == PDF
    desk.locator("button[value=publish]").click()
    desk.context.close()
    assert db.session.execute(db.select(AuditEntry.actor_id).filter_by(
        action="attachment.downloaded", object_id=brief.id)).scalars().all() == [moderator.id]

    visitor = browser.new_context(locale="fr-CA", java_script_enabled=False).new_page()
    visitor.goto(f"{live_server}/c/e2e-memoires/organisations/{organisation.id}")
    visitor.get_by_role("link", name="Mémoire de la Maison de la famille").click()
    assert SUMMARY in visitor.inner_text("article")
    assert download(visitor, "memoire-maison.pdf") == PDF
    visitor.context.close()
    db.session.expire_all()
    assert db.session.get(Testimony, brief.id).status is Status.PUBLISHED


@pytest.mark.parametrize("locale", ["fr-CA", "en-CA"])
def test_the_pages_listing_attachments_pass_wcag_on_a_phone(
        browser, live_server, make_consultation, make_user, make_organisation, make_testimony,
        locale):
    consultation = make_consultation("e2e-fichiers")
    member = make_user("membre@example.org", "Membre")
    organisation = make_organisation(consultation, "Carrefour des aînés", owner=member)
    brief, token = make_testimony(consultation, SUMMARY, title="Mémoire du Carrefour",
                                  organisation=organisation, is_brief=True, author=member)
    db.session.add(Attachment(testimony=brief, original_name="memoire-carrefour.pdf",
                              stored_name=write_file(PDF), media_type="application/pdf",
                              size=len(PDF), uploader_key="k"))
    db.session.commit()
    context = browser.new_context(locale=locale, viewport={"width": 360, "height": 740})
    page = context.new_page()
    problems = accessibility_problems(page, live_server, (
        f"/c/e2e-fichiers/testimonies/{brief.id}", f"/receipt/{token}",
        f"/c/e2e-fichiers/organisations/{organisation.id}"))
    context.close()
    assert problems == {}, "\n".join(f"{k}:\n{v}" for k, v in problems.items())
