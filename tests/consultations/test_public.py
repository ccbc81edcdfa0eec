"""What the public sees of consultations: the index, a consultation's page, its phase."""
import re
from datetime import datetime, timedelta

import pytest

from consult.extensions import db
from consult.models import Channel, Consultation, Phase, Role, Status, Visibility
from tests.conftest import log_in

PHASE_LABELS = {
    "open": "Open for testimonies",
    "synthesis": "Synthesis",
    "vote": "Vote",
    "closed": "Closed",
}


def test_the_index_lists_every_consultation_but_drafts(client, make_consultation):
    for phase in ("draft", "open", "synthesis", "vote", "closed"):
        make_consultation(phase, phase)
    page = client.get("/").get_data(as_text=True)
    assert "Consultation draft" not in page and "/c/draft" not in page
    for phase, label in PHASE_LABELS.items():
        assert f'href="/c/{phase}"' in page
        assert f"Consultation {phase}" in page
        assert f'<p class="phase phase-{phase}">{label}</p>' in page


def test_the_index_says_when_there_is_nothing_to_read(client, make_consultation):
    make_consultation("draft", "draft")
    page = client.get("/").get_data(as_text=True)
    assert "No consultation is under way at the moment." in page


def test_a_consultation_without_dates_is_a_draft(client, make_consultation):
    consultation = make_consultation("undated", "draft")
    consultation.opens_at = consultation.synthesis_at = None
    consultation.vote_at = consultation.closes_at = None
    db.session.commit()
    assert consultation.phase is Phase.DRAFT
    assert "/c/undated" not in client.get("/").get_data(as_text=True)
    assert client.get("/c/undated").status_code == 404


