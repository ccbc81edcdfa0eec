"""Steps shared by the browser tests: logging in through the pages, and checking pages
against WCAG 2.1 AA and a phone's width."""
import pyotp
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import PASSWORD

WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
              "resultTypes": ["violations"]}


def log_in_on_page(page, user) -> None:
    """Fill in the log-in form the page shows (and the second factor, for staff)."""
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.locator("input[type=submit]").click()
    if user.totp_secret:
        page.fill("#code", pyotp.TOTP(user.totp_secret).now())
        page.locator("input[type=submit]").click()


def accessibility_problems(page, base_url: str, paths) -> dict[str, str]:
    """axe-core's WCAG 2.1 AA violations and horizontal overflow, by page."""
    axe = Axe()
    problems = {}
    for path in paths:
        page.goto(base_url + path)
        results = axe.run(page, options=WCAG_21_AA)
        if results.violations_count:
            problems[path] = results.generate_report()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            problems[path + " (width)"] = f"{overflow}px wider than a {page.viewport_size['width']}px screen"
    return problems
