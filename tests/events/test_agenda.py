"""The public agenda and its iCalendar feed: upcoming events of approved organisations,
filtered by region and theme; the feed parses with a standard library."""
from datetime import timedelta

import re

import icalendar
import pytest

from consult.extensions import db
from consult.models import OrganisationStatus, utcnow
from tests.events.conftest import event_path


@pytest.fixture
def events(consultation, org_a, org_b, make_organisation, make_event):
    """Five events in two regions and three themes, one past, one cancelled, and one of an
    organisation waiting for approval."""
    montreal, estrie = consultation.regions
    governance, practice, access = consultation.themes
    pending = make_organisation(consultation, "Groupe en attente",
                                status=OrganisationStatus.PENDING)
    return {
        "later": make_event(org_a, "Plus tard", days=20, region=montreal, themes=[governance]),
        "soon": make_event(org_b, "Bientôt", days=2, region=estrie, themes=[practice, access],
                           capacity=3),
        "online": make_event(org_a, "En ligne", days=5, place="", themes=[access],
                             online_url="https://visio.example.org/x"),
        "cancelled": make_event(org_b, "Annulée", days=9, region=montreal, cancelled=True),
        "past": make_event(org_a, "Déjà passée", days=-10, region=montreal, attendance=31),
        "hidden": make_event(pending, "Organisme non approuvé", days=3),
    }


def titles(page: str, names) -> list[str]:
    found = [(page.find(f">{name}</a>"), name) for name in names if f">{name}</a>" in page]
    return [name for _position, name in sorted(found)]


ALL = ("Plus tard", "Bientôt", "En ligne", "Annulée", "Déjà passée", "Organisme non approuvé")


def test_the_agenda_lists_upcoming_events_soonest_first(client, events):
    page = client.get("/c/rencontres/events").get_data(as_text=True)
    assert titles(page, ALL) == ["Bientôt", "En ligne", "Annulée", "Plus tard"]
    assert "3 seats left" in page and "Online" in page and "Cancelled" in page
    assert "Maison des familles" in page


def test_local_time_is_shown(client, consultation, org_a, make_event):
    event = make_event(org_a, "Heure locale")
    event.starts_at = event.starts_at.replace(year=2031, month=1, day=15, hour=23, minute=30)
    event.ends_at = event.starts_at + timedelta(hours=1)
    db.session.commit()
    page = client.get(event_path(event)).get_data(as_text=True)
    assert "January 15, 2031, 6:30\u202fPM</time>" in page and "7:30" in page


def test_past_events_are_listed_apart(client, events):
    page = client.get("/c/rencontres/events?past=1").get_data(as_text=True)
    assert titles(page, ALL) == ["Déjà passée"]
    shown = client.get(event_path(events["past"])).get_data(as_text=True)
    assert "31 people came." in shown and "0 testimonies were gathered at this event." in shown


@pytest.mark.parametrize("query, expected, past", [
    ("region={montreal}", ["Annulée", "Plus tard"], ["Déjà passée"]),
    ("region={estrie}", ["Bientôt"], []),
    ("theme={access}", ["Bientôt", "En ligne"], []),
    ("theme={access}&region={estrie}", ["Bientôt"], []),
])
def test_the_agenda_and_its_feed_filter_by_region_and_theme(client, consultation, events, query,
                                                            expected, past):
    ids = {"montreal": consultation.regions[0].id, "estrie": consultation.regions[1].id,
           "access": consultation.themes[2].id}
    page = client.get("/c/rencontres/events?" + query.format(**ids)).get_data(as_text=True)
    assert titles(page, ALL) == expected
    feed_link = re.search(r'href="([^"]*events\.ics[^"]*)"', page).group(1).replace("&amp;", "&")
    feed = icalendar.Calendar.from_ical(client.get(feed_link).data)
    # The feed keeps the events that are over, so that calendars do not lose them.
    assert sorted(str(e["SUMMARY"]) for e in feed.walk("VEVENT")) == sorted(expected + past)


