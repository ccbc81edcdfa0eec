"""A participant votes in a real Chromium without JavaScript, on a phone-sized screen,
and the vote pages pass WCAG 2.1 AA (axe-core)."""
from pathlib import Path

import pytest

from consult.extensions import db
from consult.models import Vote
from consult.synthesis import services as synthesis
from consult.synthesis.outline import parse_outline
from consult.voting import polis_files
from consult.voting import services as voting
from tests.e2e.pages import accessibility_problems, log_in_on_page

pytestmark = pytest.mark.e2e

BREXIT = Path(__file__).resolve().parents[1] / "data" / "polis" / "brexit-consensus"


@pytest.mark.parametrize("locale", ["fr-CA", "en-CA"])
def test_a_participant_votes_without_javascript_and_the_pages_pass_wcag(
    browser, live_server, make_consultation, make_user, locale
):
    consultation = make_consultation("vote-axe", phase="vote")
    consultation.participant_statements = True
    synthesis.import_outline(consultation, parse_outline(
        "1. Reconnaître\n1. Financer les services\na. Un budget protégé\n"))
    synthesis.publish_all(consultation)
    participant = make_user("votant@example.org")
    closed = make_consultation("resultats-axe", phase="closed")
    voting.import_polis(closed, polis_files.read_export(BREXIT))

    for javascript in (False, True):  # axe-core itself needs JavaScript
        context = browser.new_context(locale=locale, java_script_enabled=javascript,
                                      viewport={"width": 360, "height": 740})
        page = context.new_page()
        page.goto(f"{live_server}/account/login?next=/c/vote-axe/vote")
        log_in_on_page(page, participant)
        page.goto(f"{live_server}/c/vote-axe/vote")
        page.locator("form.vote").first.locator(
            "button[value=agree]" if javascript else "button[value=disagree]").click()
        assert page.locator("#progress").inner_text().startswith("1 ")
        if not javascript:
            context.close()
    votes = db.session.query(Vote).filter(Vote.voter.has(user_id=participant.id)).all()
    assert len(votes) == 1  # the same item twice: the latest vote counts

    problems = accessibility_problems(page, live_server, (
        "/c/vote-axe/vote", "/c/vote-axe/vote/profile", "/c/vote-axe/statements/new",
        "/c/vote-axe/delegate", "/c/resultats-axe/results", "/c/vote-axe/results",
        "/c/resultats-axe", "/c/resultats-axe/report"))
    context.close()
    assert problems == {}, "\n".join(f"{k}:\n{v}" for k, v in problems.items())
