"""The audit log as its readers see it: people, actions in words, links, pages, filters."""
import ast
import re
from datetime import datetime
from pathlib import Path

import pytest

import consult
from consult import audit
from consult.extensions import db
from consult.models import AuditEntry, OrganisationStatus
from tests.conftest import log_in
from tests.moderation.test_decisions import decide

SOURCE = Path(consult.__file__).parent


def _strings(node) -> set[str]:
    """The texts a call's argument may take: a literal, or either side of `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    return set()


def action_codes() -> set[str]:
    """Every action code the code base writes to the log, read from its source."""
    codes = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(
                    getattr(t, "id", None) == "action" for t in node.targets):
                codes |= {s for s in _strings(node.value) if "." in s}
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name == "record" and path.name != "exports" and not isinstance(
                    node.args[0], ast.JoinedStr):
                codes |= {s for s in _strings(node.args[0]) if re.fullmatch(r"[a-z_.]+", s)}
            elif name == "_decide" and len(node.args) >= 4:
                codes |= _strings(node.args[3])
            elif name == "_record" and path.parent.name == "synthesis":
                codes |= {f"recommendations.{s}" for s in _strings(node.args[0])}
    # The one code built from a value: an organisation's new status.
    codes |= {f"organisation.{status.value}" for status in OrganisationStatus}
    return codes


def test_every_action_written_to_the_log_has_words():
    codes = action_codes()
    assert {"testimony.redacted", "attachment.downloaded", "recommendations.moved",
            "testimony.confidential_opened", "statement.published"} <= codes
    assert codes - set(audit.ACTIONS) == set()


def test_every_kind_of_object_in_the_log_has_words():
    kinds = set(re.findall(r'object_type="([a-z_]+)"', "".join(
        p.read_text(encoding="utf-8") for p in SOURCE.rglob("*.py"))))
    kinds |= {"orientation", "recommendation", "measure"}
    assert kinds - set(audit.OBJECT_TYPES) == set()


@pytest.fixture
def commissioner(app, desk):
    reader = app.test_client()
    reader.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    log_in(reader, "com@example.org")
    return reader


def test_the_log_says_who_did_what_to_which_object_in_words(desk, moderator, commissioner):
    decide(moderator, desk["anonymous"], "reject", note="Hors sujet")
    page = commissioner.get("/c/desk/audit").get_data(as_text=True)
    assert "Modératrice <span class=\"help\">(Moderator)</span>" in page
    assert "refused the testimony" in page
    assert f'<a href="/c/desk/moderation/{desk["anonymous"].id}">Testimony no. {desk["anonymous"].id}</a>' in page
    assert "testimony.rejected</td>" not in page and "account no." not in page
    french = commissioner.get("/c/desk/audit", headers={"Accept-Language": "fr"})
    assert "a refusé le témoignage" in french.get_data(as_text=True)


def _fill_log(consultation, actor, count: int, **fields) -> None:
    for number in range(count):
        audit.record("testimony.confidential_opened", object_type="testimony",
                     object_id=1000 + number, consultation_id=consultation.id, actor=actor,
                     **fields)
    db.session.commit()


def test_the_log_is_paged_both_ways(desk, commissioner):
    _fill_log(desk["consultation"], desk["people"]["commissioner"], audit.PAGE_SIZE + 5)
    first = commissioner.get("/c/desk/audit").get_data(as_text=True)
    assert "page 1 of 2" in first and 'rel="prev"' not in first
    assert first.count("read the confidential testimony</td>") == audit.PAGE_SIZE
    older = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = commissioner.get(older).get_data(as_text=True)
    assert "page 2 of 2" in second and second.count("read the confidential testimony</td>") == 5
    newer = re.search(r'rel="prev" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    assert "page 1 of 2" in commissioner.get(newer).get_data(as_text=True)


def test_the_log_is_filtered_by_person_kind_of_object_and_days(desk, moderator, commissioner):
    people = desk["people"]
    _fill_log(desk["consultation"], people["commissioner"], 2)
    decide(moderator, desk["anonymous"], "publish")
    db.session.add(AuditEntry(actor_id=people["commissioner"].id, action="export.internal",
                              object_type="consultation", object_id=desk["consultation"].id,
                              consultation_id=desk["consultation"].id,
                              at=datetime(2020, 3, 10, 15, 0)))
    db.session.commit()

    def shown(query: str) -> str:
        return commissioner.get(f"/c/desk/audit?{query}").get_data(as_text=True)

    by_person = shown(f"actor={people['moderator'].id}")
    assert "1 entry" in by_person and "published the testimony" in by_person
    by_kind = shown("object_type=consultation")
    assert "1 entry" in by_kind and "downloaded an internal export" in by_kind
    in_2020 = shown("since=2020-03-01&until=2020-03-10")
    assert "1 entry" in in_2020 and "downloaded an internal export" in in_2020
    assert "0 entries" in shown("since=2020-03-11&until=2020-03-31")
    form = shown("")
    assert '<form method="get"' in form and 'name="since" value=""' in form
    assert f'<option value="{people["moderator"].id}">Modératrice</option>' in form
