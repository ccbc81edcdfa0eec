"""Voting on published recommendations and measures, participants' statements, summit
delegate codes and results."""
import re
import threading
from datetime import timedelta

import pytest

from consult.extensions import db
from consult.models import (
    AuditEntry,
    Orientation,
    Proposal,
    ProposalStatus,
    Recommendation,
    Role,
    Vote,
    VoteHistory,
    Voter,
    VoteResults,
    utcnow,
)
from consult.privacy import services as privacy
from consult.synthesis import services as synthesis
from consult.synthesis.outline import parse_outline
from consult.voting import services, tasks
from tests.conftest import PASSWORD, csrf_token, log_in, post_form

OUTLINE = """\
1. Reconnaître le travail social
1. Financer les services sociaux
a. Un budget protégé
2. Former la relève
"""


@pytest.fixture
def vote_on(make_consultation):
    """A consultation in its vote phase with 1 recommendation published (and its measure)
    and 1 left in draft."""

    def make(phase="vote", slug="vote"):
        consultation = make_consultation(slug, phase=phase)
        synthesis.import_outline(consultation, parse_outline(OUTLINE))
        orientation = db.session.execute(db.select(Orientation)).scalars().first()
        orientation.status = orientation.recommendations[0].status = synthesis.DraftStatus.PUBLISHED
        db.session.commit()
        services.sync_proposals(consultation)
        return consultation

    return make


def proposals(consultation) -> dict[str, Proposal]:
    return {b.number: b.proposal for b in services.ballots(consultation, None)}


def test_a_participant_votes_changes_their_mind_and_sees_progress(client, vote_on, make_user):
    consultation = vote_on()
    make_user("votante@example.org")
    page = client.get("/c/vote/vote").get_data(as_text=True)
    assert "To vote, log in" in page and "1.1" in page and "1.1.a" in page
    assert "Former la relève" not in page  # a draft is not put to the vote
    log_in(client, "votante@example.org")
    items = proposals(consultation)
    assert "0 of 2 answered" in client.get("/c/vote/vote").get_data(as_text=True)
    for value in ("agree", "disagree"):
        response = post_form(client, f"/c/vote/vote/{items['1.1'].id}", {"value": value},
                             form_page="/c/vote/vote")
        assert response.status_code == 302
    page = client.get("/c/vote/vote").get_data(as_text=True)
    assert "1 of 2 answered" in page and "Your vote: Disagree" in page
    assert [v.value for v in db.session.query(Vote)] == [-1]
    assert [h.value for h in db.session.query(VoteHistory).order_by(VoteHistory.id)] == [1, -1]


@pytest.mark.parametrize("phase", ["open", "synthesis", "closed"])
def test_votes_outside_the_vote_phase_are_refused_with_a_message(client, vote_on, make_user, phase):
    consultation = vote_on(phase=phase)
    make_user("votante@example.org")
    log_in(client, "votante@example.org")
    services.sync_proposals(consultation)
    item = proposals(consultation)["1.1"]
    response = post_form(client, f"/c/vote/vote/{item.id}", {"value": "agree"},
                         form_page="/c/vote/vote", follow_redirects=True)
    assert "Voting is not open" in response.get_data(as_text=True)
    assert db.session.query(Vote).count() == 0


def test_an_item_that_is_not_published_cannot_be_voted_on(client, vote_on, make_user):
    consultation = vote_on()
    draft = db.session.execute(db.select(Recommendation).filter_by(
        text="Former la relève")).scalar_one()
    hidden = Proposal(consultation_id=consultation.id, kind="recommendation",
                      recommendation_id=draft.id)
    pending = Proposal(consultation_id=consultation.id, kind="statement", text="En attente",
                       status=ProposalStatus.PENDING)
    db.session.add_all([hidden, pending])
    db.session.commit()
    make_user("votante@example.org")
    log_in(client, "votante@example.org")
    for proposal in (hidden, pending):
        response = post_form(client, f"/c/vote/vote/{proposal.id}", {"value": "agree"},
                             form_page="/c/vote/vote", follow_redirects=True)
        assert "This item cannot be voted on." in response.get_data(as_text=True)
    assert db.session.query(Vote).count() == 0


