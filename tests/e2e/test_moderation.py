"""A moderator masks a phone number and publishes, in a real Chromium."""
import pytest

from consult.extensions import db
from consult.models import Role, Status
from tests.e2e.pages import log_in_on_page

pytestmark = pytest.mark.e2e

PHONE = "438 555-0147"


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_moderator_masks_a_phone_number_and_publishes(
    browser, live_server, make_consultation, make_user, make_testimony, javascript
):
    consultation = make_consultation("e2e-moderation")
    moderator = make_user("moderatrice@example.org", roles=((consultation, Role.MODERATOR),))
    testimony, _ = make_testimony(
        consultation, f"Mon intervenante ne répond plus. Rappelez-moi au {PHONE} le soir.",
        title="Sans nouvelles", status=Status.PENDING)
    context = browser.new_context(locale="fr-CA", java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{live_server}/c/e2e-moderation/moderation")
    log_in_on_page(page, moderator)
    page.get_by_role("link", name="Sans nouvelles").click()

    page.locator("mark.pii", has_text=PHONE).locator("input[type=checkbox]").check()
    page.locator("form.redaction input[type=submit]").click()
    assert PHONE not in page.locator("article .body").inner_text()
    page.locator("button[value=publish]").click()
    assert "moderation" in page.url
    context.close()

    reader = browser.new_context(locale="fr-CA", java_script_enabled=javascript).new_page()
    reader.goto(f"{live_server}/c/e2e-moderation/testimonies/{testimony.id}")
    text = reader.locator("article .body").inner_text()
    assert PHONE not in text and "Rappelez-moi au [téléphone] le soir." in text
    db.session.refresh(testimony)
    assert testimony.status is Status.PUBLISHED and PHONE in testimony.body