def test_a_drafts_page_is_404_to_the_public_and_to_participants(
    client, make_consultation, make_user
):
    make_consultation("draft", "draft")
    for path in ("/c/draft", "/c/draft/testimonies", "/c/draft/testify"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "This page does not exist." in response.get_data(as_text=True)
    make_user("participant@example.org")
    log_in(client, "participant@example.org")
    assert client.get("/c/draft").status_code == 404


def test_a_draft_is_visible_to_an_admin(client, make_consultation, make_user):
    make_consultation("draft", "draft")
    make_user("admin@example.org", admin=True)
    log_in(client, "admin@example.org")
    response = client.get("/c/draft")
    assert response.status_code == 200
    assert "Phase: Draft" in response.get_data(as_text=True)
    # Still not on the public index.
    assert "/c/draft" not in client.get("/").get_data(as_text=True)


def test_a_draft_is_visible_to_its_own_staff_only(client, make_consultation, make_user):
    make_consultation("draft", "draft")
    other = make_consultation("other", "draft")
    make_user("staff@example.org", roles=((other, Role.COMMISSIONER),))
    log_in(client, "staff@example.org")
    assert client.get("/c/draft").status_code == 404
    assert client.get("/c/other").status_code == 200


def test_an_unknown_consultation_is_404(client):
    assert client.get("/c/nope").status_code == 404


def test_the_page_shows_the_phase_description_and_the_calendar(client, make_consultation):
    consultation = make_consultation("eg", "open")
    consultation.description = "Premier paragraphe.\n\nSecond paragraphe."
    consultation.opens_at = datetime(2020, 1, 15, 14, 0)      # 9:00 in Montréal
    consultation.synthesis_at = datetime(2035, 3, 1, 14, 0)
    consultation.vote_at = datetime(2035, 6, 1, 13, 30)      # summer time: 9:30
    consultation.closes_at = None
    db.session.commit()
    page = client.get("/c/eg").get_data(as_text=True)
    assert "Phase: Open for testimonies" in page
    assert "<p>Premier paragraphe.</p>" in page and "<p>Second paragraphe.</p>" in page
    assert 'href="/c/eg/testify"' in page
    rows = re.findall(r"<tr(.*?)>\s*<th scope=\"row\">(.*?)</th><td>(.*?)</td>", page, re.S)
    # Babel puts a narrow no-break space before AM/PM.
    calendar = [(label, re.sub(r"<[^>]+>", "", cell).replace("\u202f", " "))
                for _attrs, label, cell in rows]
    assert calendar == [
        ("Open for testimonies", "January 15, 2020, 9:00 AM"),
        ("Synthesis", "March 1, 2035, 9:00 AM"),
        ("Vote", "June 1, 2035, 9:30 AM"),
        ("Closed", "—"),
    ]
    current = [label for attrs, label, _cell in rows if 'aria-current="true"' in attrs]
    assert current == ["Open for testimonies"]
    assert '<time datetime="2020-01-15T14:00:00Z">' in page
    # The same format, without seconds, in French.
    french = client.application.test_client().get("/c/eg").get_data(as_text=True)
    assert "15 janvier 2020, 09:00</time>" in french and ":00:00</time>" not in french


@pytest.mark.parametrize("phase", ["synthesis", "vote", "closed"])
def test_after_the_open_phase_there_is_no_testify_button(client, make_consultation, phase):
    make_consultation("eg", phase)
    page = client.get("/c/eg").get_data(as_text=True)
    assert f"Phase: {PHASE_LABELS[phase]}" in page
    assert 'href="/c/eg/testify"' not in page
    assert 'href="/c/eg/testimonies"' in page


def theme_counts(page: str) -> dict[str, int]:
    return {name: int(count) for name, count in re.findall(
        r'theme=\d+">([^<]+)</a>.*?<td class="number">(\d+)</td>', page, re.S)}


def test_the_page_shows_the_themes_and_the_published_counts_by_theme(
    client, make_consultation, make_testimony
):
    consultation = make_consultation("eg")
    other = make_consultation("other")
    governance, practice, access = consultation.themes
    make_testimony(consultation, themes=[governance, practice])
    make_testimony(consultation, themes=[governance], visibility=Visibility.PUBLIC,
                   display_name="Camille")
    make_testimony(consultation, themes=[governance], channel=Channel.PAPER)
    # None of these counts: not published, confidential, or in another consultation.
    for status in (Status.PENDING, Status.REJECTED, Status.CHANGES_REQUESTED, Status.WITHDRAWN):
        make_testimony(consultation, themes=[practice, access], status=status)
    make_testimony(consultation, themes=[access], visibility=Visibility.CONFIDENTIAL)
    make_testimony(other, themes=[other.themes[2]])

    page = client.get("/c/eg").get_data(as_text=True)
    assert "3 testimonies published so far." in page
    assert theme_counts(page) == {"Gouvernance": 3, "Pratiques": 1, "Accès": 0}
    assert f'href="/c/eg/testimonies?theme={access.id}"' in page


def test_one_published_testimony_is_counted_in_the_singular(
    client, make_consultation, make_testimony
):
    consultation = make_consultation("eg")
    make_testimony(consultation)
    assert "1 testimony published so far." in client.get("/c/eg").get_data(as_text=True)


def test_a_consultation_without_testimonies_shows_zero(client, make_consultation):
    make_consultation("eg")
    page = client.get("/c/eg").get_data(as_text=True)
    assert "0 testimonies published so far." in page
    assert theme_counts(page) == {"Gouvernance": 0, "Pratiques": 0, "Accès": 0}


def test_the_phase_on_the_page_follows_the_dates(client, make_consultation):
    consultation = make_consultation("eg", "synthesis")
    assert "Phase: Synthesis" in client.get("/c/eg").get_data(as_text=True)
    consultation.vote_at = consultation.synthesis_at + timedelta(seconds=1)
    db.session.commit()
    assert "Phase: Vote" in client.get("/c/eg").get_data(as_text=True)


# The phase in force at a given moment, one boundary at a time.

START = datetime(2030, 1, 1, 12, 0)
DATES = {
    "opens_at": START,
    "synthesis_at": START + timedelta(days=30),
    "vote_at": START + timedelta(days=60),
    "closes_at": START + timedelta(days=90),
}
SECOND = timedelta(seconds=1)
MICRO = timedelta(microseconds=1)


@pytest.mark.parametrize(
    "moment, expected",
    [
        (datetime(1970, 1, 1), Phase.DRAFT),
        (DATES["opens_at"] - MICRO, Phase.DRAFT),
        (DATES["opens_at"], Phase.OPEN),
        (DATES["opens_at"] + SECOND, Phase.OPEN),
        (DATES["synthesis_at"] - MICRO, Phase.OPEN),
        (DATES["synthesis_at"], Phase.SYNTHESIS),
        (DATES["vote_at"] - MICRO, Phase.SYNTHESIS),
        (DATES["vote_at"], Phase.VOTE),
        (DATES["closes_at"] - MICRO, Phase.VOTE),
        (DATES["closes_at"], Phase.CLOSED),
        (datetime(2999, 1, 1), Phase.CLOSED),
    ],
)
def test_each_phase_begins_exactly_at_its_date(moment, expected):
    consultation = Consultation(slug="eg", title="EG", **DATES)
    assert consultation.phase_at(moment) is expected


@pytest.mark.parametrize(
    "unscheduled, moment, expected",
    [
        (("opens_at", "synthesis_at", "vote_at", "closes_at"), datetime(2999, 1, 1), Phase.DRAFT),
        (("synthesis_at", "vote_at", "closes_at"), datetime(2999, 1, 1), Phase.OPEN),
        (("vote_at", "closes_at"), datetime(2999, 1, 1), Phase.SYNTHESIS),
        (("closes_at",), datetime(2999, 1, 1), Phase.VOTE),
        (("closes_at",), DATES["vote_at"] - MICRO, Phase.SYNTHESIS),
    ],
)
def test_a_phase_without_a_date_never_begins(unscheduled, moment, expected):
    dates = DATES | {name: None for name in unscheduled}
    consultation = Consultation(slug="eg", title="EG", **dates)
    assert consultation.phase_at(moment) is expected
