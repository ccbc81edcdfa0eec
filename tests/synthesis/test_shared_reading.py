"""Reading shared among a team: counts, one's own queue, assignments and progress, the
analyst role, and double coding with the readers' agreement (Cohen's κ)."""
import re

import pytest

from consult.extensions import db
from consult.models import Assignment, AuditEntry, CodingSample, Role, Status, Visibility
from consult.synthesis import services, team
from tests.conftest import log_in, post_form


@pytest.fixture
def office(make_consultation, make_user, make_testimony):
    """A consultation with a commissioner, two analysts and twelve testimonies, the third
    one confidential."""
    consultation = make_consultation("bureau")
    lead = make_user("lead@example.org", "Cheffe", roles=((consultation, Role.COMMISSIONER),))
    ana = make_user("ana@example.org", "Ana", roles=((consultation, Role.ANALYST),))
    bruno = make_user("bruno@example.org", "Bruno", roles=((consultation, Role.ANALYST),))
    testimonies = [make_testimony(
        consultation, f"Récit numéro {n} sur l'attente au guichet.", title=f"Récit {n}",
        visibility=Visibility.CONFIDENTIAL if n == 3 else Visibility.ANONYMOUS,
        category=consultation.categories[n % 2])[0] for n in range(1, 13)]
    return consultation, lead, ana, bruno, testimonies


def listed(page: str) -> list[int]:
    """The testimonies a reading-room page lists, in order."""
    return [int(n) for n in re.findall(r'<th scope="row"><a href="/c/bureau/reading/(\d+)', page)]


def counts(page: str) -> str:
    return re.search(r'<p role="status" id="counts">(.*?)</p>', page, re.S).group(1)


def give(client, data: dict, filters: str = ""):
    return post_form(client, f"/c/bureau/reading/assign{filters}",
                     {"count": "", "second_reader": "", **data}, form_page="/c/bureau/reading")


def test_two_readers_each_see_only_their_own_queue(make_client, office):
    consultation, lead, ana, bruno, testimonies = office
    commissioner = make_client()
    log_in(commissioner, lead.email)
    odd_category, even_category = consultation.categories[1].id, consultation.categories[0].id
    response = give(commissioner, {"reader": str(ana.id)}, f"?category={odd_category}")
    assert response.headers["Location"].endswith("/c/bureau/reading/team")
    give(commissioner, {"reader": str(bruno.id), "count": "3"}, f"?category={even_category}")
    odd = [t.id for n, t in enumerate(testimonies, start=1) if n % 2 == 1]
    even = {t.id for n, t in enumerate(testimonies, start=1) if n % 2 == 0}

    readers = {}
    for person in (ana, bruno):
        readers[person.id] = make_client()
        log_in(readers[person.id], person.email)
    ana_queue, bruno_queue = (
        listed(readers[person.id].get("/c/bureau/reading?view=assigned").get_data(as_text=True))
        for person in (ana, bruno))
    assert ana_queue == odd
    assert len(bruno_queue) == 3 and set(bruno_queue) <= even
    assert listed(commissioner.get("/c/bureau/reading?view=assigned").get_data(as_text=True)) == []

    # Ana reads two of hers: her counts and the list of what she has not read follow.
    for testimony_id in ana_queue[:2]:
        post_form(readers[ana.id], f"/c/bureau/reading/{testimony_id}/read",
                  form_page=f"/c/bureau/reading/{testimony_id}")
    page = readers[ana.id].get("/c/bureau/reading?view=assigned").get_data(as_text=True)
    assert counts(page) == "6 testimonies match · read by me: 2 · read by someone: 2"
    unread = readers[ana.id].get("/c/bureau/reading?view=assigned_unread").get_data(as_text=True)
    assert listed(unread) == ana_queue[2:]
    everything = readers[bruno.id].get("/c/bureau/reading").get_data(as_text=True)
    assert counts(everything) == "12 testimonies match · read by me: 0 · read by someone: 2"
    not_by_me = readers[ana.id].get("/c/bureau/reading?view=unread").get_data(as_text=True)
    assert counts(not_by_me).startswith("10 testimonies match")

    progress = commissioner.get("/c/bureau/reading/team").get_data(as_text=True)
    rows = {name: (int(assigned), int(read)) for name, assigned, read in re.findall(
        r'<tr><th scope="row">(\w+)</th><td class="number">(\d+)</td>'
        r'<td class="number">(\d+)</td></tr>', progress)}
    assert rows == {"Ana": (6, 2), "Bruno": (3, 0), "Cheffe": (0, 0)}
    assert db.session.query(AuditEntry).filter_by(action="reading.assigned").count() == 2


