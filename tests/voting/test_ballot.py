"""The ballot as a voter reads it: each recommendation with its measures, recommendations
in an order of the voter's own, pages of ten that work without JavaScript."""
import html
import re
import string

import pytest

from consult.synthesis import services as synthesis
from consult.synthesis.outline import parse_outline
from consult.voting import services
from tests.conftest import log_in, post_form

ORIENTATIONS = ("Des services proches", "Des équipes stables", "Une parole entendue")
RECOMMENDATIONS_PER_ORIENTATION = 8


def outline() -> str:
    """Three orientations of eight recommendations; recommendation n has n % 4 measures."""
    lines = []
    for o, title in enumerate(ORIENTATIONS, start=1):
        lines.append(f"Orientation {o} : {title}")
        for r in range(1, RECOMMENDATIONS_PER_ORIENTATION + 1):
            lines.append(f"{r}. Proposition {r} de l'orientation {o} sur le terrain")
            for m in range(r % 4):
                lines.append(f"{string.ascii_lowercase[m]}. Moyen {m + 1} de la proposition {o}.{r}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def long_ballot(make_consultation):
    consultation = make_consultation("scrutin", phase="vote")
    synthesis.import_outline(consultation, parse_outline(outline()))
    synthesis.publish_all(consultation)
    services.sync_proposals(consultation)
    return consultation


RECOMMENDATION = re.compile(r"^\d+\.\d+$")


def numbers(page: str) -> list[str]:
    """The numbers of the items on a ballot page, in the order they are shown."""
    return re.findall(r'<span class="number">([^<]+)</span>', page)


def read_all_pages(client) -> list[list[str]]:
    """Every page of the ballot, following the "Next page" links from the first."""
    pages, path = [], "/c/scrutin/vote"
    while path:
        page = client.get(path).get_data(as_text=True)
        pages.append(numbers(page))
        following = re.search(r'<a rel="next" href="([^"]+)">Next page</a>', page)
        path = html.unescape(following.group(1)) if following else None
    return pages


def recommendations(items: list[str]) -> list[str]:
    return [n for n in items if RECOMMENDATION.match(n)]


def test_measures_follow_their_recommendation_and_every_recommendation_is_on_one_page(
        client, long_ballot, make_user):
    make_user("votante@example.org")
    log_in(client, "votante@example.org")
    pages = read_all_pages(client)
    assert len(pages) == 3  # 24 recommendations, ten a page
    assert [len(recommendations(items)) for items in pages] == [10, 10, 4]
    everything = [n for items in pages for n in items]
    expected = {f"{o}.{r}" for o in range(1, 4) for r in range(1, RECOMMENDATIONS_PER_ORIENTATION + 1)}
    assert sorted(recommendations(everything)) == sorted(expected)  # each exactly once
    for items in pages:
        for index, number in enumerate(items):
            if RECOMMENDATION.match(number):  # then its measures, in their order, and nothing else
                r = int(number.split(".")[1])
                measures = [f"{number}.{string.ascii_lowercase[m]}" for m in range(r % 4)]
                assert items[index + 1:index + 1 + len(measures)] == measures
        assert RECOMMENDATION.match(items[0])  # a page never starts with a stray measure
    assert len(everything) == len(services.ballots(long_ballot, None))
    assert recommendations(everything) != sorted(expected, key=lambda n: tuple(map(int, n.split("."))))


def test_each_voter_keeps_an_order_of_their_own(make_client, long_ballot, make_user):
    orders = []
    for email in ("une@example.org", "deux@example.org"):
        make_user(email)
        client = make_client()
        log_in(client, email)
        first = read_all_pages(client)
        assert read_all_pages(client) == first  # stable for the person
        orders.append(recommendations([n for items in first for n in items]))
    assert orders[0] != orders[1] and sorted(orders[0]) == sorted(orders[1])


def test_votes_are_kept_from_one_page_to_the_next(client, long_ballot, make_user):
    make_user("votante@example.org")
    log_in(client, "votante@example.org")
    second = client.get("/c/scrutin/vote?page=2").get_data(as_text=True)
    assert "Page 2 of 3" in second and 'rel="prev" href="/c/scrutin/vote?page=1"' in second
    forms = re.findall(r'action="/c/scrutin/vote/(\d+)"', second)
    response = post_form(client, f"/c/scrutin/vote/{forms[0]}", {"value": "agree", "page": "2",
                                                                 "next": forms[1]},
                         form_page="/c/scrutin/vote?page=2")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/c/scrutin/vote?page=2#item-{forms[1]}")
    first = client.get("/c/scrutin/vote?page=1").get_data(as_text=True)
    total = len(services.ballots(long_ballot, None))
    assert f"1 of {total} answered" in first
    first_forms = re.findall(r'action="/c/scrutin/vote/(\d+)"', first)
    post_form(client, f"/c/scrutin/vote/{first_forms[0]}", {"value": "disagree", "page": "1"},
              form_page="/c/scrutin/vote")
    again = client.get("/c/scrutin/vote?page=2").get_data(as_text=True)
    assert f"2 of {total} answered" in again and "Your vote: Agree" in again
    assert "Your vote: Disagree" not in again
    assert "Page 3 of 3" in client.get("/c/scrutin/vote?page=99").get_data(as_text=True)
