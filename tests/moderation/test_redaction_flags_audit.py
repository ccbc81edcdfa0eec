"""Masking personal information, readers' flags, and the append-only audit log."""
import re

import pytest
from sqlalchemy import text

from consult.extensions import db
from consult.models import AuditEntry, Status, Testimony
from tests.conftest import log_in, post_form
from tests.moderation.conftest import MODERATOR
from tests.moderation.test_decisions import decide, log_rows, queue_page

PHONE = "514-555-0199"


def redact(client, testimony, findings=(), **data):
    db.session.refresh(testimony)
    return post_form(client, f"/c/desk/moderation/{testimony.id}/redact",
                     {"version": str(testimony.version), "replacement": "[…]", "passage": "",
                      "finding": list(findings), **data},
                     form_page=f"/c/desk/moderation/{testimony.id}", follow_redirects=True)


def test_likely_personal_information_is_highlighted(moderator, desk):
    page = moderator.get(f"/c/desk/moderation/{desk['pending'].id}").get_data(as_text=True)
    assert '<mark class="pii">' in page
    assert f"{PHONE} <span class=\"pii-kind\">(phone number)</span>" in page


def test_a_masked_phone_number_reaches_no_public_page(moderator, desk, client):
    testimony = desk["pending"]
    start = testimony.body.index(PHONE)
    redact(moderator, testimony, [f"body:{start}:{start + len(PHONE)}:phone"])
    decide(moderator, testimony, "publish")
    db.session.refresh(testimony)
    assert PHONE not in testimony.public_body and "[phone]" in testimony.public_body
    assert testimony.body.count(PHONE) == 1
    public = client.application.test_client()
    for path in (f"/c/desk/testimonies/{testimony.id}", "/c/desk/testimonies",
                 "/c/desk/testimonies?q=514", "/c/desk/testimonies?q=0199"):
        assert PHONE not in public.get(path).get_data(as_text=True), path
    assert f'/testimonies/{testimony.id}"' not in public.get(
        "/c/desk/testimonies?q=0199").get_data(as_text=True)
    # The moderator sees the masked text; the commissioner may open the original, logged.
    assert PHONE not in moderator.get(f"/c/desk/moderation/{testimony.id}?original=1").get_data(
        as_text=True)
    commissioner = client.application.test_client()
    log_in(commissioner, "com@example.org")
    original = commissioner.get(f"/c/desk/moderation/{testimony.id}?original=1")
    assert PHONE in original.get_data(as_text=True)
    assert len(log_rows("testimony.original_opened")) == 1


def test_a_quoted_passage_is_masked_in_titles_too(moderator, desk):
    testimony = desk["pending"]
    redact(moderator, testimony, passage="rue Saint-Denis", replacement="[adresse]")
    db.session.refresh(testimony)
    assert "[adresse]" in testimony.redacted_body and testimony.body.endswith("Saint-Denis.")
    missing = redact(moderator, testimony, passage="pas dans le texte")
    assert "This passage is not in the text" in missing.get_data(as_text=True)
    title_start = testimony.title.index("histoire")
    redact(moderator, testimony, [f"title:{title_start}:{title_start + 8}:other"])
    db.session.refresh(testimony)
    assert testimony.redacted_title == "Mon […]"


def test_a_stale_redaction_is_refused(moderator, desk):
    testimony = desk["pending"]
    db.session.refresh(testimony)
    old_version = str(testimony.version)
    redact(moderator, testimony, passage="Appelez-moi")
    response = post_form(moderator, f"/c/desk/moderation/{testimony.id}/redact",
                         {"version": old_version, "replacement": "[…]", "passage": "rue"},
                         form_page=f"/c/desk/moderation/{testimony.id}", follow_redirects=True)
    assert "Someone else acted on this testimony" in response.get_data(as_text=True)
    db.session.refresh(testimony)
    assert "rue" in testimony.redacted_body


def flag(client, testimony, reason="offensive"):
    return post_form(client, f"/c/desk/testimonies/{testimony.id}/flag", {"reason": reason})


def test_flags_count_once_per_person_and_hide_at_the_threshold(app, desk, make_testimony):
    testimony, _ = make_testimony(desk["consultation"], "Publié puis signalé.")
    readers = [app.test_client() for _ in range(3)]
    for reader in readers:
        reader.environ_base["REMOTE_ADDR"] = f"10.0.0.{readers.index(reader) + 1}"
    for _ in range(3):
        flag(readers[0], testimony)
    flag(readers[1], testimony)
    db.session.refresh(testimony)
    assert testimony.is_public and len(testimony.flags) == 2
    flag(readers[2], testimony)
    db.session.refresh(testimony)
    assert not testimony.is_public and testimony.hidden_at is not None
    assert readers[0].get(f"/c/desk/testimonies/{testimony.id}").status_code == 404
    moderator = app.test_client()
    log_in(moderator, "mod@example.org")
    assert "Publié puis signalé." in queue_page(moderator, flagged="1")
    decide(moderator, testimony, "publish")
    db.session.refresh(testimony)
    assert testimony.is_public and all(f.resolved_at for f in testimony.flags)
    assert "Publié puis signalé." not in queue_page(moderator)


