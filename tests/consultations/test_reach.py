"""The reach figures: testimonies by channel, region, category, organisation and event,
with the regions and categories not reached yet."""
from datetime import timedelta

from consult.consultations.reach import reach
from consult.extensions import db
from consult.models import (
    Channel,
    LocalEvent,
    Registration,
    Role,
    Status,
    utcnow,
)
from tests.conftest import log_in


def test_reach_counts_every_channel_region_organisation_and_event(
        client, make_consultation, make_user, make_testimony, make_organisation):
    consultation = make_consultation("portee", regions=("Gaspésie", "Nord-du-Québec", "Estrie"))
    gaspesie, nord, estrie = consultation.regions
    facilitator = make_user("fac@example.org")
    organisation = make_organisation(consultation, "Carrefour", owner=facilitator,
                                     region=gaspesie)
    start = utcnow() - timedelta(days=2)
    event = LocalEvent(consultation=consultation, organisation=organisation, title="Soirée",
                       starts_at=start, ends_at=start + timedelta(hours=2), capacity=2,
                       attendance=14, region=gaspesie)
    db.session.add_all([event] + [
        Registration(event=event, user=make_user(f"p{n}@example.org")) for n in range(3)])
    db.session.commit()
    for _ in range(3):
        make_testimony(consultation, "Sur papier.", region=gaspesie, channel=Channel.PAPER,
                       status=Status.PENDING, organisation=organisation, event=event,
                       entered_by=facilitator)
    make_testimony(consultation, "Mémoire.", region=gaspesie, organisation=organisation,
                   is_brief=True)
    make_testimony(consultation, "En ligne.", region=estrie)
    make_testimony(consultation, "Sans région.")
    make_testimony(consultation, "Retiré.", region=nord, status=Status.WITHDRAWN)

    figures = reach(consultation)
    assert figures.total == 6
    rows = {row.name: row for row in figures.by_region}
    assert rows["Gaspésie"].counts == {Channel.PAPER: 3, Channel.ONLINE: 1}
    assert rows["Estrie"].total == 1 and rows[None].total == 1
    assert figures.unreached_regions == ["Nord-du-Québec"]
    assert figures.by_channel.counts == {Channel.PAPER: 3, Channel.ONLINE: 3}
    (carrefour,) = figures.organisations
    assert (carrefour.gathered, carrefour.briefs, carrefour.events, carrefour.attendance) == (
        3, 1, 1, 14)
    (soiree,) = figures.events
    assert (soiree.seats_taken, soiree.testimonies) == (2, 3)

    make_user("mod@example.org", roles=((consultation, Role.MODERATOR),))
    log_in(client, "mod@example.org")
    page = client.get("/c/portee/reach").get_data(as_text=True)
    assert "Nord-du-Québec" in page and "not reached" in page and "Carrefour" in page


def test_reach_is_for_the_consultations_moderators_and_commissioners(
        make_client, make_consultation, make_user):
    consultation = make_consultation("portee")
    make_user("participant@example.org")
    make_user("fac@example.org", roles=((consultation, Role.FACILITATOR),))
    for email in ("participant@example.org", "fac@example.org"):
        client = make_client()
        log_in(client, email)
        assert client.get("/c/portee/reach").status_code == 404
