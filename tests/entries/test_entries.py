"""Assisted entry: a facilitator types testimonies for the people who gave them."""
import re
import secrets
from datetime import timedelta

from consult.extensions import db
from consult.models import AuditEntry, Channel, ConsentMethod, Role, Status, Testimony, utcnow
from tests.conftest import log_in, post_form


def entries_path(organisation, rest: str = "") -> str:
    return f"/c/eg/organisations/{organisation.id}/entries{rest}"


def entry(outreach, **changes) -> dict:
    """What a facilitator types for one paper form gathered at organisation A's event."""
    data = {
        "channel": "local_event", "event": str(outreach["event_a"].id),
        "consent_method": "signed_form", "consent": "y",
        "body": "Au CLSC, on m'a écouté pour la première fois.",
        "themes": str(outreach["consultation"].themes[0].id), "category": "", "region": "",
        "visibility": "anonymous", "display_name": "", "contact_email": "",
        "submission_key": secrets.token_urlsafe(16),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def enter(client, organisation, data, **kwargs):
    return post_form(client, entries_path(organisation, "/new"), data, **kwargs)


def entered() -> list[Testimony]:
    return db.session.execute(db.select(Testimony).order_by(Testimony.id)).scalars().all()


def test_a_facilitator_enters_three_in_a_row_keeping_how_they_were_gathered(facilitator,
                                                                            outreach):
    org, event = outreach["org_a"], outreach["event_a"]
    first = facilitator.get(entries_path(org, "/new")).get_data(as_text=True)
    assert "Entered by you today: 0" in first and "autofocus" not in first
    path = entries_path(org, "/new")
    for number in range(1, 4):
        response = enter(facilitator, org, entry(outreach, body=f"Témoignage numéro {number}."),
                         form_page=path)
        assert response.status_code == 302
        path = response.headers["Location"]
        page = facilitator.get(path).get_data(as_text=True)
        saved = entered()[-1]
        assert f"Testimony no. {saved.id} saved; enter the next one." in page
        assert f"Entered by you today: {number}" in page
        # The next form keeps how they were gathered, and the cursor waits in the text.
        assert re.search(r'<input checked[^>]*value="local_event"', page)
        assert re.search(r'<input checked[^>]*value="signed_form"', page)
        assert re.search(rf'<option selected value="{event.id}"', page)
        assert re.search(r'<textarea[^>]* autofocus[^>]*name="body"', page)
        assert not re.search(r'name="consent" type="checkbox" value="y" checked', page)
    testimonies = entered()
    assert [t.body for t in testimonies] == [f"Témoignage numéro {n}." for n in (1, 2, 3)]
    for testimony in testimonies:
        assert testimony.author is None
        assert testimony.entered_by == outreach["people"]["facilitator"]
        assert testimony.channel is Channel.LOCAL_EVENT
        assert testimony.consent_method is ConsentMethod.SIGNED_FORM
        assert testimony.event == event and testimony.organisation == org
        assert testimony.status is Status.PENDING
    assert len(db.session.execute(
        db.select(AuditEntry).filter_by(action="testimony.entered")).scalars().all()) == 3


def test_switching_to_paper_after_an_event_entry_drops_the_event(facilitator, outreach):
    org, event = outreach["org_a"], outreach["event_a"]
    response = enter(facilitator, org, entry(outreach), form_page=entries_path(org, "/new"))
    # The next form comes back with the event still chosen; the facilitator only
    # switches the channel to paper.
    response = enter(facilitator, org, entry(outreach, channel="paper", body="Sur papier."),
                     form_page=response.headers["Location"])
    assert response.status_code == 302
    at_event, on_paper = entered()
    assert at_event.event == event
    assert on_paper.channel is Channel.PAPER and on_paper.event is None
    assert on_paper.organisation == org
    page = facilitator.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="paper"', page)
    assert not re.search(rf'<option selected value="{event.id}"', page)


def test_an_entry_is_moderated_like_any_other_and_its_public_page_hides_who_entered_it(
        facilitator, outreach, make_client, make_user, mailbox):
    org = outreach["org_a"]
    enter(facilitator, org, entry(outreach, body="Les délais d'attente sont trop longs.",
                                  visibility="public", display_name="Gisèle",
                                  contact_email="gisele@example.org"))
    [testimony] = entered()
    # The person gets their private link to follow it.
    assert mailbox.last_link("gisele@example.org").startswith("/receipt/")

    moderator = make_client()
    log_in(moderator, "mod@example.org")
    queue = moderator.get("/c/eg/moderation").get_data(as_text=True)
    assert "Les délais d&#39;attente sont trop longs." in queue
    item_path = f"/c/eg/moderation/{testimony.id}"
    item = moderator.get(item_path).get_data(as_text=True)
    assert ("Entered by Animatrice A · Local event · consent: Signed paper form · "
            "Carrefour A · Cuisine collective A") in item
    commissioner = make_client()
    make_user("com@example.org", roles=((outreach["consultation"], Role.COMMISSIONER),))
    log_in(commissioner, "com@example.org")
    reading = commissioner.get(f"/c/eg/reading/{testimony.id}").get_data(as_text=True)
    assert "Entered by Animatrice A · Local event · consent: Signed paper form" in reading
    post_form(moderator, f"/c/eg/moderation/{testimony.id}/decide",
              {"action": "publish", "version": str(testimony.version), "note": "", "reason": ""},
              form_page=item_path)
    db.session.refresh(testimony)
    assert testimony.status is Status.PUBLISHED

    public = make_client().get(f"/c/eg/testimonies/{testimony.id}").get_data(as_text=True)
    assert "Les délais d&#39;attente sont trop longs." in public and "Gisèle" in public
    for hidden in ("Animatrice A", "gisele@example.org", "Entered by"):
        assert hidden not in public


def test_without_the_persons_agreement_nothing_is_saved_and_the_text_comes_back(facilitator,
                                                                                outreach):
    response = enter(facilitator, outreach["org_a"],
                     entry(outreach, consent=None, body="Un texte tapé avec soin."))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "tick the box once they have given it" in page
    assert "Un texte tapé avec soin." in page
    assert re.search(r'<input checked[^>]*value="local_event"', page)
    assert entered() == []


def test_the_event_must_be_the_organisations_and_is_required_at_a_local_event(facilitator,
                                                                               outreach):
    org_a = outreach["org_a"]
    other = enter(facilitator, org_a, entry(outreach, event=str(outreach["event_b"].id),
                                            body="Texte pour B."))
    assert "Choose one of your organisation's events." in other.get_data(as_text=True)
    missing = enter(facilitator, org_a, entry(outreach, event="", body="Texte sans rencontre."))
    page = missing.get_data(as_text=True)
    assert "Choose the local event where the testimony was gathered." in page
    assert "Texte sans rencontre." in page
    assert entered() == []
    # Any other channel may do without an event.
    enter(facilitator, org_a, entry(outreach, channel="paper", event=""))
    [testimony] = entered()
    assert testimony.channel is Channel.PAPER and testimony.event is None


def test_the_same_form_sent_twice_saves_one_testimony(facilitator, outreach):
    data = entry(outreach)
    enter(facilitator, outreach["org_a"], data)
    again = enter(facilitator, outreach["org_a"], data, follow_redirects=True)
    assert "it was saved once" in again.get_data(as_text=True)
    assert len(entered()) == 1


def test_entries_close_with_the_consultation(facilitator, outreach):
    consultation = outreach["consultation"]
    consultation.synthesis_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = facilitator.get(entries_path(outreach["org_a"], "/new"))
    assert response.status_code == 403
    assert "not accepting testimonies" in response.get_data(as_text=True)


def test_another_organisations_facilitator_reaches_none_of_its_entries(facilitator, outreach,
                                                                       make_client):
    org_a = outreach["org_a"]
    enter(facilitator, org_a, entry(outreach, channel="paper", event=""))
    [testimony] = entered()
    other = make_client()
    log_in(other, "animateur-b@example.org")
    edit = entries_path(org_a, f"/{testimony.id}/edit")
    for path in (entries_path(org_a), entries_path(org_a, "/new"), edit):
        assert other.get(path).status_code == 404
    own_form = entries_path(outreach["org_b"], "/new")
    assert post_form(other, entries_path(org_a, "/new"), entry(outreach),
                     form_page=own_form).status_code == 404
    assert post_form(other, edit, {"body": "Changé", "themes": "1"},
                     form_page=own_form).status_code == 404
    # Nor through their own organisation's address.
    assert other.get(entries_path(outreach["org_b"], f"/{testimony.id}/edit")).status_code == 404
    assert len(entered()) == 1 and entered()[0].body != "Changé"


def test_only_the_member_who_entered_it_corrects_it_while_it_waits(facilitator, outreach,
                                                                   make_client, make_testimony):
    org = outreach["org_a"]
    enter(facilitator, org, entry(outreach, body="Avec une faute de frappe."))
    [testimony] = entered()
    edit = entries_path(org, f"/{testimony.id}/edit")
    colleague = make_client()
    log_in(colleague, "collegue@example.org")
    listing = colleague.get(entries_path(org)).get_data(as_text=True)
    assert "Avec une faute de frappe." in listing and edit not in listing
    assert colleague.get(edit).status_code == 404

    assert edit in facilitator.get(entries_path(org)).get_data(as_text=True)
    form = facilitator.get(edit).get_data(as_text=True)
    assert "Avec une faute de frappe." in form
    data = entry(outreach, body="Sans faute de frappe.")
    response = post_form(facilitator, edit, data, follow_redirects=True)
    assert f"Testimony no. {testimony.id} has been changed." in response.get_data(as_text=True)
    db.session.refresh(testimony)
    assert testimony.body == "Sans faute de frappe." and testimony.status is Status.PENDING

    testimony.status = Status.PUBLISHED
    db.session.commit()
    assert edit not in facilitator.get(entries_path(org)).get_data(as_text=True)
    refused = post_form(facilitator, edit, entry(outreach, body="Trop tard."),
                        form_page=entries_path(org), follow_redirects=True)
    assert "it can no longer be changed" in refused.get_data(as_text=True)
    db.session.refresh(testimony)
    assert testimony.body == "Sans faute de frappe."
    # An online testimony is no entry, even with the organisation's address.
    online, _ = make_testimony(outreach["consultation"], "En ligne.", status=Status.PENDING)
    assert facilitator.get(entries_path(org, f"/{online.id}/edit")).status_code == 404


def test_the_list_filters_and_keeps_confidential_text_out(facilitator, outreach, app,
                                                          monkeypatch):
    org = outreach["org_a"]
    enter(facilitator, org, entry(outreach, body="Dit à la cuisine collective."))
    enter(facilitator, org, entry(outreach, channel="assisted", event="", consent_method="oral",
                                  body="Secret confié de vive voix.", visibility="confidential"))
    page = facilitator.get(entries_path(org)).get_data(as_text=True)
    assert "Secret confié" not in page and "Confidential" in page
    assert "Dit à la cuisine collective." in page and "Animatrice A" in page
    assert page.index("Confidential") < page.index("Dit à la cuisine")  # newest first
    by_event = facilitator.get(entries_path(org, f"?event={outreach['event_a'].id}"))
    assert "Assisted entry" not in by_event.get_data(as_text=True)
    assert "No entered testimony matches." in facilitator.get(
        entries_path(org, "?status=published")).get_data(as_text=True)

    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    first = facilitator.get(entries_path(org)).get_data(as_text=True)
    older = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = facilitator.get(older).get_data(as_text=True)
    assert "Dit à la cuisine collective." in second and 'rel="next"' not in second


def test_entries_are_rate_limited(facilitator, outreach, app, monkeypatch, rate_limits):
    monkeypatch.setitem(app.config, "RATE_LIMIT_ENTRY", "2 per hour")
    for _ in range(2):
        assert enter(facilitator, outreach["org_a"], entry(outreach)).status_code == 302
    assert enter(facilitator, outreach["org_a"], entry(outreach)).status_code == 429
    assert len(entered()) == 2