def test_fifty_simultaneous_votes_by_one_person_leave_one_current_vote(
    make_client, vote_on, make_user, figure
):
    consultation = vote_on()
    make_user("presse@example.org")
    item = proposals(consultation)["1.1"]
    clients = [make_client() for _ in range(50)]
    for client in clients:
        log_in(client, "presse@example.org")
    tokens = [csrf_token(client, "/c/vote/vote") for client in clients]
    barrier = threading.Barrier(len(clients))
    statuses = [None] * len(clients)

    def send(index: int) -> None:
        barrier.wait()
        statuses[index] = clients[index].post(f"/c/vote/vote/{item.id}", data={
            "value": "agree" if index % 2 else "disagree", "csrf_token": tokens[index]}
        ).status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * 50
    current = db.session.query(Vote).count()
    figure(f"concurrency: 50 simultaneous votes by one person on one item, {current} current "
           f"vote, {db.session.query(VoteHistory).count()} in the history, "
           f"{db.session.query(Voter).count()} voter ({db.engine.dialect.name})")
    assert current == 1 and db.session.query(Voter).count() == 1
    assert db.session.query(VoteHistory).count() == 50


def codes_on_sheet(page: str) -> list[str]:
    return re.findall(r"<code>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})</code>", page)


def test_delegate_codes_work_once_and_can_be_withdrawn(make_client, client, vote_on, make_user):
    consultation = vote_on()
    make_user("admin@example.org", admin=True)
    log_in(client, "admin@example.org")
    category = consultation.categories[1]
    sheet = post_form(client, "/admin/consultations/vote/delegate-codes",
                      {"category": str(category.id), "count": "3"}).get_data(as_text=True)
    codes = codes_on_sheet(sheet)
    assert len(set(codes)) == 3
    assert all(code.replace("-", "") not in db.session.query(AuditEntry.details).all().__repr__()
               for code in codes)
    first, second = make_client(), make_client()
    response = post_form(first, "/c/vote/delegate", {"code": codes[0].lower().replace("-", " ")})
    assert response.status_code == 302
    item = proposals(consultation)["1.1.a"]
    post_form(first, f"/c/vote/vote/{item.id}", {"value": "agree"}, form_page="/c/vote/vote")
    voter = db.session.execute(db.select(Voter)).scalar_one()
    assert voter.category_id == category.id and voter.user_id is None
    used = post_form(second, "/c/vote/delegate", {"code": codes[0]})
    assert "This code is not valid" in used.get_data(as_text=True)
    post_form(client, "/admin/consultations/vote/delegate-codes/revoke",
              {"revoke-code": codes[1]}, form_page="/admin/consultations/vote/delegate-codes")
    assert "This code is not valid" in post_form(second, "/c/vote/delegate", {
        "code": codes[1]}).get_data(as_text=True)
    post_form(client, "/admin/consultations/vote/delegate-codes/revoke",
              {"revoke-code": codes[0]}, form_page="/admin/consultations/vote/delegate-codes")
    refused = post_form(first, f"/c/vote/vote/{item.id}", {"value": "disagree"},
                        form_page="/c/vote/vote", follow_redirects=True)
    assert "Log in, or enter your delegate code" in refused.get_data(as_text=True)
    assert [v.value for v in db.session.query(Vote)] == [1]  # its earlier vote still counts
    assert "Made" in client.get("/admin/consultations/vote/delegate-codes").get_data(as_text=True)


def test_fifty_people_typing_one_code_at_once_make_one_delegate(make_client, vote_on, make_user):
    consultation = vote_on()
    code = services.generate_codes(consultation, consultation.categories[0], 1)[0]
    clients = [make_client() for _ in range(50)]
    tokens = [csrf_token(c, "/c/vote/delegate") for c in clients]
    barrier = threading.Barrier(50)
    statuses = [None] * 50

    def send(index: int) -> None:
        barrier.wait()
        statuses[index] = clients[index].post("/c/vote/delegate", data={
            "code": code, "csrf_token": tokens[index]}).status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 49 + [302]
    assert db.session.query(Voter).count() == 1


def test_entering_codes_is_rate_limited(make_client, vote_on, rate_limits):
    vote_on()
    client = make_client()
    statuses = [post_form(client, "/c/vote/delegate", {"code": f"WRONG{i}"}).status_code
                for i in range(31)]
    assert statuses == [200] * 30 + [429]  # 30 a minute from one address


