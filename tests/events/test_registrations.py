"""Registering for an event: seats first, then a waiting list whose order is derived
from when people queued; a cancelled seat goes to the next person, who is told."""
import threading


from consult.extensions import db
from consult.models import Registration
from tests.conftest import csrf_token, log_in, post_form
from tests.events.conftest import event_path


def register(client, event, **kwargs):
    return post_form(client, event_path(event, "/register"), form_page=event_path(event),
                     **kwargs)


def cancel(client, event, **kwargs):
    return post_form(client, event_path(event, "/cancel-registration"),
                     form_page=event_path(event), **kwargs)


def person(make_client, make_user, email, name, locale=None):
    user = make_user(email, name)
    if locale:
        user.locale = locale
        db.session.commit()
    client = make_client()
    log_in(client, email)
    return client


def test_capacity_two_seats_two_and_the_third_waits(make_client, make_user, org_a, make_event):
    event = make_event(org_a, capacity=2)
    people = [person(make_client, make_user, f"p{i}@example.org", f"Personne {i}")
              for i in range(3)]
    for client in people:
        assert register(client, event).status_code == 302
    assert "You have a seat." in people[0].get(event_path(event)).get_data(as_text=True)
    assert "You have a seat." in people[1].get(event_path(event)).get_data(as_text=True)
    page = register(people[2], event, follow_redirects=True).get_data(as_text=True)
    assert "You are number 1 on the waiting list." in page
    assert "Full: waiting list (1 person waiting)" in page


def test_a_cancelled_seat_goes_to_the_first_waiting_who_is_told_in_their_language(
        make_client, make_user, org_a, make_event, mailbox):
    event = make_event(org_a, "Café-rencontre", capacity=2)
    first = person(make_client, make_user, "premiere@example.org", "Première")
    second = person(make_client, make_user, "deuxieme@example.org", "Deuxième")
    third = person(make_client, make_user, "troisieme@example.org", "Troisième", locale="fr")
    for client in (first, second, third):
        register(client, event)
    page = cancel(first, event, follow_redirects=True).get_data(as_text=True)
    assert "Your registration is cancelled." in page
    assert "Join the waiting list" in page  # the seats are taken again
    assert "Vous avez une place." in third.get(event_path(event)).get_data(as_text=True)
    [message] = mailbox.to("troisieme@example.org")
    assert message["Subject"] == "Vous avez une place"
    body = message.get_payload(decode=True).decode()
    assert "Café-rencontre" in body and event_path(event) in body
    assert mailbox.to("premiere@example.org"), "the person who cancelled gets a confirmation"
    assert mailbox.to("deuxieme@example.org") == []


def test_cancelling_a_place_on_the_waiting_list_promotes_nobody(
        make_client, make_user, org_a, make_event, mailbox):
    event = make_event(org_a, capacity=1)
    first = person(make_client, make_user, "a@example.org", "A")
    second = person(make_client, make_user, "b@example.org", "B")
    third = person(make_client, make_user, "c@example.org", "C")
    for client in (first, second, third):
        register(client, event)
    cancel(second, event)
    assert mailbox.to("c@example.org") == []
    assert "You are number 1 on the waiting list." in third.get(event_path(event)).get_data(
        as_text=True)


def test_registering_again_after_cancelling_goes_to_the_end(make_client, make_user, org_a,
                                                           make_event):
    event = make_event(org_a, capacity=1)
    first = person(make_client, make_user, "a@example.org", "A")
    second = person(make_client, make_user, "b@example.org", "B")
    register(first, event)
    register(second, event)
    cancel(first, event)
    page = register(first, event, follow_redirects=True).get_data(as_text=True)
    assert "You are number 1 on the waiting list." in page
    assert "You have a seat." in second.get(event_path(event)).get_data(as_text=True)
    assert db.session.query(Registration).count() == 2  # the old row came back to life


def test_a_double_click_makes_one_registration(client, make_user, org_a, make_event):
    event = make_event(org_a, capacity=5)
    make_user("p@example.org", "P")
    log_in(client, "p@example.org")
    token = csrf_token(client, event_path(event))
    for _ in range(2):
        client.post(event_path(event, "/register"), data={"csrf_token": token})
    assert db.session.query(Registration).count() == 1
    page = client.get(event_path(event)).get_data(as_text=True)
    assert "You have a seat." in page and "4 seats left" in page


