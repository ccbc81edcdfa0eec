"""End-to-end journeys in a real Chromium, with and without JavaScript, and the
accessibility of every participant page (axe-core, WCAG 2.1 AA)."""
import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from consult.extensions import db
from consult.models import Status, Testimony, Visibility
from tests.e2e.pages import WCAG_21_AA, accessibility_problems

pytestmark = pytest.mark.e2e



def fill_testimony_form(page, consultation, text: str) -> None:
    page.locator("#title").fill("Un bureau au village")
    page.locator("#body").fill(text)
    page.get_by_label(consultation.themes[1].name).check()
    page.locator("#category").select_option(label=consultation.categories[0].name)
    page.locator("#region").select_option(label=consultation.regions[1].name)
    page.locator("input[name=visibility][value=anonymous]").check()
    page.locator("#consent").check()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_person_testifies_and_finds_it_under_the_receipt_link(
    browser, live_server, make_consultation, javascript
):
    consultation = make_consultation("village")
    context = browser.new_context(locale="fr-CA", java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{live_server}/c/village")
    page.locator(f"a[href='/c/village/testify']").click()
    text = "Depuis la fermeture du point de service, il faut faire 90 km pour voir quelqu'un."
    fill_testimony_form(page, consultation, text)
    page.locator("button[type=submit].primary, input[type=submit].primary").last.click()
    page.wait_for_url(re.compile(r"/receipt/[\w-]{40,}$"))
    receipt_url = page.url
    assert text in page.locator("article").inner_text()
    context.close()

    # Later, on another device: the link alone is enough.
    later = browser.new_context(locale="fr-CA", java_script_enabled=javascript)
    again = later.new_page()
    again.goto(receipt_url)
    assert text in again.locator("article").inner_text()
    assert "status-pending" in again.locator(".status").get_attribute("class")
    testimony = db.session.execute(db.select(Testimony)).scalar_one()
    assert testimony.status is Status.PENDING and testimony.body == text

    # Withdrawing asks first, then withdraws.
    again.get_by_role("link", name="Retirer mon témoignage").click()
    again.wait_for_url(f"{receipt_url}/withdraw")
    assert again.get_by_role("heading", level=1).inner_text() == "Retirer ce témoignage\u202f?"
    db.session.refresh(testimony)
    assert testimony.status is Status.PENDING
    again.get_by_role("button", name="Retirer mon témoignage").click()
    again.wait_for_url(receipt_url)
    assert "status-withdrawn" in again.locator(".status").get_attribute("class")
    later.close()
    db.session.refresh(testimony)
    assert testimony.status is Status.WITHDRAWN


def test_a_form_with_an_error_comes_back_with_what_was_typed(browser, live_server,
                                                             make_consultation):
    consultation = make_consultation("erreurs")
    context = browser.new_context(locale="fr-CA", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/c/erreurs/testify")
    fill_testimony_form(page, consultation, "Texte à garder.")
    page.locator("#consent").uncheck()
    page.locator("button[type=submit].primary, input[type=submit].primary").last.click()
    assert page.locator("#body").input_value() == "Texte à garder."
    assert page.locator("#title").input_value() == "Un bureau au village"
    assert page.get_by_label(consultation.themes[1].name).is_checked()
    assert page.locator(".error-summary").is_visible()
    assert page.locator("#consent").get_attribute("aria-invalid") == "true"
    context.close()
    assert db.session.query(Testimony).count() == 0


def participant_pages(consultation, testimony, token) -> list[str]:
    slug = consultation.slug
    return [
        "/",
        f"/c/{slug}",
        f"/c/{slug}/testimonies",
        f"/c/{slug}/testimonies?q=logement&theme={consultation.themes[0].id}",
        f"/c/{slug}/testimonies/{testimony.id}",
        f"/c/{slug}/testify",
        f"/receipt/{token}",
        f"/receipt/{token}/edit",
        f"/receipt/{token}/withdraw",
        "/account/login",
        "/account/register",
        "/account/forgot-password",
        "/account/confirm",
        "/terms",
        "/no-such-page",
    ]


@pytest.mark.parametrize("locale", ["fr-CA", "en-CA"])
def test_participant_pages_pass_wcag_21_aa_and_fit_a_phone(
    browser, live_server, make_consultation, make_testimony, locale
):
    consultation = make_consultation("acces")
    published, _ = make_testimony(consultation, "La crise du logement.", title="Logement",
                                  visibility=Visibility.PUBLIC, display_name="Camille")
    _pending, token = make_testimony(consultation, "En attente.", status=Status.PENDING)
    context = browser.new_context(locale=locale, viewport={"width": 360, "height": 740})
    page = context.new_page()
    problems = accessibility_problems(page, live_server,
                                      participant_pages(consultation, published, token))
    context.close()
    assert problems == {}, "\n".join(f"{k}:\n{v}" for k, v in problems.items())


def test_the_form_errors_page_passes_wcag_21_aa(browser, live_server, make_consultation):
    make_consultation("erreurs-axe")
    context = browser.new_context(locale="fr-CA")
    page = context.new_page()
    page.goto(f"{live_server}/c/erreurs-axe/testify")
    page.locator("button[type=submit].primary, input[type=submit].primary").last.click()
    assert page.locator(".error-summary").is_visible()
    results = Axe().run(page, options=WCAG_21_AA)
    context.close()
    assert results.violations_count == 0, results.generate_report()
