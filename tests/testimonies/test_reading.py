"""Reading published testimonies: lists, filters, search, pages, and what never shows."""
import re

import pytest
from sqlalchemy import event

from consult.extensions import db
from consult.models import Channel, Status, Visibility

CONFIDENTIAL = "Secret-canari confidentiel"


def ids_on(page_html: str) -> list[int]:
    return [int(n) for n in re.findall(r'/testimonies/(\d+)"', page_html)]


@pytest.fixture
def corpus(make_consultation, make_testimony):
    """One consultation with a testimony of every status and visibility."""
    consultation = make_consultation()
    made = {}
    for status in Status:
        for visibility in Visibility:
            testimony, _ = make_testimony(
                consultation, f"Logement {status.value} {visibility.value}. "
                + (CONFIDENTIAL if visibility is Visibility.CONFIDENTIAL else ""),
                title=f"Titre {status.value} {visibility.value}", status=status,
                visibility=visibility, display_name="Camille Auteur"
                if visibility is Visibility.PUBLIC else None,
            )
            made[status, visibility] = testimony
    return consultation, made


def test_only_published_non_confidential_testimonies_are_listed(client, corpus):
    consultation, made = corpus
    page = client.get(f"/c/{consultation.slug}/testimonies").get_data(as_text=True)
    expected = {made[Status.PUBLISHED, v].id for v in (Visibility.PUBLIC, Visibility.ANONYMOUS)}
    assert set(ids_on(page)) == expected
    assert CONFIDENTIAL not in page
    assert "pending" not in page and "rejected" not in page


def test_a_confidential_testimony_is_absent_everywhere_public(client, corpus):
    consultation, made = corpus
    slug = consultation.slug
    secret = made[Status.PUBLISHED, Visibility.CONFIDENTIAL]
    for path in (
        "/",
        f"/c/{slug}",
        f"/c/{slug}/testimonies",
        f"/c/{slug}/testimonies?q=canari",
        f"/c/{slug}/testimonies?q=Secret",
        f"/c/{slug}/testimonies?theme={consultation.themes[0].id}",
    ):
        page = client.get(path).get_data(as_text=True)
        assert CONFIDENTIAL not in page, path
        assert f"/testimonies/{secret.id}\"" not in page, path
    assert client.get(f"/c/{slug}/testimonies/{secret.id}").status_code == 404


@pytest.mark.parametrize("status", [Status.PENDING, Status.REJECTED,
                                    Status.CHANGES_REQUESTED, Status.WITHDRAWN])
def test_unpublished_testimonies_have_no_public_page(client, corpus, status):
    consultation, made = corpus
    for visibility in Visibility:
        testimony = made[status, visibility]
        assert client.get(f"/c/{consultation.slug}/testimonies/{testimony.id}").status_code == 404


def test_published_counts_leave_out_confidential_ones(client, corpus):
    consultation, _made = corpus
    page = client.get(f"/c/{consultation.slug}").get_data(as_text=True)
    assert "2 testimonies published so far." in page


def test_anonymous_testimonies_show_no_name(client, corpus):
    consultation, made = corpus
    public = made[Status.PUBLISHED, Visibility.PUBLIC]
    anonymous = made[Status.PUBLISHED, Visibility.ANONYMOUS]
    shown = client.get(f"/c/{consultation.slug}/testimonies/{public.id}").get_data(as_text=True)
    assert "Camille Auteur" in shown
    hidden = client.get(f"/c/{consultation.slug}/testimonies/{anonymous.id}").get_data(as_text=True)
    assert "Anonymous" in hidden and "Camille Auteur" not in hidden


def test_a_testimony_is_not_reachable_through_another_consultation(
    client, make_consultation, make_testimony
):
    first = make_consultation("premiere")
    second = make_consultation("seconde")
    testimony, _ = make_testimony(first, "Ici seulement.")
    assert client.get(f"/c/premiere/testimonies/{testimony.id}").status_code == 200
    assert client.get(f"/c/seconde/testimonies/{testimony.id}").status_code == 404
    assert "Ici seulement." not in client.get("/c/seconde/testimonies").get_data(as_text=True)