def test_anonymous_people_are_asked_to_log_in(client, org_a, make_event):
    event = make_event(org_a)
    page = client.get(event_path(event)).get_data(as_text=True)
    assert "Log in to register" in page
    assert f"/account/login?next=/c/rencontres/events/{event.id}" in page
    response = client.post(event_path(event, "/register"),
                           data={"csrf_token": csrf_token(client, event_path(event))})
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert db.session.query(Registration).count() == 0


def test_registration_is_refused_when_cancelled_begun_or_closed(
        client, make_user, make_consultation, make_organisation, org_a, make_event):
    make_user("p@example.org", "P")
    log_in(client, "p@example.org")
    cancelled = make_event(org_a, cancelled=True)
    begun = make_event(org_a, days=-0.01)
    closed = make_consultation("fermee", phase="closed")
    in_closed = make_event(make_organisation(closed, "Groupe"))
    for event, message in ((cancelled, "This event is cancelled."),
                           (begun, "This event has already begun: registrations are closed."),
                           (in_closed, "This consultation is closed.")):
        page = register(client, event, follow_redirects=True).get_data(as_text=True)
        assert message in page
    assert db.session.query(Registration).count() == 0


def test_online_link_is_shown_to_seated_people_only(make_client, make_user, org_a, make_event):
    event = make_event(org_a, capacity=1, place="", online_url="https://visio.example.org/salle")
    first = person(make_client, make_user, "a@example.org", "A")
    second = person(make_client, make_user, "b@example.org", "B")
    register(first, event)
    register(second, event)
    assert "https://visio.example.org/salle" in first.get(event_path(event)).get_data(as_text=True)
    assert "https://visio.example.org/salle" not in second.get(event_path(event)).get_data(
        as_text=True)
    assert "https://visio.example.org/salle" not in make_client().get(event_path(event)).get_data(
        as_text=True)


def test_twenty_registrations_at_once_for_five_seats(app, make_user, org_a, make_event, figure):
    event = make_event(org_a, capacity=5)
    clients = []
    for index in range(20):
        make_user(f"foule{index}@example.org", f"Personne {index}")
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        log_in(client, f"foule{index}@example.org")
        clients.append((client, csrf_token(client, event_path(event))))
    barrier = threading.Barrier(len(clients))
    statuses = []

    def send(client, token):
        barrier.wait()
        statuses.append(client.post(event_path(event, "/register"),
                                    data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pages = [client.get(event_path(event)).get_data(as_text=True) for client, _token in clients]
    seated = sum("You have a seat." in page for page in pages)
    waiting = sorted(int(page.split("You are number ")[1].split(" ")[0])
                     for page in pages if "You are number " in page)
    figure(f"events: 20 simultaneous registrations for 5 seats, {seated} seated and "
           f"{len(waiting)} waiting ({db.engine.dialect.name})")
    assert statuses == [302] * 20
    assert seated == 5
    assert waiting == list(range(1, 16))


def test_registering_is_rate_limited(rate_limits, client, make_user, org_a, make_event):
    event = make_event(org_a)
    make_user("p@example.org", "P")
    log_in(client, "p@example.org")
    token = csrf_token(client, event_path(event))
    statuses = [client.post(event_path(event, "/register"), data={"csrf_token": token}).status_code
                for _ in range(31)]
    assert statuses == [302] * 30 + [429]  # 30 an hour


def test_my_registrations_lists_coming_events_with_a_seat_or_a_place_in_line(
        make_client, make_user, org_a, make_event):
    full = make_event(org_a, "Atelier complet", capacity=1, days=3)
    open_seats = make_event(org_a, "Soirée ouverte", days=5)
    past = make_event(org_a, "Déjà passée", days=-3)
    db.session.add(Registration(event=past, user=make_user("moi@example.org", "Moi")))
    db.session.commit()
    other = person(make_client, make_user, "autre@example.org", "Autre")
    register(other, full)
    me = make_client()
    log_in(me, "moi@example.org")
    for event in (full, open_seats):
        register(me, event)
    page = me.get("/my-events").get_data(as_text=True)
    assert page.index("Atelier complet") < page.index("Soirée ouverte")  # soonest first
    assert "You are number 1 on the waiting list." in page and "You have a seat." in page
    assert "Déjà passée" not in page
    cancel(me, open_seats)
    page = me.get("/my-events").get_data(as_text=True)
    assert "Soirée ouverte" not in page and "Atelier complet" in page
    theirs = other.get("/my-events").get_data(as_text=True)
    assert "Atelier complet" in theirs and "You have a seat." in theirs
    assert "Soirée ouverte" not in theirs and "waiting list" not in theirs
    assert make_client().get("/my-events").status_code == 302  # log in first
