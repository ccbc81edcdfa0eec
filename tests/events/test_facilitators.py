"""What an organisation's facilitators do with their events: schedule, change, cancel,
see who registered, and report once the event has begun. Another organisation's
facilitator gets a 404 on every one of those pages."""
import io
from pathlib import Path

import pytest

from consult.extensions import db
from consult.models import AuditEntry, Channel, LocalEvent, Registration, Role, Status
from tests.conftest import log_in, post_form
from tests.events.conftest import FACILITATOR_A, FACILITATOR_B, event_path, manage_path
from tests.files import PDF



def event_form(consultation, **changes) -> dict:
    data = {"title": "Cuisine collective et parole", "description": "Un repas, puis on jase.",
            "day": "2030-03-04", "starts": "18:00", "ends": "20:30",
            "place": "123, rue Principale, Rimouski", "online_url": "",
            "region": str(consultation.regions[1].id), "themes": [str(consultation.themes[2].id)],
            "capacity": "12"}
    data.update(changes)
    return data


def audit_actions(event_id: int) -> list[str]:
    return db.session.execute(db.select(AuditEntry.action).filter_by(
        object_type="local_event", object_id=event_id).order_by(AuditEntry.id)).scalars().all()


@pytest.fixture
def facilitator(client, org_a):
    log_in(client, FACILITATOR_A)
    return client


def test_a_facilitator_schedules_an_event_in_local_time(facilitator, consultation, org_a):
    response = post_form(facilitator, manage_path(org_a, "/new"), event_form(consultation))
    assert response.status_code == 302
    event = db.session.execute(db.select(LocalEvent)).scalar_one()
    assert (event.starts_at.isoformat(), event.ends_at.isoformat()) == (
        "2030-03-04T23:00:00", "2030-03-05T01:30:00")  # Montréal is UTC-5 in March
    assert (event.organisation, event.capacity, event.themes) == (org_a, 12, [
        consultation.themes[2]])
    assert event.region == consultation.regions[1]
    page = facilitator.get(manage_path(org_a)).get_data(as_text=True)
    assert "Cuisine collective et parole" in page
    assert audit_actions(event.id) == ["events.created"]


@pytest.mark.parametrize("changes, message", [
    ({"ends": "17:00"}, "The end must come after the start."),
    ({"place": "", "online_url": ""}, "Give the place, or the link of an online event."),
    ({"place": "", "online_url": "http://visio.example.org/salle"},
     "Give an address that starts with https://."),
    ({"capacity": "0"}, "Number must be between 1 and 100000."),
    ({"title": ""}, "This field is required."),
])
def test_a_refused_event_form_comes_back_with_what_was_typed(facilitator, consultation, org_a,
                                                            changes, message):
    page = post_form(facilitator, manage_path(org_a, "/new"),
                     event_form(consultation, **changes)).get_data(as_text=True)
    assert message in page
    assert "Un repas, puis on jase." in page
    assert db.session.query(LocalEvent).count() == 0


def test_an_online_event_needs_an_https_link_only(facilitator, consultation, org_a):
    post_form(facilitator, manage_path(org_a, "/new"), event_form(
        consultation, place="", online_url="https://visio.example.org/salle", capacity=""))
    event = db.session.execute(db.select(LocalEvent)).scalar_one()
    assert (event.is_online, event.online_url, event.capacity) == (
        True, "https://visio.example.org/salle", None)


def test_edit_and_the_capacity_cannot_fall_below_the_seats_taken(
        facilitator, make_user, consultation, org_a, make_event):
    event = make_event(org_a, capacity=5)
    for index in range(3):
        db.session.add(Registration(event=event, user=make_user(f"p{index}@example.org", "P")))
    db.session.commit()
    path = manage_path(event, "/edit")
    page = facilitator.get(path).get_data(as_text=True)
    assert 'value="Soirée d&#39;échange"' in page
    page = post_form(facilitator, path, event_form(consultation, capacity="2")).get_data(
        as_text=True)
    assert "3 people already hold a seat: the capacity cannot be lower than that." in page
    assert 'value="Cuisine collective et parole"' in page  # what was typed
    db.session.expire_all()
    assert (event.title, event.capacity) == ("Soirée d'échange", 5)
    assert post_form(facilitator, path, event_form(consultation, capacity="3")).status_code == 302
    db.session.expire_all()
    assert (event.title, event.capacity) == ("Cuisine collective et parole", 3)
    assert audit_actions(event.id) == ["events.edited"]