def test_filters_by_theme_category_region_and_channel(client, make_consultation, make_testimony):
    consultation = make_consultation()
    themes, categories, regions = consultation.themes, consultation.categories, consultation.regions
    a, _ = make_testimony(consultation, "A", themes=[themes[0]], category=categories[0],
                          region=regions[0], channel=Channel.ONLINE)
    b, _ = make_testimony(consultation, "B", themes=[themes[1], themes[2]],
                          category=categories[1], region=regions[1], channel=Channel.PAPER)
    c, _ = make_testimony(consultation, "C", themes=[themes[2]], category=categories[0],
                          region=regions[1], channel=Channel.HEARING)
    base = f"/c/{consultation.slug}/testimonies"

    def listed(query: str) -> set[int]:
        return set(ids_on(client.get(f"{base}?{query}").get_data(as_text=True)))

    assert listed(f"theme={themes[2].id}") == {b.id, c.id}
    assert listed(f"category={categories[0].id}") == {a.id, c.id}
    assert listed(f"region={regions[1].id}") == {b.id, c.id}
    assert listed("channel=paper") == {b.id}
    assert listed(f"theme={themes[2].id}&category={categories[0].id}&region={regions[1].id}") == {c.id}
    assert listed("channel=nonsense&theme=abc") == {a.id, b.id, c.id}


def test_search_finds_words_in_title_and_text(client, make_consultation, make_testimony):
    consultation = make_consultation()
    housing, _ = make_testimony(consultation, "La crise du logement touche les familles.",
                                title="Logement")
    waiting, _ = make_testimony(consultation, "Huit mois sur une liste d'attente.",
                                title="Attente interminable")
    base = f"/c/{consultation.slug}/testimonies"

    def found(words: str) -> set[int]:
        return set(ids_on(client.get(base, query_string={"q": words}).get_data(as_text=True)))

    assert found("logement") == {housing.id}
    assert found("familles logement") == {housing.id}
    assert found("interminable") == {waiting.id}
    assert found("introuvable") == set()
    # Whatever is typed is taken as words, never as query syntax.
    for odd in ['"', "NEAR(", "logement*", "AND OR NOT", "'; DROP TABLE testimonies; --", "é"]:
        assert client.get(base, query_string={"q": odd}).status_code == 200


def test_search_ignores_accents_and_plural(client, make_consultation, make_testimony):
    consultation = make_consultation()
    testimony, _ = make_testimony(consultation, "Les intervenantes épuisées demandent du répit.")
    base = f"/c/{consultation.slug}/testimonies"
    for words in ("épuisées", "intervenante", "repit" if db.engine.dialect.name == "sqlite"
                  else "répit"):
        page = client.get(base, query_string={"q": words}).get_data(as_text=True)
        assert ids_on(page) == [testimony.id], words


def test_pages_follow_each_other_without_gaps_or_repeats(client, app, make_consultation,
                                                        make_testimony):
    consultation = make_consultation()
    made = [make_testimony(consultation, f"Témoignage {i}")[0].id for i in range(45)]
    base = f"/c/{consultation.slug}/testimonies"
    seen, path = [], base
    while path:
        page = client.get(path).get_data(as_text=True)
        seen.extend(ids_on(page))
        older = re.search(r'href="([^"]*before=\d+[^"]*)"', page)
        path = older.group(1).replace("&amp;", "&") if older else None
    assert seen == sorted(made, reverse=True)
    assert len(seen) == 45 and app.config["PAGE_SIZE"] == 20
    # And back: the "newer" link of the last page leads to the page before it.
    last_page = client.get(f"{base}?before={seen[39]}").get_data(as_text=True)
    assert ids_on(last_page) == seen[40:]
    newer = re.search(r'href="([^"]*after=\d+[^"]*)"', last_page).group(1).replace("&amp;", "&")
    assert ids_on(client.get(newer).get_data(as_text=True)) == seen[20:40]


def test_the_list_costs_the_same_number_of_queries_whatever_its_length(
    client, make_consultation, make_testimony
):
    consultation = make_consultation()
    base = f"/c/{consultation.slug}/testimonies"
    statements = []

    def count(*_args):
        statements.append(1)

    make_testimony(consultation, "Un.")
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        client.get(base)
        with_one = len(statements)
        for i in range(25):
            make_testimony(consultation, f"Encore {i}.", themes=consultation.themes,
                           category=consultation.categories[0], region=consultation.regions[0])
        statements.clear()
        client.get(base)
        with_twenty = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert with_twenty == with_one
