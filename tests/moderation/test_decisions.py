"""The queue and the decisions moderators take on it."""
import threading

from consult.extensions import db
from consult.models import AuditEntry, Role, Status, Testimony
from tests.conftest import csrf_token, log_in, post_form


def queue_page(client, slug="desk", **args):
    return client.get(f"/c/{slug}/moderation", query_string=args).get_data(as_text=True)


def decide(client, testimony, action, follow_redirects=False, **data):
    db.session.refresh(testimony)
    return post_form(client, f"/c/desk/moderation/{testimony.id}/decide",
                     {"action": action, "version": str(testimony.version), "note": "",
                      "reason": "", **data},
                     form_page=f"/c/desk/moderation/{testimony.id}",
                     follow_redirects=follow_redirects)


def log_rows(action=None) -> list[AuditEntry]:
    query = db.select(AuditEntry)
    if action:
        query = query.filter_by(action=action)
    return db.session.execute(query).scalars().all()


def test_the_queue_lists_what_waits_oldest_first_with_counts(moderator, desk):
    page = queue_page(moderator)
    assert "2 testimonies waiting" in page
    assert page.index("Mon histoire") < page.index("Sans compte.")
    # A moderator does not read confidential testimonies; commissioners do.
    assert "Secret bien gardé." not in page


def test_the_queue_filters(moderator, desk, make_testimony):
    consultation = desk["consultation"]
    make_testimony(consultation, "Thème deux.", themes=[consultation.themes[1]],
                   status=Status.PENDING)
    page = queue_page(moderator, theme=consultation.themes[1].id)
    assert "Thème deux." in page and "Mon histoire" not in page
    assert "Nothing waits" in queue_page(moderator, flagged="1")
    assert "Nothing waits" in queue_page(moderator, older_than=3)


def test_publishing_makes_it_public_and_tells_the_author(moderator, desk, mailbox, client):
    testimony = desk["pending"]
    response = decide(moderator, testimony, "publish")
    assert response.status_code == 302
    public = client.application.test_client().get(f"/c/desk/testimonies/{testimony.id}")
    assert public.status_code == 200
    [message] = mailbox.to("auteur@example.org")
    # The author chose no language: French, the default.
    assert "a été publié" in message.get_payload(decode=True).decode()
    [entry] = log_rows("testimony.published")
    assert entry.actor_id == desk["people"]["moderator"].id and entry.object_id == testimony.id


def test_refusing_needs_a_reason_and_the_author_reads_it(moderator, desk, mailbox, client):
    testimony = desk["anonymous"]
    refused = decide(moderator, testimony, "reject", follow_redirects=True)
    assert "Give a reason" in refused.get_data(as_text=True)
    decide(moderator, testimony, "reject", note="Hors sujet pour cette consultation.")
    db.session.refresh(testimony)
    assert testimony.status is Status.REJECTED and not testimony.is_public
    receipt = client.application.test_client().get(f"/receipt/{desk['anonymous_token']}")
    assert "Hors sujet pour cette consultation." in receipt.get_data(as_text=True)
    [message] = mailbox.to("sanscompte@example.org")
    assert "ne sera pas publié" in message.get_payload(decode=True).decode()
    assert client.application.test_client().get(
        f"/c/desk/testimonies/{testimony.id}").status_code == 404


def test_asking_for_changes_brings_the_edit_back_to_the_queue(moderator, desk):
    testimony = desk["pending"]
    decide(moderator, testimony, "changes", note="Retirez votre adresse, s'il vous plaît.")
    assert "Mon histoire" not in queue_page(moderator)
    author = moderator.application.test_client()
    page = author.get(f"/receipt/{desk['token']}").get_data(as_text=True)
    assert "Retirez votre adresse" in page
    post_form(author, f"/receipt/{desk['token']}/edit", {
        "title": "Mon histoire", "body": "Sans adresse cette fois.",
        "themes": [str(desk["consultation"].themes[0].id)], "visibility": "anonymous"})
    db.session.refresh(testimony)
    assert testimony.status is Status.PENDING
    assert "Mon histoire" in queue_page(moderator)


def test_reclassifying_is_logged_with_before_and_after(moderator, desk):
    testimony = desk["pending"]
    consultation = desk["consultation"]
    db.session.refresh(testimony)
    post_form(moderator, f"/c/desk/moderation/{testimony.id}/reclassify", {
        "version": str(testimony.version), "themes": [str(consultation.themes[2].id)],
        "category": str(consultation.categories[1].id), "region": ""},
        form_page=f"/c/desk/moderation/{testimony.id}")
    db.session.refresh(testimony)
    assert [t.id for t in testimony.themes] == [consultation.themes[2].id]
    [entry] = log_rows("testimony.reclassified")
    assert str(consultation.themes[2].id) in entry.details


