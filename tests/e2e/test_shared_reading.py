"""A commissioner shares out the reading; an analyst reads and codes with the keyboard
alone; the commissioner follows the progress and the coding agreement, in Chromium."""
import re

import pytest

from consult.extensions import db
from consult.models import Assignment, CodingSample, Excerpt, Reading, Role, Testimony
from consult.synthesis import services
from tests.e2e.pages import accessibility_problems, log_in_on_page

pytestmark = pytest.mark.e2e


def test_an_analyst_reads_and_codes_twenty_testimonies_with_the_keyboard(
    browser, live_server, make_consultation, make_user, make_testimony
):
    consultation = make_consultation("e2e-equipe")
    lead = make_user("cheffe@example.org", "Cheffe", roles=((consultation, Role.COMMISSIONER),))
    ana = make_user("ana@example.org", "Ana", roles=((consultation, Role.ANALYST),))
    bruno = make_user("bruno@example.org", "Bruno", roles=((consultation, Role.ANALYST),))
    for n in range(24):
        make_testimony(consultation, f"Témoignage {n} : le bureau ferme trop tôt le vendredi.")
    waiting = services.add_code(consultation, "Attente", "", None)
    transport = services.add_code(consultation, "Transport", "", None)
    base = f"{live_server}/c/e2e-equipe"

    commissioner = browser.new_context(locale="fr-CA").new_page()
    commissioner.goto(f"{base}/reading")
    log_in_on_page(commissioner, lead)
    commissioner.select_option("#reader", str(ana.id))
    commissioner.fill("#count", "20")
    commissioner.select_option("#second_reader", str(bruno.id))
    commissioner.locator("#assign-form input[type=submit]").click()
    assert "20 témoignages confiés" in commissioner.locator("main").inner_text()
    ids = list(db.session.execute(db.select(Assignment.testimony_id).filter_by(user_id=ana.id)
                                  .order_by(Assignment.testimony_id)).scalars())
    assert len(ids) == 20

    # The second reader codes the same twenty: "Attente" on the even ones, "Transport"
    # on the odd ones but the last two.
    for index, testimony_id in enumerate(ids):
        testimony = db.session.get(Testimony, testimony_id)
        code = waiting if index % 2 == 0 else transport if index < 16 else None
        if code is not None:
            services.apply_code(code, testimony, bruno)
        services.mark_read(bruno, testimony)

    analyst = browser.new_context(locale="fr-CA").new_page()
    analyst.goto(f"{base}/reading/{ids[0]}?view=assigned_unread")
    log_in_on_page(analyst, ana)
    for index, testimony_id in enumerate(ids):
        analyst.locator("#selection-help").wait_for(state="visible")  # the scripts have run
        assert analyst.url.split("?")[0].endswith(f"/reading/{testimony_id}")
        analyst.keyboard.press("c")
        analyst.keyboard.press("ArrowDown" if index % 2 == 0 else "End")
        with analyst.expect_navigation():
            analyst.keyboard.press("Enter")
        analyst.locator("#selection-help").wait_for(state="visible")
        with analyst.expect_navigation():
            analyst.keyboard.press("m")
    assert analyst.url.endswith("/reading?view=assigned_unread")
    assert db.session.query(Reading).filter_by(user_id=ana.id).count() == 20
    assert db.session.query(Excerpt).filter_by(created_by_id=ana.id).count() == 20

    commissioner.goto(f"{base}/reading/team")
    progress = commissioner.locator("#progress").inner_text()
    assert re.search(r"Ana\s+20\s+20", progress) and re.search(r"Bruno\s+20\s+20", progress)
    # Transport: both 8, Ana only 2, neither 10: observed 0.9, chance
    # 0.5 × 0.4 + 0.5 × 0.6 = 0.5, κ = (0.9 − 0.5) / 0.5 = 0.8. Attente: κ = 1.
    rows = commissioner.locator("table.agreement tbody tr").all_inner_texts()
    assert re.match(r"Attente\s+1\.0\s+100\s*%\s+10\s+0\s+0\s+10\s+20", rows[0])
    assert re.match(r"Transport\s+0\.8\s+90\s*%\s+8\s+2\s+0\s+10\s+20", rows[1])
    sample = db.session.execute(db.select(CodingSample)).scalar_one()
    commissioner.set_viewport_size({"width": 360, "height": 740})
    assert accessibility_problems(commissioner, base, [
        "/reading?topic=&view=assigned", "/reading/team", f"/reading/samples/{sample.id}",
        f"/reading/{ids[0]}"]) == {}