def test_the_list_pages_both_ways_and_the_reading_page_goes_back_and_forth(
    client, office, make_testimony
):
    consultation, lead, _ana, _bruno, testimonies = office
    more = [make_testimony(consultation, f"Suite {n}.")[0] for n in range(50)]
    log_in(client, lead.email)
    first = client.get("/c/bureau/reading").get_data(as_text=True)
    assert len(listed(first)) == 50 and 'rel="prev"' not in first
    next_page = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(next_page).get_data(as_text=True)
    assert listed(second) == [t.id for t in more[38:]]
    back = re.search(r'<a rel="prev" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    assert listed(client.get(back).get_data(as_text=True)) == listed(first)

    wanted = consultation.categories[0].id
    in_category = [t.id for n, t in enumerate(testimonies, start=1) if n % 2 == 0]
    page = client.get(f"/c/bureau/reading/{in_category[1]}?category={wanted}").get_data(
        as_text=True)
    assert f'href="/c/bureau/reading/{in_category[0]}?category={wanted}">Previous testimony' in page
    assert f'href="/c/bureau/reading/{in_category[2]}?category={wanted}">Next' in page


def test_an_analyst_reads_and_codes_confidential_testimonies_but_cannot_publish_or_export(
    make_client, office
):
    consultation, _lead, ana, _bruno, testimonies = office
    secret = testimonies[2]
    analyst = make_client()
    log_in(analyst, ana.email)
    page = analyst.get(f"/c/bureau/reading/{secret.id}").get_data(as_text=True)
    assert "Récit numéro 3" in page
    assert db.session.query(AuditEntry).filter_by(
        action="testimony.confidential_opened", object_id=secret.id, actor_id=ana.id).count() == 1
    code = services.add_code(consultation, "Attente", "", None)
    response = post_form(analyst, f"/c/bureau/reading/{secret.id}/code",
                         {"code": str(code.id), "passage": ""},
                         form_page=f"/c/bureau/reading/{secret.id}", follow_redirects=True)
    assert "Coded." in response.get_data(as_text=True)
    for path in ("/c/bureau/exports", "/c/bureau/synthesis", "/c/bureau/analysis",
                 "/c/bureau/moderation", f"/c/bureau/moderation/{secret.id}",
                 "/c/bureau/reading/team", "/c/bureau/report"):
        assert analyst.get(path).status_code == 404, path
    refused = [post_form(analyst, "/c/bureau/exports", {"dataset": "testimonies",
                                                       "kind": "internal", "format": "csv"},
                         form_page="/c/bureau/reading"),
               post_form(analyst, "/c/bureau/synthesis/add", {"kind": "orientation",
                                                             "text": "Ouvrir le soir"},
                         form_page="/c/bureau/reading"),
               post_form(analyst, f"/c/bureau/moderation/{testimonies[0].id}/decide",
                         {"action": "reject", "version": "1"}, form_page="/c/bureau/reading"),
               give(analyst, {"reader": str(ana.id)})]
    assert [response.status_code for response in refused] == [404] * 4
    assert testimonies[0].status is Status.PUBLISHED
    assert "Export these testimonies" not in analyst.get("/c/bureau/reading").get_data(
        as_text=True)


def test_cohen_kappa_equals_the_textbook_value():
    # The textbook table: two readers, 50 units; both yes 20, only the first 5, only the
    # second 10, both no 15. Observed agreement (20 + 15) / 50 = 0.70. The first says
    # yes 25/50 = 0.5, the second 30/50 = 0.6, so chance agreement is
    # 0.5 × 0.6 + 0.5 × 0.4 = 0.50, and κ = (0.70 − 0.50) / (1 − 0.50) = 0.40.
    assert team.kappa(20, 5, 10, 15) == pytest.approx(0.40)
    # Perfect agreement is 1; agreement no better than chance is 0; a single choice made
    # by both every time leaves κ undefined.
    assert team.kappa(3, 0, 0, 7) == pytest.approx(1.0)
    assert team.kappa(1, 1, 1, 1) == pytest.approx(0.0)
    assert team.kappa(0, 0, 0, 8) is None


def test_a_double_coded_sample_is_coded_blind_then_compared(make_client, office):
    consultation, lead, ana, bruno, testimonies = office
    parent = services.add_code(consultation, "Attente", "", None)
    child = services.add_code(consultation, "Guichet", "", parent)
    other = services.add_code(consultation, "Transport", "", None)
    commissioner = make_client()
    log_in(commissioner, lead.email)
    give(commissioner, {"reader": str(ana.id), "second_reader": str(bruno.id), "count": "4"})
    sample = db.session.execute(db.select(CodingSample)).scalar_one()
    ids = sorted(db.session.execute(db.select(Assignment.testimony_id).filter_by(
        sample_id=sample.id, user_id=ana.id)).scalars())
    assert len(ids) == 4 and db.session.query(Assignment).count() == 8

    # Ana codes "Guichet" on all four, "Transport" on the first; Bruno codes "Guichet"
    # on the first two and "Transport" on the first and the last.
    choices = {ana: {ids[0]: [child, other], ids[1]: [child], ids[2]: [child], ids[3]: [child]},
               bruno: {ids[0]: [child, other], ids[1]: [child], ids[3]: [other]}}
    readers = {}
    for person in (ana, bruno):
        readers[person] = make_client()
        log_in(readers[person], person.email)
        for testimony_id, codes in choices[person].items():
            for code in codes:
                post_form(readers[person], f"/c/bureau/reading/{testimony_id}/code",
                          {"code": str(code.id), "passage": ""},
                          form_page=f"/c/bureau/reading/{testimony_id}")
    # Each sees only their own codes on the sample while it is not finished.
    bruno_view = readers[bruno].get(f"/c/bureau/reading/{ids[2]}").get_data(as_text=True)
    assert "Guichet</a>" not in bruno_view
    assert "Transport</a>" in readers[bruno].get(
        f"/c/bureau/reading/{ids[3]}").get_data(as_text=True)
    assert "Transport</a>" not in readers[ana].get(
        f"/c/bureau/reading/{ids[3]}").get_data(as_text=True)
    assert f"/reading/{ids[2]}?" not in readers[bruno].get(
        f"/c/bureau/reading?code={child.id}").get_data(as_text=True)
    for person in (ana, bruno):
        for testimony_id in ids:
            post_form(readers[person], f"/c/bureau/reading/{testimony_id}/read",
                      form_page=f"/c/bureau/reading/{testimony_id}")
    # Once both have read them all, each sees the other's codes.
    assert "Guichet</a>" in readers[bruno].get(
        f"/c/bureau/reading/{ids[2]}").get_data(as_text=True)

    agreement = team.agreement(sample)
    by_name = {row.code.name: row for row in agreement.codes}
    # Guichet: both on 2, Ana only on 2, Bruno only on 0, neither 0 → observed 0.5;
    # Ana says yes 4/4, so chance agreement is 1 × 0.5 + 0 × 0.5 = 0.5 and κ = 0.
    guichet = by_name["Guichet"]
    assert (guichet.both, guichet.first_only, guichet.second_only, guichet.neither) == (2, 2, 0, 0)
    assert guichet.observed == 0.5 and guichet.kappa == pytest.approx(0.0)
    # Transport: both 1, Bruno only 1, neither 2 → observed 0.75; Ana yes 1/4, Bruno
    # 2/4: chance 0.25 × 0.5 + 0.75 × 0.5 = 0.5, κ = (0.75 − 0.5) / 0.5 = 0.5.
    transport = by_name["Transport"]
    assert (transport.both, transport.first_only, transport.second_only,
            transport.neither) == (1, 0, 1, 2)
    assert transport.kappa == pytest.approx(0.5)
    # The parent code counts its child: the same table as Guichet.
    assert (by_name["Attente"].both, by_name["Attente"].first_only) == (2, 2)
    assert agreement.compared == 4 and agreement.finished

    page = commissioner.get(f"/c/bureau/reading/samples/{sample.id}").get_data(as_text=True)
    assert "0.5" in page and "2 disagreements" not in page
    rows = re.findall(r'reading/(\d+)">Testimony no\. \d+</a></th>\s*<td>([^<]*)</td>\s*'
                      r'<td>([^<]*)</td>', page)
    assert rows == [(str(ids[2]), "Attente, Guichet", "—"),
                    (str(ids[3]), "Attente, Guichet", "Transport")]


def test_a_topic_and_a_near_duplicate_group_open_as_lists(client, office, make_testimony):
    consultation, lead, _ana, _bruno, testimonies = office
    letter = "Nous demandons un guichet ouvert le samedi matin pour les familles du quartier."
    group = [make_testimony(consultation, letter, title="Lettre")[0] for _ in range(3)]
    services.complete_analysis(services.start_analysis(consultation)[0].id)
    log_in(client, lead.email)
    page = client.get("/c/bureau/reading").get_data(as_text=True)
    assert f'href="/c/bureau/reading?group={group[0].id}">and 2 near-identical copies' in page
    members = client.get(f"/c/bureau/reading?group={group[0].id}").get_data(as_text=True)
    assert listed(members) == [t.id for t in group]
    assert counts(members).startswith("3 testimonies match")
    topic = services.analysis_topics(consultation)[0]
    in_topic = client.get(f"/c/bureau/reading?topic={topic['number']}").get_data(as_text=True)
    shown = set(listed(in_topic))
    in_the_topic = set(db.session.execute(
        services.topic_members(consultation, topic["number"])).scalars())
    assert shown and shown <= in_the_topic and len(in_the_topic) == topic["size"]
    analysis = client.get("/c/bureau/analysis").get_data(as_text=True)
    assert f'href="/c/bureau/reading?topic={topic["number"]}"' in analysis