def test_a_larger_capacity_gives_seats_to_people_waiting(
        facilitator, make_user, consultation, org_a, make_event, mailbox):
    event = make_event(org_a, capacity=1)
    for email in ("assis@example.org", "attend@example.org"):
        db.session.add(Registration(event=event, user=make_user(email, "P")))
        db.session.commit()
    post_form(facilitator, manage_path(event, "/edit"), event_form(consultation, capacity="2"))
    assert len(mailbox.to("attend@example.org")) == 1
    assert mailbox.to("assis@example.org") == []


def test_cancelling_needs_confirmation_and_tells_the_people_registered(
        facilitator, make_user, consultation, org_a, make_event, mailbox):
    event = make_event(org_a, "Atelier annulé", capacity=1)
    for email in ("assis@example.org", "attend@example.org"):
        db.session.add(Registration(event=event, user=make_user(email, "P")))
        db.session.commit()
    path = manage_path(event, "/cancel")
    page = post_form(facilitator, path, {}, form_page=manage_path(event, "/edit")).get_data(
        as_text=True)
    assert "Tick the box to confirm the cancellation." in page
    assert event.cancelled_at is None
    response = post_form(facilitator, path, {"confirm": "y"},
                         form_page=manage_path(event, "/edit"))
    assert response.status_code == 302
    db.session.expire_all()
    assert event.is_cancelled
    assert len(mailbox.to("assis@example.org")) == len(mailbox.to("attend@example.org")) == 1
    assert "Atelier annulé" in mailbox.to("attend@example.org")[0].get_payload(decode=True).decode()
    assert audit_actions(event.id) == ["events.cancelled"]
    public = facilitator.get(event_path(event)).get_data(as_text=True)
    assert "This event is cancelled." in public and "Cancel my registration" not in public


def test_the_registrations_page_shows_names_and_standing_never_addresses(
        facilitator, make_user, org_a, make_event):
    event = make_event(org_a, capacity=1)
    for email, name in (("assise@example.org", "Ginette"), ("attente@example.org", "Rosaire")):
        db.session.add(Registration(event=event, user=make_user(email, name)))
        db.session.commit()
    page = facilitator.get(manage_path(event, "/registrations")).get_data(as_text=True)
    assert "Ginette" in page and "Rosaire" in page
    assert "Waiting list, number 1" in page
    assert "@example.org" not in page


def test_another_organisations_facilitator_gets_404(client, consultation, org_a, org_b,
                                                     make_event):
    event = make_event(org_a)
    log_in(client, FACILITATOR_B)
    for tail in ("/edit", "/registrations", "/report"):
        assert client.get(manage_path(event, tail)).status_code == 404
    # Through their own organisation's address, A's event is not theirs either.
    own = f"/c/{consultation.slug}/organisations/{org_b.id}/events/{event.id}"
    for tail in ("/edit", "/registrations", "/report"):
        assert client.get(own + tail).status_code == 404
    for path in (own + "/edit", manage_path(event, "/edit")):
        assert post_form(client, path, event_form(consultation, title="Volé"),
                         form_page=f"/c/{consultation.slug}/events").status_code == 404
    for path in (own + "/cancel", manage_path(event, "/cancel")):
        assert post_form(client, path, {"confirm": "y"},
                         form_page=f"/c/{consultation.slug}/events").status_code == 404
    # The public pages change nothing either.
    assert client.post(event_path(event, "/edit"), data={"title": "Volé"}).status_code in (
        404, 405)
    db.session.expire_all()
    assert (event.title, event.cancelled_at) == ("Soirée d'échange", None)


