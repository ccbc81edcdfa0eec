"""Following one's testimony by receipt link or account: status, edit, withdraw."""
import re

import pytest

from consult.extensions import db
from consult.models import Status, Visibility
from tests.conftest import log_in, post_form


def test_the_receipt_shows_the_status_and_the_text(client, make_consultation, make_testimony):
    consultation = make_consultation()
    _testimony, token = make_testimony(consultation, "Mon texte.", status=Status.PENDING)
    response = client.get(f"/receipt/{token}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Waiting for moderation" in page and "Mon texte." in page
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_a_receipt_token_opens_its_own_testimony_and_no_other(
    client, make_consultation, make_testimony
):
    consultation = make_consultation()
    first, first_token = make_testimony(consultation, "Premier.", status=Status.PENDING)
    second, second_token = make_testimony(consultation, "Second.", status=Status.PENDING)
    assert "Premier." in client.get(f"/receipt/{first_token}").get_data(as_text=True)
    assert "Premier." not in client.get(f"/receipt/{second_token}").get_data(as_text=True)
    # A receipt path for the first testimony cannot be bent to reach the second.
    assert client.get(f"/receipt/{first_token}/attachments/{second.id}").status_code == 404
    assert client.get(f"/receipt/{first_token[:-1]}x").status_code == 404
    assert client.get("/receipt/not-a-token").status_code == 404
    # Nor do testimony ids work without being their author.
    assert client.get(f"/my-testimonies/{first.id}").status_code in (302, 404)


def test_the_author_edits_while_pending_and_changes_come_back_to_the_queue(
    client, make_consultation, make_testimony
):
    consultation = make_consultation()
    testimony, token = make_testimony(consultation, "Avant.", status=Status.CHANGES_REQUESTED)
    response = post_form(client, f"/receipt/{token}/edit", {
        "title": "", "body": "Après.", "themes": [str(consultation.themes[1].id)],
        "category": "", "region": "", "visibility": "confidential", "display_name": "",
    }, follow_redirects=True)
    assert "Your changes have been saved." in response.get_data(as_text=True)
    db.session.refresh(testimony)
    assert testimony.body == "Après."
    assert testimony.status is Status.PENDING
    assert testimony.visibility is Visibility.CONFIDENTIAL
    assert [t.id for t in testimony.themes] == [consultation.themes[1].id]


def test_an_invalid_edit_keeps_what_was_typed(client, make_consultation, make_testimony):
    consultation = make_consultation()
    testimony, token = make_testimony(consultation, "Avant.", status=Status.PENDING)
    response = post_form(client, f"/receipt/{token}/edit", {
        "title": "Nouveau titre", "body": "", "themes": [str(consultation.themes[0].id)],
        "visibility": "anonymous",
    })
    page = response.get_data(as_text=True)
    assert "Write your testimony." in page and "Nouveau titre" in page
    db.session.refresh(testimony)
    assert testimony.body == "Avant."


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.REJECTED, Status.WITHDRAWN])
def test_no_edit_once_moderated(client, make_consultation, make_testimony, status):
    consultation = make_consultation()
    testimony, token = make_testimony(consultation, "Figé.", status=status)
    assert "Change my testimony" not in client.get(f"/receipt/{token}").get_data(as_text=True)
    response = post_form(client, f"/receipt/{token}/edit", {
        "body": "Modifié.", "themes": [str(consultation.themes[0].id)], "visibility": "anonymous",
    }, form_page=f"/receipt/{token}", follow_redirects=True)
    assert "can no longer be changed" in response.get_data(as_text=True)
    db.session.refresh(testimony)
    assert testimony.body == "Figé."


def withdraw_form(client, path: str) -> dict:
    """The fields of the confirmation page's form, as the browser would send them."""
    page = client.get(path).get_data(as_text=True)
    form = page[page.index(f'<form method="post" action="{path}"'):]
    form = form[:form.index("</form>")]
    return dict(re.findall(r'<(?:input type="hidden"|button type="submit") name="([^"]+)" '
                           r'value="([^"]*)"', form))


def test_withdrawing_asks_first_and_says_what_it_does(client, make_consultation, make_testimony):
    consultation = make_consultation()
    testimony, token = make_testimony(consultation, "Bientôt retiré peut-être.")
    receipt = client.get(f"/receipt/{token}").get_data(as_text=True)
    assert f'<a class="button danger" href="/receipt/{token}/withdraw">' in receipt
    response = client.get(f"/receipt/{token}/withdraw")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Withdraw this testimony?" in page and "Bientôt retiré peut-être." in page
    assert "off every public page and out of the public exports" in page
    assert "This cannot be undone" in page
    assert f'<a href="/receipt/{token}">Keep my testimony</a>' in page
    db.session.refresh(testimony)
    assert testimony.status is Status.PUBLISHED


