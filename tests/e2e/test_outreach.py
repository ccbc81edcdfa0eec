"""A facilitator creates an event, enters two paper testimonies gathered there, and a
moderator publishes one of them — in a real Chromium, without JavaScript; the outreach
pages pass WCAG 2.1 AA on a phone-sized screen."""
from datetime import timedelta

import pytest

from consult.extensions import db
from consult.models import (
    Channel,
    ConsentMethod,
    Hearing,
    LocalEvent,
    Role,
    Status,
    Testimony,
    utcnow,
)
from tests.e2e.pages import accessibility_problems, log_in_on_page

pytestmark = pytest.mark.e2e

PAPER = ("Le transport adapté ne passe qu'une fois par semaine dans notre rang.",
         "J'ai attendu huit mois pour un premier rendez-vous avec une travailleuse sociale.")


@pytest.fixture
def carrefour(make_consultation, make_user, make_organisation):
    consultation = make_consultation("e2e-local", regions=("Bas-Saint-Laurent", "Estrie"))
    facilitator = make_user("animatrice@example.org", "Animatrice")
    organisation = make_organisation(consultation, "Carrefour de Rimouski", owner=facilitator)
    moderator = make_user("moderatrice@example.org", roles=((consultation, Role.MODERATOR),))
    return consultation, organisation, facilitator, moderator


def test_a_facilitator_creates_an_event_enters_paper_testimonies_and_one_is_published(
        browser, live_server, carrefour):
    consultation, organisation, facilitator, moderator = carrefour
    base = f"{live_server}/c/e2e-local/organisations/{organisation.id}"
    context = browser.new_context(locale="fr-CA", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base}/events/new")
    log_in_on_page(page, facilitator)
    page.goto(f"{base}/events/new")
    day = (utcnow() + timedelta(days=5)).date().isoformat()
    page.fill("#title", "Café-rencontre du jeudi")
    page.fill("#day", day)
    page.fill("#starts", "18:30")
    page.fill("#ends", "20:30")
    page.fill("#place", "Salle paroissiale, Rimouski")
    page.locator("input[name=themes]").first.check()
    page.fill("#capacity", "25")
    page.locator("form input[type=submit]").click()
    event = db.session.execute(db.select(LocalEvent)).scalar_one()
    assert event.title == "Café-rencontre du jeudi"

    page.goto(f"{base}/entries/new")
    for text in PAPER:
        page.locator("input[name=channel][value=local_event]").check()
        page.select_option("#event", str(event.id))
        page.locator("input[name=consent_method][value=signed_form]").check()
        page.locator("#consent").check()
        page.fill("#body", text)
        page.locator("input[name=themes]").first.check()
        page.locator("input[name=visibility][value=anonymous]").check()
        page.locator("form input[type=submit]").click()
        assert page.locator(".flash").count() and page.input_value("#body") == ""
        assert page.locator("input[name=channel][value=local_event]").is_checked()
    context.close()

    entered = db.session.execute(db.select(Testimony).order_by(Testimony.id)).scalars().all()
    assert [t.body for t in entered] == list(PAPER)
    for testimony in entered:
        assert (testimony.channel, testimony.consent_method, testimony.status) == (
            Channel.LOCAL_EVENT, ConsentMethod.SIGNED_FORM, Status.PENDING)
        assert testimony.author is None and testimony.entered_by_id == facilitator.id
        assert (testimony.event_id, testimony.organisation_id) == (event.id, organisation.id)

    desk = browser.new_context(locale="fr-CA", java_script_enabled=False).new_page()
    desk.goto(f"{live_server}/c/e2e-local/moderation/{entered[0].id}")
    log_in_on_page(desk, moderator)
    desk.goto(f"{live_server}/c/e2e-local/moderation/{entered[0].id}")
    assert "Animatrice" in desk.locator("main").inner_text()  # who entered it
    desk.locator("button[value=publish]").click()
    desk.context.close()

    reader = browser.new_context(locale="fr-CA", java_script_enabled=False).new_page()
    reader.goto(f"{live_server}/c/e2e-local/testimonies")
    listed = reader.locator("main").inner_text()
    assert PAPER[0] in listed and PAPER[1] not in listed and "Animatrice" not in listed
    db.session.expire_all()
    assert [t.status for t in db.session.execute(
        db.select(Testimony).order_by(Testimony.id)).scalars()] == [
        Status.PUBLISHED, Status.PENDING]


@pytest.mark.parametrize("locale", ["fr-CA", "en-CA"])
def test_the_outreach_pages_pass_wcag_on_a_phone(browser, live_server, carrefour, locale):
    consultation, organisation, facilitator, _moderator = carrefour
    start = utcnow() + timedelta(days=3)
    event = LocalEvent(consultation=consultation, organisation=organisation, title="Soirée",
                       starts_at=start, ends_at=start + timedelta(hours=2), capacity=1,
                       place="Rimouski", themes=consultation.themes[:1])
    db.session.add(event)
    db.session.commit()
    context = browser.new_context(locale=locale, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server}/account/login")
    log_in_on_page(page, facilitator)
    org = f"/c/e2e-local/organisations/{organisation.id}"
    problems = accessibility_problems(page, live_server, (
        "/c/e2e-local", "/c/e2e-local/events", f"/c/e2e-local/events/{event.id}",
        "/c/e2e-local/organisations", org, "/c/e2e-local/organisations/new",
        f"{org}/brief", f"{org}/members", f"{org}/events", f"{org}/events/new",
        f"{org}/entries", f"{org}/entries/new", f"{org}/import", "/my-organisations",
        "/my-events"))
    context.close()
    assert problems == {}, "\n".join(f"{k}:\n{v}" for k, v in problems.items())


def test_the_hearing_and_reach_pages_pass_wcag(browser, live_server, carrefour, make_user):
    consultation, _organisation, _facilitator, _moderator = carrefour
    commissioner = make_user("commissaire@example.org",
                             roles=((consultation, Role.COMMISSIONER),))
    hearing = Hearing(consultation=consultation, heard="Regroupement des usagers",
                      starts_at=utcnow() + timedelta(days=2), themes=consultation.themes[:1])
    db.session.add(hearing)
    db.session.commit()
    context = browser.new_context(locale="fr-CA", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server}/c/e2e-local/hearings")
    log_in_on_page(page, commissioner)
    problems = accessibility_problems(page, live_server, (
        "/c/e2e-local/hearings", "/c/e2e-local/hearings/new",
        f"/c/e2e-local/hearings/{hearing.id}", "/c/e2e-local/reach"))
    context.close()
    assert problems == {}, "\n".join(f"{k}:\n{v}" for k, v in problems.items())