def report(client, event, data, file=None):
    payload = {"attendance": "23", "report": "On a parlé des listes d'attente.", **data}
    if file is not None:
        payload["report_file"] = (io.BytesIO(file[1]), file[0])
    return post_form(client, manage_path(event, "/report"), payload,
                     content_type="multipart/form-data")


def test_the_report_is_refused_before_the_event(facilitator, org_a, make_event, app):
    event = make_event(org_a)
    page = report(facilitator, event, {}, ("compte-rendu.pdf", PDF)).get_data(as_text=True)
    assert "The report can be written once the event has begun." in page
    db.session.expire_all()
    assert (event.attendance, event.report_file_stored) == (None, None)
    assert list(Path(app.config["UPLOAD_DIR"]).iterdir()) == []


def test_the_report_and_its_file_are_read_by_the_organisation_and_the_staff_only(
        app, facilitator, make_client, make_user, consultation, org_a, make_event,
        make_testimony):
    event = make_event(org_a, days=-1)
    gathered, _token = make_testimony(consultation, "Témoignage recueilli, canari-rencontre.",
                                      status=Status.PENDING, channel=Channel.PAPER, event=event,
                                      organisation=org_a)
    assert report(facilitator, event, {}, ("compte-rendu.pdf", PDF)).status_code == 302
    db.session.expire_all()
    assert (event.attendance, event.report_file_name) == (23, "compte-rendu.pdf")
    page = facilitator.get(manage_path(event, "/report")).get_data(as_text=True)
    assert f"<th scope=\"row\">{gathered.id}</th>" in page and "Paper form" in page
    assert "canari-rencontre" not in page
    assert audit_actions(event.id) == ["events.report_saved"]

    file_path = event_path(event, "/report-file")
    assert facilitator.get(file_path).data == PDF
    commissioner = make_client()
    make_user("com@example.org", "Commissaire", roles=((consultation, Role.COMMISSIONER),))
    log_in(commissioner, "com@example.org")
    assert commissioner.get(file_path).data == PDF
    assert "On a parlé des listes d" in commissioner.get(event_path(event)).get_data(as_text=True)
    participant = make_client()
    make_user("p@example.org", "P")
    log_in(participant, "p@example.org")
    anonymous = make_client()
    assert participant.get(file_path).status_code == 404
    assert anonymous.get(file_path).status_code in (302, 404)  # asked to log in
    for reader in (participant, anonymous):
        public = reader.get(event_path(event)).get_data(as_text=True)
        assert "On a parlé des listes d" not in public
        assert "23 people came." in public
        assert "1 testimony was gathered at this event." in public


def test_a_new_file_replaces_the_old_one(app, facilitator, org_a, make_event):
    event = make_event(org_a, days=-1)
    report(facilitator, event, {}, ("premier.pdf", PDF))
    db.session.expire_all()
    first = event.report_file_stored
    report(facilitator, event, {}, ("second.pdf", PDF + b"%2"))
    db.session.expire_all()
    uploads = {path.name for path in Path(app.config["UPLOAD_DIR"]).iterdir()}
    assert event.report_file_name == "second.pdf"
    assert uploads == {event.report_file_stored} and first not in uploads
    report(facilitator, event, {"remove_file": "y"})
    db.session.expire_all()
    assert event.report_file_stored is None
    assert list(Path(app.config["UPLOAD_DIR"]).iterdir()) == []


def test_a_refused_file_keeps_the_text_typed(facilitator, org_a, make_event):
    event = make_event(org_a, days=-1)
    page = report(facilitator, event, {"report": "Mon texte à garder."},
                  ("programme.exe", b"MZ\x90\x00" + b"\x00" * 50)).get_data(as_text=True)
    assert "is not a PDF, ODT, DOCX, PNG or JPEG file." in page
    assert "Mon texte à garder." in page
    assert "choose it again" in page
