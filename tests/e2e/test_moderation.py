"""A moderator masks a phone number and publishes, in a real Chromium."""
import pytest

from consult import audit
from consult.extensions import db
from consult.models import Role, Status
from tests.e2e.pages import accessibility_problems, log_in_on_page

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


@pytest.mark.parametrize("locale", ["fr-CA", "en-CA"])
def test_the_moderation_queue_and_the_audit_log_fit_a_phone(
    browser, live_server, make_consultation, make_user, make_testimony, locale
):
    consultation = make_consultation("e2e-telephone")
    commissioner = make_user("commissaire@example.org", "Dominique Fortin",
                             roles=((consultation, Role.COMMISSIONER),))
    for number in range(3):
        testimony, _ = make_testimony(
            consultation, "Les délais d'attente pour une évaluation dépassent six mois. " * 4,
            title=f"Délais d'attente interminables, région no {number}", status=Status.PENDING)
        audit.record("testimony.redacted", object_type="testimony", object_id=testimony.id,
                     consultation_id=consultation.id, actor=commissioner,
                     reason="Numéro de téléphone personnel retiré avant publication")
    db.session.commit()
    context = browser.new_context(locale=locale, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server}/c/e2e-telephone/moderation")
    log_in_on_page(page, commissioner)
    problems = accessibility_problems(page, live_server, (
        "/c/e2e-telephone/moderation", "/c/e2e-telephone/audit"))
    widths = {path: page.evaluate("document.documentElement.scrollWidth")
              for path in ("/c/e2e-telephone/moderation", "/c/e2e-telephone/audit")
              if page.goto(live_server + path)}
    context.close()
    assert problems == {}, "\n".join(f"{k}:\n{v}" for k, v in problems.items())
    assert all(width <= 360 for width in widths.values()), widths
