"""The commissioners' reading room, the codebook and coding."""
import html
import re

import pytest

from consult.extensions import db
from consult.models import AuditEntry, Code, Excerpt, Reading, Role, Status, Visibility
from consult.synthesis import services
from consult.testimonies.services import refresh_public_copy
from tests.conftest import log_in, post_form


@pytest.fixture
def room(make_consultation, make_user, make_testimony):
    consultation = make_consultation("salle")
    make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),))
    make_user("mod@example.org", roles=((consultation, Role.MODERATOR),))
    secret, _ = make_testimony(consultation, "Un secret de famille.", title="Secret",
                               visibility=Visibility.CONFIDENTIAL, status=Status.PENDING,
                               category=consultation.categories[0])
    public, _ = make_testimony(consultation, "Le CLSC de mon quartier a fermé. Marie Roy m'aide.",
                               title="Public", category=consultation.categories[1],
                               region=consultation.regions[0])
    return consultation, secret, public


def test_commissioners_read_everything_and_each_confidential_opening_is_logged(
    client, room
):
    consultation, secret, public = room
    log_in(client, "com@example.org")
    page = client.get("/c/salle/reading").get_data(as_text=True)
    assert "Secret" in page and "Public" in page
    assert "Un secret de famille." in client.get(f"/c/salle/reading/{secret.id}").get_data(
        as_text=True)
    assert db.session.query(AuditEntry).filter_by(
        action="testimony.confidential_opened", object_id=secret.id).count() == 1
    filtered = client.get("/c/salle/reading?visibility=confidential").get_data(as_text=True)
    assert "Secret" in filtered and f"/reading/{public.id}\"" not in filtered


def test_the_reading_room_is_for_commissioners(app, room):
    moderator = app.test_client()
    log_in(moderator, "mod@example.org")
    for path in ("/c/salle/reading", f"/c/salle/reading/{room[1].id}", "/c/salle/codes"):
        assert moderator.get(path).status_code == 404, path


def test_coding_a_passage_and_counting_by_category(client, room):
    consultation, secret, public = room
    log_in(client, "com@example.org")
    post_form(client, "/c/salle/codes", {"name": "Fermetures", "description": "Services fermés",
                                         "parent": ""})
    parent = db.session.execute(db.select(Code)).scalar_one()
    post_form(client, "/c/salle/codes", {"name": "CLSC", "description": "", "parent": str(parent.id)})
    child = db.session.execute(db.select(Code).filter_by(name="CLSC")).scalar_one()
    response = post_form(client, f"/c/salle/reading/{public.id}/code",
                         {"code": str(child.id), "passage": "Le CLSC de mon quartier a fermé."},
                         form_page=f"/c/salle/reading/{public.id}", follow_redirects=True)
    assert "Coded." in response.get_data(as_text=True)
    post_form(client, f"/c/salle/reading/{secret.id}/code", {"code": str(child.id), "passage": ""},
              form_page=f"/c/salle/reading/{secret.id}")
    missing = post_form(client, f"/c/salle/reading/{public.id}/code",
                        {"code": str(child.id), "passage": "pas dans le texte"},
                        form_page=f"/c/salle/reading/{public.id}", follow_redirects=True)
    assert "This passage is not in the testimony" in missing.get_data(as_text=True)
    excerpt = db.session.execute(db.select(Excerpt).filter_by(testimony_id=public.id)).scalar_one()
    assert (excerpt.start, excerpt.end) == (0, len("Le CLSC de mon quartier a fermé."))
    counts = services.code_counts(child)
    assert sorted(counts["category"]) == sorted([(consultation.categories[0].name, 1),
                                                 (consultation.categories[1].name, 1)])
    page = client.get(f"/c/salle/codes/{child.id}").get_data(as_text=True)
    assert "Le CLSC de mon quartier a fermé." in page


def test_an_excerpt_later_masked_shows_masked_to_others(app, room, make_user):
    consultation, _secret, public = room
    code = services.add_code(consultation, "Aidants", "", None)
    author = make_user("c2@example.org", roles=((consultation, Role.COMMISSIONER),))
    excerpt = services.apply_code(code, public, author, "Marie Roy m'aide.")
    public.redacted_body = "Le CLSC de mon quartier a fermé. [nom] m'aide."
    refresh_public_copy(public)
    db.session.commit()
    assert services.excerpt_text(excerpt, may_read_original=True) == "Marie Roy m'aide."
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(services.excerpt_text(excerpt, may_read_original=False)) == "[passage masked]"


def test_mark_as_read_then_next(client, room):
    consultation, secret, public = room
    log_in(client, "com@example.org")
    response = post_form(client, f"/c/salle/reading/{secret.id}/read", {"next": str(public.id)},
                         form_page=f"/c/salle/reading/{secret.id}")
    assert response.headers["Location"].endswith(f"/c/salle/reading/{public.id}")
    assert db.session.query(Reading).count() == 1
    post_form(client, f"/c/salle/reading/{secret.id}/read", form_page=f"/c/salle/reading/{secret.id}")
    assert db.session.query(Reading).count() == 1


def mark_read_and_next(client, page: str):
    """Press "Mark as read and read the next one" on a reading page, as a browser would."""
    form = re.search(r'<form method="post" action="([^"]*/read(?:\?[^"]*)?)" class="actions">'
                     r'(.*?)</form>', page, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                             form.group(2)))
    response = client.post(html.unescape(form.group(1)), data=fields)
    assert response.status_code == 302
    return response.headers["Location"]