@pytest.mark.parametrize("value", ["abc", "-1", "99999999999", "²"])
def test_an_unknown_filter_is_left_out_with_a_message(client, consultation, events, value):
    other_consultation_region = "999999"
    for query in (f"region={value}", f"theme={other_consultation_region}"):
        response = client.get(f"/c/rencontres/events?{query}")
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "it was left out of the filter" in page
        assert titles(page, ALL) == ["Bientôt", "En ligne", "Annulée", "Plus tard"]
        assert client.get(f"/c/rencontres/events.ics?{query}").status_code == 400


def test_events_of_unapproved_organisations_appear_nowhere(client, events):
    hidden = events["hidden"]
    assert "Organisme non approuvé" not in client.get("/c/rencontres/events").get_data(
        as_text=True)
    assert "Organisme non approuvé" not in client.get(
        "/c/rencontres/events?past=1").get_data(as_text=True)
    assert "Organisme non approuvé" not in client.get("/c/rencontres/events.ics").get_data(
        as_text=True)
    assert client.get(event_path(hidden)).status_code == 404


def test_an_event_of_another_consultation_is_404(client, make_consultation, events):
    make_consultation("autre")
    assert client.get(f"/c/autre/events/{events['soon'].id}").status_code == 404


def test_the_feed_parses_and_says_each_event_in_utc(client, events):
    response = client.get("/c/rencontres/events.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    raw = response.data
    assert all(line.endswith(b"\r") for line in raw.split(b"\n")[:-1])
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    calendar = icalendar.Calendar.from_ical(raw)
    vevents = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert set(vevents) == {"Plus tard", "Bientôt", "En ligne", "Annulée", "Déjà passée"}
    soon = events["soon"]
    vevent = vevents["Bientôt"]
    assert vevent.decoded("DTSTART").utcoffset() == timedelta(0)
    assert vevent.decoded("DTSTART").replace(tzinfo=None) == soon.starts_at
    assert vevent.decoded("DTEND").replace(tzinfo=None) == soon.ends_at
    assert str(vevent["UID"]) == f"event-{soon.id}@localhost"
    assert str(vevent["URL"]) == f"http://localhost{event_path(soon)}"
    assert str(vevent["LOCATION"]) == "Sous-sol de l'église"
    assert str(vevents["En ligne"]["LOCATION"]) == "Online"
    assert "DTSTAMP" in vevent
    assert str(vevents["Annulée"]["STATUS"]) == "CANCELLED"
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert "visio.example.org" not in raw.decode()  # the link is for the people seated


def test_the_uid_stays_the_same_across_fetches_and_edits(client, events):
    first = client.get("/c/rencontres/events.ics").data
    events["soon"].title = "Bientôt, nouveau titre"
    db.session.commit()
    second = client.get("/c/rencontres/events.ics").data
    uids = [sorted(str(e["UID"]) for e in icalendar.Calendar.from_ical(raw).walk("VEVENT"))
            for raw in (first, second)]
    assert uids[0] == uids[1]


def test_awkward_text_survives_the_round_trip(client, org_a, make_event):
    title = "Parole, écoute; et après?\nDeuxième ligne \\ fin 🎉" + " très longue" * 10
    make_event(org_a, title, place="Salle 2, étage 3; entrée B",
               description="Première ligne\r\nSeconde, avec 🧡")
    raw = client.get("/c/rencontres/events.ics").data
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    raw.decode("utf-8")  # no character cut in two by the folding
    [vevent] = icalendar.Calendar.from_ical(raw).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == title
    assert str(vevent["LOCATION"]) == "Salle 2, étage 3; entrée B"
    assert str(vevent["DESCRIPTION"]).startswith("Première ligne\nSeconde, avec 🧡")


def test_a_draft_consultation_has_no_public_agenda(client, make_consultation):
    make_consultation("brouillon", phase="draft")
    assert client.get("/c/brouillon/events").status_code == 404
    assert client.get("/c/brouillon/events.ics").status_code == 404


def test_an_upcoming_event_stays_listed_while_under_way(client, org_a, make_event):
    event = make_event(org_a, "En cours", days=0)
    event.starts_at = utcnow() - timedelta(minutes=30)
    db.session.commit()
    page = client.get("/c/rencontres/events").get_data(as_text=True)
    assert "En cours" in page
    assert "registrations are closed" in client.get(event_path(event)).get_data(as_text=True)
