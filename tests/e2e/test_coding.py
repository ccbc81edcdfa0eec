"""A commissioner codes a passage selected with the mouse, in a real Chromium."""
import pytest

from consult.extensions import db
from consult.models import Excerpt, Role
from consult.synthesis import services
from tests.e2e.pages import log_in_on_page

pytestmark = pytest.mark.e2e

TEXT = "Attendre. Toujours attendre 😩 attendre encore, et attendre seule."


def test_a_passage_selected_with_the_mouse_is_coded_where_it_was_selected(
    browser, live_server, make_consultation, make_user, make_testimony
):
    consultation = make_consultation("e2e-coding")
    commissioner = make_user("commissaire@example.org",
                             roles=((consultation, Role.COMMISSIONER),))
    testimony, _ = make_testimony(consultation, TEXT)
    code = services.add_code(consultation, "Attente", "", None)
    page = browser.new_context(locale="fr-CA").new_page()
    page.goto(f"{live_server}/c/e2e-coding/reading/{testimony.id}")
    log_in_on_page(page, commissioner)
    page.locator("#selection-help").wait_for(state="visible")  # the script has run

    # the third "attendre", after an emoji: the offset must count it as one character
    wanted = TEXT.index("attendre encore")
    box = page.evaluate("""([first, last]) => {
        const node = document.getElementById('coded-text').firstChild;
        const units = (n) => Array.from(node.data).slice(0, n).join('').length;
        const range = document.createRange();
        range.setStart(node, units(first));
        range.setEnd(node, units(last));
        const rects = range.getClientRects();
        const a = rects[0], b = rects[rects.length - 1];
        return {x0: a.left + 1, y0: (a.top + a.bottom) / 2, x1: b.right - 1, y1: (b.top + b.bottom) / 2};
    }""", [wanted, wanted + len("attendre")])
    page.mouse.move(box["x0"], box["y0"])
    page.mouse.down()
    page.mouse.move(box["x1"], box["y1"], steps=5)
    page.mouse.up()
    assert page.input_value("#passage") == "attendre"
    assert page.input_value("#start") == str(wanted)
    page.select_option("#code", str(code.id))
    page.locator("#coding-form input[type=submit]").click()
    assert page.locator("#coded-text mark").inner_text() == "attendre"
    excerpt = db.session.execute(db.select(Excerpt)).scalar_one()
    assert (excerpt.start, excerpt.end) == (wanted, wanted + len("attendre"))