def test_statements_are_voted_on_after_moderation(client, make_client, vote_on, make_user):
    consultation = vote_on()
    consultation.participant_statements = True
    db.session.commit()
    make_user("auteur@example.org")
    make_user("mod@example.org", roles=((consultation, Role.MODERATOR),))
    log_in(client, "auteur@example.org")
    assert "Add a statement" in client.get("/c/vote/vote").get_data(as_text=True)
    post_form(client, "/c/vote/statements/new", {"text": "Des locaux accessibles partout."})
    statement = db.session.execute(db.select(Proposal).filter_by(kind="statement")).scalar_one()
    assert "Des locaux accessibles" not in client.get("/c/vote/vote").get_data(as_text=True)
    moderator = make_client()
    log_in(moderator, "mod@example.org")
    assert "Des locaux accessibles" in moderator.get("/c/vote/moderation/statements").get_data(
        as_text=True)
    post_form(moderator, "/c/vote/moderation/statements",
              {"statement": str(statement.id), "decision": "publish"})
    assert "Des locaux accessibles" in client.get("/c/vote/vote").get_data(as_text=True)
    assert post_form(client, f"/c/vote/vote/{statement.id}", {"value": "agree"},
                     form_page="/c/vote/vote").status_code == 302
    assert db.session.query(Vote).count() == 1
    too_long = post_form(client, "/c/vote/statements/new", {"text": "x" * 281})
    assert too_long.status_code == 200 and "x" * 281 in too_long.get_data(as_text=True)


def test_statements_are_refused_where_the_consultation_does_not_take_them(client, vote_on,
                                                                          make_user):
    vote_on()
    make_user("auteur@example.org")
    log_in(client, "auteur@example.org")
    response = post_form(client, "/c/vote/statements/new", {"text": "Une idée."})
    assert "does not take statements" in response.get_data(as_text=True)
    assert db.session.query(Proposal).filter_by(kind="statement").count() == 0


def test_each_voter_has_an_order_of_their_own(make_consultation):
    consultation = make_consultation("ordre", phase="vote")
    for index in range(12):
        db.session.add(Proposal(consultation_id=consultation.id, kind="statement",
                                text=f"Énoncé {index}"))
    first, second = (Voter(consultation_id=consultation.id) for _ in range(2))
    db.session.add_all([first, second])
    db.session.commit()

    def order(voter):
        return [b.text for b in services.ballots(consultation, voter, f"voter-{voter.id}")]

    assert order(first) == order(first) and order(first) != order(second)
    assert sorted(order(first)) == sorted(order(second))
    consultation.shuffle_votes = False
    assert order(first) == [f"Énoncé {i}" for i in range(12)]


def test_results_add_up_and_are_public_once_closed(make_client, client, vote_on, make_user):
    consultation = vote_on()
    item = proposals(consultation)["1.1"]
    users = [make_user(f"p{i}@example.org") for i in range(7)]
    usager, intervenante = consultation.categories
    plan = [(usager, 1), (usager, 1), (usager, 1), (intervenante, -1), (intervenante, -1),
            (intervenante, -1), (None, 0)]
    for user, (category, value) in zip(users, plan, strict=True):
        voter = services.voter_for_user(consultation, user, create=True)
        services.set_profile(voter, category.id if category else None, consultation.regions[0].id)
        services.cast_vote(consultation, voter, item, value)
    [result] = [r for r in services.results(consultation) if r.ballot.proposal.id == item.id]
    assert (result.overall.agree, result.overall.disagree, result.overall.passed) == (3, 3, 1)
    for breakdown in (result.by_category, result.by_region):
        assert sum(t.voters for t in breakdown.values()) == result.overall.voters == 7
        assert sum(t.agree for t in breakdown.values()) == result.overall.agree
    assert result.divisive and not result.consensus
    assert "published when the consultation closes" in client.get("/c/vote/results").get_data(
        as_text=True)
    make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),))
    commissioner = make_client()
    log_in(commissioner, "com@example.org")
    page = commissioner.get("/c/vote/results").get_data(as_text=True)
    assert "7 people voted." in page and "3 (43 %)" in page
    consultation.closes_at = consultation.vote_at
    db.session.commit()
    assert "7 people voted." in client.get("/c/vote/results").get_data(as_text=True)


def test_a_persons_votes_are_in_their_download_and_stay_counted_after_deletion(
    vote_on, make_user
):
    consultation = vote_on()
    person = make_user("partante@example.org")
    voter = services.voter_for_user(consultation, person, create=True)
    services.cast_vote(consultation, voter, proposals(consultation)["1.1"], 1)
    data = privacy.personal_data(person)
    assert [(v["consultation"], v["vote"]) for v in data["votes"]] == [("vote", 1)]
    privacy.delete_account(person, PASSWORD, keep_published=True)
    assert db.session.query(Voter).one().user_id is None
    assert services.results(consultation)[0].overall.agree == 1


