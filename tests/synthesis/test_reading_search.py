"""The reading room's search: an index of the texts as written, for staff only, apart
from the public index; its pages both ways; counts that stop at a cap."""
import html
import re

import pytest

from consult.exports.services import Kind, dataset
from consult.extensions import db
from consult.models import Role, Status, Visibility
from consult.moderation import services as moderation
from consult.synthesis import services, views
from tests.conftest import log_in
from tests.synthesis.test_shared_reading import counts, listed

#: Words that appear nowhere else in the fixtures.
CONFIDENTIAL_WORD = "Tadoussac"
PENDING_WORD = "Chibougamau"
MASKED_WORD = "Matagami"


@pytest.fixture
def room(make_consultation, make_user, make_testimony):
    """A consultation with a commissioner and testimonies whose words only staff may
    find: one confidential, one awaiting moderation, one whose word is masked."""
    consultation = make_consultation("bureau")
    lead = make_user("lead@example.org", "Cheffe", roles=((consultation, Role.COMMISSIONER),))
    confidential = make_testimony(
        consultation, f"Le traversier de {CONFIDENTIAL_WORD} ne passe plus l'hiver.",
        visibility=Visibility.CONFIDENTIAL)[0]
    pending = make_testimony(consultation, f"Le bureau de {PENDING_WORD} a fermé ses portes.",
                             status=Status.PENDING)[0]
    masked = make_testimony(consultation, f"Ma voisine de {MASKED_WORD} attend depuis un an.")[0]
    start = masked.body.index(MASKED_WORD)
    moderation.redact(masked, lead, masked.version,
                      body_spans=[(start, start + len(MASKED_WORD), "[lieu]")])
    db.session.commit()
    others = [make_testimony(consultation, f"Témoignage ordinaire numéro {n} sur l'attente.")[0]
              for n in range(6)]
    return consultation, lead, confidential, pending, masked, others


def test_staff_find_what_the_public_never_can(client, make_client, room):
    consultation, lead, confidential, pending, masked, _others = room
    log_in(client, lead.email)
    for word, testimony in ((CONFIDENTIAL_WORD, confidential), (PENDING_WORD, pending),
                            (MASKED_WORD, masked)):
        page = client.get(f"/c/bureau/reading?q={word}").get_data(as_text=True)
        assert listed(page) == [testimony.id]
        assert counts(page).startswith("1 testimony matches")
    public = make_client()
    for word in (CONFIDENTIAL_WORD, PENDING_WORD, MASKED_WORD):
        public_page = public.get(f"/c/bureau/testimonies?q={word}").get_data(as_text=True)
        assert not any(t.body[:20] in public_page for t in (confidential, pending, masked))
        assert not re.search(r'href="/c/bureau/testimonies/\d+"', public_page)
        api = public.get(f"/api/v1/consultations/bureau/testimonies?q={word}").get_json()
        assert api["items"] == []
        export = dataset("testimonies", consultation, Kind.PUBLIC, {"q": word})
        assert list(export.rows) == []
    # The masked testimony is public: its public text is found, the masked word is not.
    assert [row[0] for row in dataset("testimonies", consultation, Kind.PUBLIC,
                                      {"q": "voisine"}).rows] == [masked.id]


def test_the_staff_index_follows_the_text_as_written(client, room):
    consultation, lead, confidential, _pending, _masked, _others = room
    log_in(client, lead.email)
    confidential.body = "Le quai de Natashquan attend ses réparations."
    db.session.commit()
    assert listed(client.get("/c/bureau/reading?q=Natashquan").get_data(as_text=True)) == [
        confidential.id]
    assert listed(client.get(f"/c/bureau/reading?q={CONFIDENTIAL_WORD}").get_data(
        as_text=True)) == []
    db.session.delete(confidential)
    db.session.commit()
    assert listed(client.get("/c/bureau/reading?q=Natashquan").get_data(as_text=True)) == []


def test_a_search_pages_both_ways_and_reads_from_one_match_to_the_next(
        client, room, monkeypatch):
    _consultation, lead, _confidential, _pending, _masked, others = room
    monkeypatch.setattr(views, "PAGE", 4)
    log_in(client, lead.email)
    first = client.get("/c/bureau/reading?q=ordinaire").get_data(as_text=True)
    ids = [t.id for t in others]
    assert listed(first) == ids[:4]
    following = html.unescape(re.search(r'<a rel="next" href="([^"]+)"', first).group(1))
    second = client.get(following).get_data(as_text=True)
    assert listed(second) == ids[4:] and 'rel="next"' not in second
    back = html.unescape(re.search(r'<a rel="prev" href="([^"]+)"', second).group(1))
    assert listed(client.get(back).get_data(as_text=True)) == ids[:4]
    reading = client.get(f"/c/bureau/reading/{ids[1]}?q=ordinaire").get_data(as_text=True)
    assert f'href="/c/bureau/reading/{ids[0]}?q=ordinaire"' in reading
    assert f'href="/c/bureau/reading/{ids[2]}?q=ordinaire"' in reading


def test_counts_stop_at_the_cap(client, room, monkeypatch):
    _consultation, lead, _confidential, _pending, _masked, others = room
    monkeypatch.setattr(services, "COUNT_CAP", 5)
    log_in(client, lead.email)
    for testimony in others[:6]:
        services.mark_read(lead, testimony)
    page = client.get("/c/bureau/reading").get_data(as_text=True)
    assert counts(page) == ("More than 5 testimonies match · read by me: more than 5 · "
                            "read by someone: more than 5")
    searched = client.get("/c/bureau/reading?q=ordinaire&view=unread").get_data(as_text=True)
    assert counts(searched) == "0 testimonies match · read by me: 0 · read by someone: 0"
    assert counts(client.get("/c/bureau/reading?q=traversier").get_data(as_text=True)) == (
        "1 testimony matches · read by me: 0 · read by someone: 0")