def test_withdrawing_removes_it_from_public_pages(client, make_consultation, make_testimony):
    consultation = make_consultation()
    testimony, token = make_testimony(consultation, "Bientôt retiré.")
    assert client.get(f"/c/{consultation.slug}/testimonies/{testimony.id}").status_code == 200
    confirmed = withdraw_form(client, f"/receipt/{token}/withdraw")
    response = client.post(f"/receipt/{token}/withdraw", data=confirmed, follow_redirects=True)
    assert response.request.path == f"/receipt/{token}"
    page = response.get_data(as_text=True)
    assert "has been withdrawn" in page and "Withdraw my testimony" not in page
    assert client.get(f"/c/{consultation.slug}/testimonies/{testimony.id}").status_code == 404
    listing = client.get(f"/c/{consultation.slug}/testimonies?q=retiré").get_data(as_text=True)
    assert "Bientôt retiré." not in listing
    # Asking again once withdrawn leads back to the receipt.
    again = client.get(f"/receipt/{token}/withdraw")
    assert again.status_code == 302 and again.headers["Location"] == f"/receipt/{token}"


def test_a_post_without_the_confirmation_only_asks(client, make_consultation, make_testimony):
    # As a receipt page kept open from before, whose button sent no confirmation.
    consultation = make_consultation()
    testimony, token = make_testimony(consultation, "Reste publié.")
    response = post_form(client, f"/receipt/{token}/withdraw", form_page=f"/receipt/{token}")
    assert response.status_code == 200
    assert "Withdraw this testimony?" in response.get_data(as_text=True)
    db.session.refresh(testimony)
    assert testimony.status is Status.PUBLISHED


def test_withdraw_needs_a_post_with_csrf(client, make_consultation, make_testimony):
    consultation = make_consultation()
    testimony, token = make_testimony(consultation, "Reste là.", status=Status.PENDING)
    assert client.get(f"/receipt/{token}/withdraw").status_code == 200
    confirmed = withdraw_form(client, f"/receipt/{token}/withdraw")
    del confirmed["csrf_token"]
    assert client.post(f"/receipt/{token}/withdraw", data=confirmed).status_code == 400
    db.session.refresh(testimony)
    assert testimony.status is Status.PENDING


def test_an_account_holder_withdraws_through_the_same_question(
    client, make_consultation, make_testimony, make_user
):
    consultation = make_consultation()
    me = make_user("me@example.org")
    mine, _ = make_testimony(consultation, "Le mien.", author=me, status=Status.PENDING)
    log_in(client, "me@example.org")
    page = client.get(f"/my-testimonies/{mine.id}/withdraw").get_data(as_text=True)
    assert "Withdraw this testimony?" in page
    assert f'<a href="/my-testimonies/{mine.id}">Keep my testimony</a>' in page
    confirmed = withdraw_form(client, f"/my-testimonies/{mine.id}/withdraw")
    client.post(f"/my-testimonies/{mine.id}/withdraw", data=confirmed)
    db.session.refresh(mine)
    assert mine.status is Status.WITHDRAWN


def test_my_testimonies_lists_only_mine(client, make_consultation, make_testimony, make_user):
    consultation = make_consultation()
    me = make_user("me@example.org")
    other = make_user("other@example.org")
    mine, _ = make_testimony(consultation, "Le mien.", title="Le mien", author=me,
                             status=Status.PENDING)
    theirs, _ = make_testimony(consultation, "Le leur.", title="Le leur", author=other,
                               status=Status.PENDING)
    log_in(client, "me@example.org")
    page = client.get("/my-testimonies").get_data(as_text=True)
    assert "Le mien" in page and "Le leur" not in page
    assert client.get(f"/my-testimonies/{mine.id}").status_code == 200
    assert client.get(f"/my-testimonies/{theirs.id}").status_code == 404
    assert client.get(f"/my-testimonies/{theirs.id}/edit").status_code == 404
    assert client.get(f"/my-testimonies/{theirs.id}/withdraw").status_code == 404
    assert post_form(client, f"/my-testimonies/{theirs.id}/withdraw", {"confirm": "y"},
                     form_page="/my-testimonies").status_code == 404
    db.session.refresh(theirs)
    assert theirs.status is Status.PENDING


def test_my_testimonies_needs_an_account(client):
    response = client.get("/my-testimonies")
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]