@pytest.fixture
def statements_run(app):
    """The SQL statements a block runs."""
    from sqlalchemy import event

    def run(function) -> list[str]:
        seen = []

        def note(_connection, _cursor, statement, *_args):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", note)
        try:
            function()
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        return seen

    return run


def test_results_pages_show_what_the_worker_computed_and_when(
        app, make_client, vote_on, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "RESULTS_INTERVAL_SECONDS", 60)  # the worker's turn
    consultation = vote_on()
    item = proposals(consultation)["1.1"]
    for index in range(3):
        voter = services.voter_for_user(consultation, make_user(f"v{index}@example.org"),
                                        create=True)
        services.cast_vote(consultation, voter, item, 1)
    make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),))
    commissioner = make_client()
    log_in(commissioner, "com@example.org")
    # Nothing computed yet: the first view has it computed straight away.
    page = commissioner.get("/c/vote/results").get_data(as_text=True)
    assert "3 people voted." in page and "Computed on" in page
    assert "being counted" not in page
    late = services.voter_for_user(consultation, make_user("late@example.org"), create=True)
    services.cast_vote(consultation, late, item, -1)
    page = commissioner.get("/c/vote/results").get_data(as_text=True)
    assert "3 people voted." in page and "Votes cast since then are being counted." in page
    services.refresh_results(consultation.id)  # what the worker does a minute later
    page = commissioner.get("/c/vote/results").get_data(as_text=True)
    assert "4 people voted." in page and "being counted" not in page


def test_the_worker_minute_takes_up_lost_and_ageing_results(vote_on, make_consultation):
    voting, closed, fresh = vote_on(), make_consultation("fini", phase="closed"), \
        make_consultation("frais", phase="closed")
    for consultation in (voting, closed, fresh):
        services.refresh_results(consultation.id, True)
    long_ago = utcnow() - timedelta(minutes=10)
    db.session.get(VoteResults, voting.id).computed_at = long_ago  # a vote under way
    lost = db.session.get(VoteResults, closed.id)  # its computation's task was lost
    lost.stale, lost.computed_at = True, long_ago
    db.session.commit()
    assert sorted(services.due_for_refresh()) == sorted([voting.id, closed.id])

    tasks.refresh_due_results()  # what the worker runs every minute

    db.session.expire_all()
    assert services.due_for_refresh() == []
    for consultation in (voting, closed):
        stored = db.session.get(VoteResults, consultation.id)
        assert not stored.stale and stored.computed_at > long_ago


def test_a_results_page_costs_the_same_statements_whatever_the_votes(
        make_client, vote_on, make_user, statements_run):
    consultation = vote_on()
    items = list(proposals(consultation).values())
    make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),))
    commissioner = make_client()
    log_in(commissioner, "com@example.org")

    def cast(count: int, start: int) -> None:
        for index in range(start, start + count):
            voter = services.voter_for_user(
                consultation, make_user(f"n{index}@example.org"), create=True)
            for position, item in enumerate(items):
                services.cast_vote(consultation, voter, item, (-1, 0, 1)[(index + position) % 3])

    def view() -> None:
        assert commissioner.get("/c/vote/results").status_code == 200

    cast(2, 0)
    few = statements_run(view)
    cast(40, 2)
    many = statements_run(view)
    assert "42 people voted." in commissioner.get("/c/vote/results").get_data(as_text=True)
    assert len(many) == len(few)
    assert not [s for s in many if re.search(r"\bvotes\b", s)]  # no vote is read


def test_results_of_many_items_come_in_pages(make_client, make_consultation, make_user):
    consultation = make_consultation("nombreux", phase="vote")
    db.session.add_all(Proposal(consultation_id=consultation.id, kind="statement",
                                status=ProposalStatus.PUBLISHED, text=f"Énoncé numéro {index:02d}")
                       for index in range(45))
    db.session.commit()
    make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),))
    commissioner = make_client()
    log_in(commissioner, "com@example.org")
    first = commissioner.get("/c/nombreux/results").get_data(as_text=True)
    second = commissioner.get("/c/nombreux/results?page=2").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    sections = [re.findall(r'<section id="result-\d+" class="result">\s*<h3>([^<]+)</h3>', page)
                for page in (first, second)]
    assert len(sections[0]) == 40 and len(sections[1]) == 5
    assert sorted(sections[0] + sections[1]) == [f"Énoncé numéro {i:02d}" for i in range(45)]
    assert 'rel="next" href="/c/nombreux/results?page=2#items"' in first
    assert 'rel="prev" href="/c/nombreux/results?page=1#items"' in second
    assert commissioner.get("/c/nombreux/results?page=99").status_code == 200
