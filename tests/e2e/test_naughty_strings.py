"""The Big List of Naughty Strings (tests/data/blns.json, MIT) in every text people can
type, then every page that shows it, in a real Chromium: no script runs, nothing is
shown other than as typed."""
import json
from pathlib import Path

import pytest

from consult.extensions import db
from consult.models import (
    ParticipantCategory,
    Proposal,
    ProposalKind,
    Region,
    Role,
    Status,
    Testimony,
    Theme,
    Visibility,
)
from consult.synthesis import services as synthesis
from tests.e2e.pages import log_in_on_page

pytestmark = pytest.mark.e2e

STRINGS = json.loads((Path(__file__).resolve().parents[1] / "data" / "blns.json").read_text())

#: Counts every way a script could run: dialogs, and inline code the CSP had to stop.
WATCH = """
window.__ran = [];
for (const name of ['alert', 'confirm', 'prompt']) {
  window[name] = (...args) => { window.__ran.push(name + ':' + args.join(' ')); };
}
document.addEventListener('securitypolicyviolation',
  (event) => window.__ran.push('csp:' + event.violatedDirective + ':' + event.sample));
"""


def one_line(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


def test_naughty_strings_are_shown_as_typed_and_never_run(
    browser, live_server, make_consultation, make_testimony, make_user, figure
):
    consultation = make_consultation("naughty", themes=(), categories=(), regions=())
    unique = list(dict.fromkeys(one_line(s, 150) for s in STRINGS if one_line(s, 150)))
    seen = set()
    for position, name in enumerate(unique):
        if name.casefold() in seen:
            continue
        seen.add(name.casefold())
        consultation.themes.append(Theme(name=name, position=position))
        consultation.categories.append(ParticipantCategory(name=name, position=position))
        consultation.regions.append(Region(name=name, position=position))
    consultation.title = one_line(STRINGS[-1], 200) or "Titre"
    consultation.description = "\n\n".join(STRINGS)
    db.session.commit()
    themes, categories, regions = consultation.themes, consultation.categories, consultation.regions
    made = []
    for index, text in enumerate(STRINGS):
        body = text if text.strip() else f"({index})"
        testimony, token = make_testimony(
            consultation, body, title=one_line(text, 200) or None,
            visibility=Visibility.PUBLIC, display_name=one_line(text, 80) or "x",
            themes=[themes[index % len(themes)]], category=categories[index % len(categories)],
            region=regions[index % len(regions)])
        made.append((testimony.id, token, body, testimony.title, testimony.display_name))

    context = browser.new_context(locale="fr-CA")
    context.add_init_script(WATCH)
    page = context.new_page()
    ran, wrong, loads = [], [], 0

    def visit(path: str) -> None:
        nonlocal loads
        page.goto(live_server + path)
        loads += 1
        ran.extend(f"{path}: {event}" for event in page.evaluate("window.__ran"))

    visit("/")
    visit("/c/naughty")
    text = page.locator("main").text_content()
    wrong.extend(f"description: {s!r}" for s in STRINGS if s.strip() and s.strip() not in text)
    for testimony_id, token, body, title, name in made:
        visit(f"/c/naughty/testimonies/{testimony_id}")
        if page.locator(".body").text_content() != body:
            wrong.append(f"body {testimony_id}: {body!r}")
        if title and page.locator("h1").text_content() != title:
            wrong.append(f"title {testimony_id}: {title!r}")
        if name not in page.locator(".byline").text_content():
            wrong.append(f"name {testimony_id}: {name!r}")
    path = "/c/naughty/testimonies"
    while path:
        visit(path)
        older = page.locator("a[rel=next]")
        path = older.get_attribute("href") if older.count() else None
    # A moderator's message to the author, shown on the receipt page.
    for testimony_id, token, body, *_ in made[::10]:
        testimony = db.session.get(Testimony, testimony_id)
        testimony.status, testimony.moderation_note = Status.CHANGES_REQUESTED, body
        db.session.commit()
        visit(f"/receipt/{token}")
        if page.locator(".moderation-note").text_content() != body:
            wrong.append(f"moderation note {testimony_id}: {body!r}")
        visit(f"/receipt/{token}/edit")
    visit("/c/naughty/testify")

    # Attribute context: a display name shown in a form field's value.
    user = make_user("naughty@example.org")
    login = context.new_page()
    login.goto(live_server + "/account/login")
    login.fill("#email", "naughty@example.org")
    login.fill("#password", "correct horse battery")
    login.locator("input[type=submit]").click()
    for text in STRINGS[::3]:
        user.display_name = one_line(text, 80) or "x"
        db.session.commit()
        visit("/account/profile")
        if page.locator("#display_name").count() and page.locator("#display_name").input_value() != user.display_name:
            wrong.append(f"profile: {user.display_name!r}")
    context.close()
    figure(f"naughty strings: {len(STRINGS)} strings, {loads} page loads, "
           f"{len(ran)} scripts run, {len(wrong)} shown otherwise than typed")
    assert ran == []
    assert wrong == []


def test_naughty_statements_and_recommendations_are_shown_as_typed_and_never_run(
    browser, live_server, make_consultation, make_user, figure
):
    """The vote's texts: participants' statements (ballot, results) and the
    commissioners' orientations and recommendations (public page, report)."""
    consultation = make_consultation("naughty-vote", phase="vote")
    texts = [text if text.strip() else f"({index})" for index, text in enumerate(STRINGS)]
    db.session.add_all(Proposal(consultation_id=consultation.id, kind=ProposalKind.STATEMENT,
                                text=text) for text in texts)
    orientation = synthesis.add_orientation(consultation, one_line(STRINGS[-2], 300) or "O", "")
    for text in texts[::5]:
        synthesis.add_recommendation(orientation, text)
    synthesis.publish_all(consultation)
    voter = make_user("votant-naughty@example.org")
    commissioner = make_user("com-naughty@example.org",
                             roles=((consultation, Role.COMMISSIONER),))

    context = browser.new_context(locale="en-CA")
    context.add_init_script(WATCH)
    page = context.new_page()
    ran, wrong = [], []
    page.goto(live_server + "/account/login")
    log_in_on_page(page, voter)
    for path, expected in (("/c/naughty-vote/vote", texts),
                           ("/c/naughty-vote/recommendations", texts[::5])):
        page.goto(live_server + path)
        shown = ""
        while True:  # the ballot comes in pages
            ran.extend(f"{page.url}: {event}" for event in page.evaluate("window.__ran"))
            shown += page.locator("main").text_content()
            following = page.locator('a[rel="next"]')
            if not following.count():
                break
            following.first.click()
        wrong.extend(f"{path}: {text!r}" for text in expected if text.strip() not in shown)
    staff = browser.new_context(locale="en-CA")
    staff.add_init_script(WATCH)
    staff_page = staff.new_page()
    staff_page.goto(live_server + "/c/naughty-vote/reading")  # a staff page: second factor
    log_in_on_page(staff_page, commissioner)
    for path in ("/c/naughty-vote/results", "/c/naughty-vote/report"):
        staff_page.goto(live_server + path)
        ran.extend(f"{path}: {event}" for event in staff_page.evaluate("window.__ran"))
    context.close()
    staff.close()
    figure(f"naughty strings in the vote: {len(texts)} statements and {len(texts[::5])} "
           f"recommendations, 4 pages, {len(ran)} scripts run, {len(wrong)} shown otherwise")
    assert ran == [] and wrong == []
