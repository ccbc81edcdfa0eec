"""The moderation queue lists what waits for a decision, pending testimonies and
published ones that readers flagged, page after page, with counts that agree."""
import pytest

from consult.models import Status, Visibility
from consult.moderation import services as moderation
from tests.conftest import log_in


def every_page(consultation, *, may_read_confidential, size=2, **filters):
    """The ids listed, page after page, and the counts of the first page."""
    listed, after, first_counts = [], None, None
    while True:
        items, counts, after = moderation.queue(
            consultation, moderation.QueueFilters(**filters),
            may_read_confidential=may_read_confidential, after=after, size=size)
        listed += [t.id for t in items]
        first_counts = first_counts or counts
        if after is None:
            return listed, first_counts


def test_pending_and_flagged_testimonies_are_listed_in_order_and_counted_once(
        app, desk, make_testimony):
    consultation = desk["consultation"]
    flagged_once, _ = make_testimony(consultation, "Signalé une fois.")
    moderation.flag(flagged_once, "lecteur-1", "offensive", "")
    hidden, _ = make_testimony(consultation, "Caché par les signalements.")
    for reader in range(consultation.flag_threshold):
        moderation.flag(hidden, f"lecteur-{reader}", "spam", "")
    confidential_flagged, _ = make_testimony(consultation, "Confidentiel signalé.",
                                             visibility=Visibility.CONFIDENTIAL)
    moderation.flag(confidential_flagged, "lecteur-1", "other", "")
    decided, _ = make_testimony(consultation, "Signalé puis tranché.")
    moderation.flag(decided, "lecteur-1", "offensive", "")
    with app.test_request_context():
        moderation.publish(decided, None, decided.version)
    make_testimony(consultation, "Publié, personne ne le signale.")
    make_testimony(consultation, "Refusé.", status=Status.REJECTED)
    pending = [desk["pending"].id, desk["anonymous"].id]
    later = make_testimony(consultation, "En attente, arrivé après.", status=Status.PENDING)[0]

    listed, counts = every_page(consultation, may_read_confidential=True)
    assert listed == sorted([*pending, desk["confidential"].id, flagged_once.id, hidden.id,
                             confidential_flagged.id, later.id])
    assert counts == {"waiting": 7, "flagged": 3, "confidential_not_listed": 0}

    listed, counts = every_page(consultation, may_read_confidential=False)
    assert listed == sorted([*pending, flagged_once.id, hidden.id, later.id])
    assert counts == {"waiting": 5, "flagged": 2, "confidential_not_listed": 2}

    assert every_page(consultation, may_read_confidential=False, size=50,
                      flagged_only=True)[0] == [flagged_once.id, hidden.id]
    figures = moderation.figures(consultation)
    assert (figures.waiting, figures.confidential) == (7, 2)


def test_the_queue_page_shows_flagged_published_testimonies_with_their_flags(
        client, desk, make_testimony):
    consultation = desk["consultation"]
    flagged, _ = make_testimony(consultation, "Un texte signalé par une lectrice.")
    moderation.flag(flagged, "lectrice", "offensive", "")
    log_in(client, "mod@example.org")
    page = client.get("/c/desk/moderation").get_data(as_text=True)
    assert "Un texte signalé par une lectrice." in page and "1 flag" in page
    assert "3 testimonies waiting" in page and "1 flagged" in page


def test_decisions_per_day_are_counted_as_they_are_taken(app, desk, make_testimony):
    consultation = desk["consultation"]
    with app.test_request_context():
        moderation.publish(desk["pending"], None, desk["pending"].version)
        moderation.reject(desk["anonymous"], None, desk["anonymous"].version, None, "Hors sujet.")
        moderation.request_changes(desk["confidential"], None, desk["confidential"].version,
                                   "Précisez.")
        with pytest.raises(moderation.AlreadyDecided):  # refused: not counted
            moderation.publish(desk["pending"], None, desk["pending"].version - 1)
    make_testimony(consultation)  # published by the fixture: one more decision
    figures = moderation.figures(consultation)
    assert [count for _day, count in figures.decisions_per_day] == [4]
    assert figures.delays_over == 4 and figures.median_hours is not None