def test_two_moderators_at_once_one_decision_stands(app, desk, mailbox):
    testimony = desk["pending"]
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    log_in(first, "mod@example.org")
    log_in(second, "com@example.org")
    version = str(testimony.version)
    tokens = [csrf_token(c, f"/c/desk/moderation/{testimony.id}") for c in (first, second)]
    barrier, statuses = threading.Barrier(2), {}

    def act(name, client, token, action, note):
        barrier.wait()
        response = client.post(f"/c/desk/moderation/{testimony.id}/decide", data={
            "csrf_token": token, "action": action, "version": version, "note": note,
            "reason": ""}, follow_redirects=True)
        statuses[name] = response.get_data(as_text=True)

    threads = [threading.Thread(target=act, args=("first", first, tokens[0], "publish", "")),
               threading.Thread(target=act, args=("second", second, tokens[1], "reject",
                                                  "Non."))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    decisions = [e for e in log_rows() if e.action.startswith("testimony.")
                 and e.object_id == testimony.id]
    assert len(decisions) == 1
    assert sum("Someone else acted on this testimony" in page for page in statuses.values()) == 1
    assert len(mailbox.to("auteur@example.org")) == 1


def test_a_bulk_action_applies_each_valid_item_and_reports_the_others(
    moderator, desk, make_testimony
):
    consultation = desk["consultation"]
    extra, _ = make_testimony(consultation, "Encore un.", status=Status.PENDING)
    elsewhere, _ = make_testimony(desk["other"], "Ailleurs.", status=Status.PENDING)
    items = [desk["pending"], extra, elsewhere, desk["confidential"]]
    for t in items:
        db.session.refresh(t)
    response = post_form(moderator, "/c/desk/moderation/bulk", {
        "action": "publish", "reason": "", "note": "",
        "testimony": [str(t.id) for t in items],
        "versions": [f"{t.id}:{t.version}" for t in items]},
        form_page="/c/desk/moderation", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "2 decisions recorded." in page
    assert f"Testimony no. {elsewhere.id}: This testimony is not in this queue." in page
    assert f"Testimony no. {desk['confidential'].id}: This testimony is not in this queue." in page
    db.session.expire_all()
    statuses = {t.id: db.session.get(Testimony, t.id).status for t in items}
    assert statuses == {desk["pending"].id: Status.PUBLISHED, extra.id: Status.PUBLISHED,
                        elsewhere.id: Status.PENDING, desk["confidential"].id: Status.PENDING}


def test_another_consultations_moderator_gets_404_everywhere(app, desk):
    client = app.test_client()
    log_in(client, "autre@example.org")
    testimony = desk["pending"]
    gets = ["/c/desk/moderation", f"/c/desk/moderation/{testimony.id}", "/c/desk/audit",
            "/c/desk/moderation/figures"]
    for path in gets:
        assert client.get(path).status_code == 404, path
    token = csrf_token(client)
    for action in ("decide", "redact", "restore", "reclassify"):
        response = client.post(f"/c/desk/moderation/{testimony.id}/{action}",
                               data={"csrf_token": token, "action": "publish", "version": "1"})
        assert response.status_code == 404, action
    assert client.post("/c/desk/moderation/bulk", data={"csrf_token": token}).status_code == 404
    db.session.refresh(testimony)
    assert testimony.status is Status.PENDING


def test_commissioners_read_confidential_testimonies_and_each_opening_is_logged(app, desk):
    client = app.test_client()
    log_in(client, "com@example.org")
    secret = desk["confidential"]
    assert "Secret bien gardé." in client.get("/c/desk/moderation").get_data(as_text=True)
    assert client.get(f"/c/desk/moderation/{secret.id}").status_code == 200
    assert client.get(f"/c/desk/moderation/{secret.id}").status_code == 200
    assert len(log_rows("testimony.confidential_opened")) == 2


def test_a_moderator_cannot_open_a_confidential_testimony(moderator, desk):
    assert moderator.get(f"/c/desk/moderation/{desk['confidential'].id}").status_code == 404


def test_figures(moderator, desk):
    decide(moderator, desk["pending"], "publish")
    page = moderator.get("/c/desk/moderation/figures").get_data(as_text=True)
    assert "Waiting for a decision" in page
    assert "<td class=\"number\">1</td>" in page


def test_staff_pages_need_the_second_factor(app, desk):
    client = app.test_client()
    post_form(client, "/account/login", {"email": "mod@example.org",
                                         "password": "correct horse battery"})
    response = client.get("/c/desk/moderation")
    assert response.status_code == 302 and "/account/second-factor" in response.headers["Location"]


def test_roles_in_the_queue(app, desk, make_user):
    make_user("facilitator@example.org", roles=((desk["consultation"], Role.FACILITATOR),))
    client = app.test_client()
    log_in(client, "facilitator@example.org")
    assert client.get("/c/desk/moderation").status_code == 404


def test_the_queue_and_the_figures_agree_on_what_waits(moderator, desk, make_client):
    """The figures count confidential testimonies a moderator cannot see; both pages say
    how many of those there are, so the two totals can be reconciled."""
    queue = queue_page(moderator)
    assert "2 testimonies waiting" in queue
    assert "Not listed here: 1 confidential testimony, which only commissioners read." in queue
    figures = moderator.get("/c/desk/moderation/figures").get_data(as_text=True)
    assert "3 (of which 1 confidential, read only by commissioners)" in figures

    commissioner = make_client()
    log_in(commissioner, "com@example.org")
    queue = queue_page(commissioner)
    assert "3 testimonies waiting" in queue
    assert "Not listed here" not in queue