def test_browsers_sharing_one_address_each_count_and_a_second_flag_is_told(
        desk, make_testimony, make_client):
    """Three readers in one library (one public address) can each flag a testimony; the
    one who flags it twice is told the second flag was not counted."""
    testimony, _ = make_testimony(desk["consultation"], "Lu à la bibliothèque.")
    readers = [make_client() for _ in range(3)]
    first = flag(readers[0], testimony)
    assert "Thank you" in readers[0].get(first.headers["Location"]).get_data(as_text=True)
    again = flag(readers[0], testimony)
    page = readers[0].get(again.headers["Location"]).get_data(as_text=True)
    assert "You already flagged this testimony" in page and "Thank you" not in page
    db.session.refresh(testimony)
    assert len(testimony.flags) == 1 and testimony.is_public
    flag(readers[1], testimony)
    flag(readers[2], testimony)
    db.session.refresh(testimony)
    assert len(testimony.flags) == 3
    assert not testimony.is_public and testimony.hidden_at is not None


def test_a_forged_flag_cookie_is_not_trusted(desk, make_testimony, make_client):
    testimony, _ = make_testimony(desk["consultation"], "Publié.")
    reader = make_client()
    flag(reader, testimony)
    cookie = reader.get_cookie("flagger")
    assert cookie is not None and cookie.http_only
    reader.set_cookie("flagger", cookie.value[:-2] + "xx")
    flag(reader, testimony)
    # The forged cookie is replaced by a new one.
    assert reader.get_cookie("flagger").value not in (cookie.value, cookie.value[:-2] + "xx")


def test_only_published_testimonies_can_be_flagged(client, desk):
    assert flag(client, desk["pending"]).status_code == 404
    assert client.get(f"/c/desk/testimonies/{desk['confidential'].id}/flag").status_code == 404


def test_the_audit_log_cannot_be_changed(moderator, desk):
    decide(moderator, desk["pending"], "publish")
    entry = log_rows("testimony.published")[0]
    entry.reason = "réécrit"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(PermissionError):
        db.session.delete(db.session.get(AuditEntry, entry.id))
        db.session.commit()
    db.session.rollback()
    for statement in ("UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert len(log_rows("testimony.published")) == 1


def test_the_audit_page_and_its_csv(app, desk, moderator):
    decide(moderator, desk["anonymous"], "reject", note="=HYPERLINK(\"x\")")
    commissioner = app.test_client()
    log_in(commissioner, "com@example.org")
    page = commissioner.get("/c/desk/audit").get_data(as_text=True)
    assert "a refusé le témoignage" in page
    csv_file = commissioner.get("/c/desk/audit?format=csv")
    assert csv_file.headers["Content-Type"].startswith("text/csv")
    body = csv_file.get_data(as_text=True)
    assert "testimony.rejected" in body and "'=HYPERLINK" in body
    # Moderators work the queue; the audit log is for commissioners and admins.
    assert moderator.get("/c/desk/audit").status_code == 404


def tab_links(client, path: str) -> dict[str, str]:
    """The moderation tabs on a page: their text and address."""
    page = client.get(path).get_data(as_text=True)
    tabs = page[page.index('<nav aria-label="Moderation">'):]
    tabs = tabs[:tabs.index("</nav>")]
    return dict((text, href) for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', tabs))


@pytest.mark.parametrize("person", [MODERATOR, "com@example.org"])
def test_every_moderation_tab_opens_for_whoever_sees_it(make_client, desk, person):
    client = make_client()
    log_in(client, person)
    for page in ("/c/desk/moderation", "/c/desk/moderation/figures"):
        tabs = tab_links(client, page)
        assert set(tabs) >= {"Queue", "Figures"}
        for text, href in tabs.items():
            assert client.get(href).status_code == 200, (person, text, href)
    assert ("Audit log" in tabs) == (person != MODERATOR)


def test_pending_and_refused_testimonies_never_reach_a_public_page(client, desk, moderator):
    decide(moderator, desk["anonymous"], "reject", note="Non.")
    for testimony in (desk["pending"], desk["anonymous"], desk["confidential"]):
        assert client.get(f"/c/desk/testimonies/{testimony.id}").status_code == 404
        listing = client.get("/c/desk/testimonies").get_data(as_text=True)
        assert testimony.body not in listing
    db.session.expire_all()
    assert db.session.get(Testimony, desk["anonymous"].id).status is Status.REJECTED


def test_flagging_is_rate_limited(client, desk, make_testimony, rate_limits):
    testimony, _ = make_testimony(desk["consultation"], "Publié.")
    statuses = [post_form(client, f"/c/desk/testimonies/{testimony.id}/flag",
                          {"reason": "not-a-reason"}).status_code for _ in range(11)]
    assert 429 not in statuses[:10] and statuses[10] == 429


def test_a_placeholder_reads_in_the_language_of_the_page(app, moderator, desk):
    testimony = desk["pending"]
    start = testimony.body.index(PHONE)
    redact(moderator, testimony, [f"body:{start}:{start + len(PHONE)}:phone"])
    decide(moderator, testimony, "publish")
    db.session.refresh(testimony)
    assert "[phone]" in testimony.public_body  # written in the moderator's language
    french, english = app.test_client(), app.test_client()
    english.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    path = f"/c/desk/testimonies/{testimony.id}"
    assert "Appelez-moi au [téléphone]," in french.get(path).get_data(as_text=True)
    assert "Appelez-moi au [phone]," in english.get(path).get_data(as_text=True)
    api = f"/api/v1/consultations/desk/testimonies/{testimony.id}"
    assert "[téléphone]" in french.get(api).get_json()["text"]
    assert "[phone]" in english.get(api).get_json()["text"]