def test_mark_as_read_and_next_keeps_the_reading_rooms_filters(client, room, make_testimony):
    consultation, secret, _public = room
    wanted, other = consultation.categories[0], consultation.categories[1]
    second = make_testimony(consultation, "Deuxième de la catégorie.", category=wanted)[0]
    make_testimony(consultation, "Hors filtre.", category=other)
    third = make_testimony(consultation, "Troisième de la catégorie.", category=wanted)[0]
    log_in(client, "com@example.org")
    location = f"/c/salle/reading/{secret.id}?category={wanted.id}"
    visited = []
    for _click in range(2):
        location = mark_read_and_next(client, client.get(location).get_data(as_text=True))
        visited.append(location)
    assert visited[0].endswith(f"/c/salle/reading/{second.id}?category={wanted.id}")
    assert visited[1].endswith(f"/c/salle/reading/{third.id}?category={wanted.id}")
    last = client.get(visited[1]).get_data(as_text=True)
    assert "Mark as read and read the next one" not in last
    assert mark_read_and_next(client, last).endswith(f"/c/salle/reading?category={wanted.id}")


def test_a_selected_occurrence_is_coded_where_it_was_selected_and_highlighted(
    client, room, make_testimony
):
    consultation, _secret, _public = room
    repeated, _ = make_testimony(consultation, "Attendre. Toujours attendre. Attendre encore.")
    code = services.add_code(consultation, "Attente", "", None)
    log_in(client, "com@example.org")
    second = repeated.body.index("attendre", 10)
    post_form(client, f"/c/salle/reading/{repeated.id}/code",
              {"code": str(code.id), "passage": "attendre", "start": str(second)},
              form_page=f"/c/salle/reading/{repeated.id}")
    post_form(client, f"/c/salle/reading/{repeated.id}/code",
              {"code": str(code.id), "passage": "Attendre", "start": "999"},
              form_page=f"/c/salle/reading/{repeated.id}")
    spans = sorted(db.session.execute(db.select(Excerpt.start, Excerpt.end).filter_by(
        testimony_id=repeated.id)).all())
    assert spans == [(0, 8), (second, second + 8)]
    page = client.get(f"/c/salle/reading/{repeated.id}").get_data(as_text=True)
    assert "<mark>Attendre</mark>. Toujours <mark>attendre</mark>. Attendre encore." in page



def test_near_identical_copies_are_listed_once_and_read_once(client, room, make_testimony):
    consultation, _secret, _public = room
    letter = ("Madame la ministre, nous demandons un CLSC ouvert le soir dans notre quartier "
              "pour les familles qui travaillent le jour.")
    first, _ = make_testimony(consultation, letter, title="Lettre")
    copies = [make_testimony(consultation, letter, title="Lettre")[0] for _ in range(2)]
    services.complete_analysis(services.start_analysis(consultation)[0].id)
    log_in(client, "com@example.org")
    page = client.get("/c/salle/reading").get_data(as_text=True)
    assert f"/reading/{first.id}\"" in page and "and 2 near-identical copies" in page
    assert all(f"/reading/{copy.id}\"" not in page for copy in copies)
    unfolded = client.get("/c/salle/reading?copies=shown").get_data(as_text=True)
    assert all(f"/reading/{copy.id}?copies=shown\"" in unfolded for copy in copies)
    assert "2 other testimonies say nearly the same thing" in client.get(
        f"/c/salle/reading/{first.id}").get_data(as_text=True)
    post_form(client, f"/c/salle/reading/{first.id}/read", form_page=f"/c/salle/reading/{first.id}")
    assert sorted(db.session.execute(db.select(Reading.testimony_id)).scalars()) == sorted(
        [first.id] + [copy.id for copy in copies])


def test_a_parent_code_gathers_the_excerpts_of_its_children(client, room, make_testimony):
    consultation, secret, public = room
    parent = services.add_code(consultation, "Services publics", "", None)
    clinics = services.add_code(consultation, "CLSC", "", parent)
    schools = services.add_code(consultation, "Écoles", "", parent)
    services.add_code(consultation, "Sans rapport", "", None)
    log_in(client, "com@example.org")
    for testimony, code, passage in ((public, clinics, "Le CLSC de mon quartier a fermé."),
                                     (public, schools, "Marie Roy m'aide."),
                                     (secret, schools, "")):
        post_form(client, f"/c/salle/reading/{testimony.id}/code",
                  {"code": str(code.id), "passage": passage},
                  form_page=f"/c/salle/reading/{testimony.id}")
    untagged, _ = make_testimony(consultation, "Rien de codé ici.", title="Non codé")
    page = client.get(f"/c/salle/codes/{parent.id}").get_data(as_text=True)
    assert "Le CLSC de mon quartier a fermé." in page and "Un secret de famille." in page
    assert "No excerpt yet." not in page and "</a> · Écoles</footer>" in page
    counts = services.code_counts(parent)
    assert sum(count for _name, count in counts["channel"]) == 2
    listed = client.get(f"/c/salle/reading?code={parent.id}").get_data(as_text=True)
    assert f"/reading/{public.id}?code={parent.id}\"" in listed
    assert f"/reading/{secret.id}?code={parent.id}\"" in listed
    assert f"/reading/{untagged.id}?" not in listed
    only_clinics = client.get(f"/c/salle/reading?code={clinics.id}").get_data(as_text=True)
    assert f"/reading/{secret.id}?" not in only_clinics
