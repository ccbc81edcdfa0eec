"""The admin pages for a consultation's themes, participant categories, regions and
reasons for not publishing."""
import re

import pytest

from consult.extensions import db
from consult.models import Consultation, RejectionReason, Status
from tests.conftest import log_in, post_form

KINDS = ["themes", "categories", "regions", "reasons"]

#: The consultation's attribute holding each list, where it differs from the list's address.
ATTRIBUTES = {"reasons": "rejection_reasons"}


def items(consultation, kind: str) -> list:
    return getattr(consultation, ATTRIBUTES.get(kind, kind))


@pytest.fixture
def consultation(client, make_user, make_consultation):
    make_user("admin@example.org", admin=True)
    log_in(client, "admin@example.org")
    consultation = make_consultation(
        "eg", themes=("Gouvernance", "Pratiques", "Accès"),
        categories=("Usager", "Intervenante", "Étudiante"),
        regions=("Montréal", "Estrie", "Laval"),
    )
    consultation.rejection_reasons = [
        RejectionReason(name=name, position=position)
        for position, name in enumerate(("Hors sujet", "Propos injurieux", "Publicité"))]
    db.session.commit()
    return consultation


def names(kind: str, slug: str = "eg") -> list[str]:
    db.session.expire_all()
    consultation = db.session.execute(db.select(Consultation).filter_by(slug=slug)).scalar_one()
    return [item.name for item in items(consultation, kind)]


def item_id(kind: str, name: str, slug: str = "eg") -> int:
    db.session.expire_all()
    consultation = db.session.execute(db.select(Consultation).filter_by(slug=slug)).scalar_one()
    return next(item.id for item in items(consultation, kind) if item.name == name)


def change(client, kind, name, action, new_name=None, slug="eg"):
    data = {"action": action}
    if new_name is not None:
        data["name"] = new_name
    path = f"/admin/consultations/{slug}/lists/{kind}/{item_id(kind, name, slug)}"
    return post_form(client, path, data, form_page=f"/admin/consultations/{slug}/lists/{kind}",
                     follow_redirects=True)


def add(client, kind, name):
    return post_form(client, f"/admin/consultations/eg/lists/{kind}", {"name": name},
                     follow_redirects=True)


def test_every_settings_tab_opens(client, consultation):
    page = client.get("/admin/consultations/eg/edit").get_data(as_text=True)
    tabs = page[page.index('<nav aria-label="Consultation settings">'):]
    links = re.findall(r'href="([^"]+)"', tabs[:tabs.index("</nav>")])
    assert {f"/admin/consultations/eg/lists/{kind}" for kind in KINDS} <= set(links)
    for link in links:
        assert client.get(link).status_code == 200, link


@pytest.mark.parametrize("kind", KINDS)
def test_the_list_page_shows_the_items_in_order(client, consultation, kind):
    page = client.get(f"/admin/consultations/eg/lists/{kind}").get_data(as_text=True)
    shown = [name for name in names(kind)]
    positions = [page.index(f'value="{name}"') for name in shown]
    assert positions == sorted(positions)


@pytest.mark.parametrize("kind", KINDS)
def test_add_an_item_at_the_end(client, consultation, kind):
    response = add(client, kind, "  Nouvel élément  ")
    assert "Added." in response.get_data(as_text=True)
    assert names(kind)[-1] == "Nouvel élément"
    assert len(names(kind)) == 4


@pytest.mark.parametrize("kind", KINDS)
def test_rename_an_item(client, consultation, kind):
    first = names(kind)[0]
    response = change(client, kind, first, "rename", "Nouveau nom")
    assert "Saved." in response.get_data(as_text=True)
    assert names(kind)[0] == "Nouveau nom"


def test_renaming_keeps_the_testimonies_that_use_it(client, consultation, make_testimony):
    testimony, _ = make_testimony(consultation, themes=[consultation.themes[0]])
    change(client, "themes", "Gouvernance", "rename", "Gouvernance et démocratie")
    db.session.expire_all()
    assert [t.name for t in testimony.themes] == ["Gouvernance et démocratie"]


def test_an_item_may_be_renamed_to_another_case_of_itself(client, consultation):
    change(client, "themes", "Accès", "rename", "ACCÈS")
    assert names("themes") == ["Gouvernance", "Pratiques", "ACCÈS"]


@pytest.mark.parametrize("kind", KINDS)
def test_move_items_up_and_down(client, consultation, kind):
    first, second, third = names(kind)
    change(client, kind, third, "up")
    assert names(kind) == [first, third, second]
    change(client, kind, first, "down")
    assert names(kind) == [third, first, second]
    # Past either end nothing moves.
    change(client, kind, third, "up")
    change(client, kind, second, "down")
    assert names(kind) == [third, first, second]
    public = client.get("/c/eg").get_data(as_text=True)
    if kind == "themes":
        assert public.index(third) < public.index(first) < public.index(second)


@pytest.mark.parametrize("kind", KINDS)
def test_delete_an_unused_item(client, consultation, kind):
    first, second, third = names(kind)
    response = change(client, kind, second, "delete")
    assert "Saved." in response.get_data(as_text=True)
    assert names(kind) == [first, third]


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.PENDING, Status.WITHDRAWN])
@pytest.mark.parametrize("kind", KINDS)
def test_an_item_used_by_a_testimony_cannot_be_deleted(
    client, consultation, make_testimony, kind, status
):
    used = items(consultation, kind)[1]
    testimony, _token = make_testimony(
        consultation, status=status,
        themes=[used] if kind == "themes" else [consultation.themes[0]],
        category=used if kind == "categories" else None,
        region=used if kind == "regions" else None,
    )
    if kind == "reasons":
        testimony.rejection_reason = used
        db.session.commit()
    before = names(kind)
    response = change(client, kind, used.name, "delete")
    page = response.get_data(as_text=True)
    assert f"“{used.name}” is used by 1 testimonies; rename it instead." in page
    assert "Saved." not in page
    assert names(kind) == before


def test_the_message_counts_the_testimonies_that_use_the_item(
    client, consultation, make_testimony
):
    for _ in range(3):
        make_testimony(consultation, themes=[consultation.themes[0]])
    response = change(client, "themes", "Gouvernance", "delete")
    assert ("“Gouvernance” is used by 3 testimonies; rename it instead."
            in response.get_data(as_text=True))
    assert names("themes") == ["Gouvernance", "Pratiques", "Accès"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("spelling", [str, str.lower, lambda name: f"  {name.upper()} "],
                         ids=["same", "lower", "upper-spaced"])
def test_adding_a_name_already_in_the_list_is_refused(client, consultation, kind, spelling):
    typed = spelling(names(kind)[1])
    response = add(client, kind, typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"“{typed.strip()}” is already in the list." in page
    assert f'value="{typed}"' in page
    assert len(names(kind)) == 3


@pytest.mark.parametrize("kind", KINDS)
def test_renaming_to_a_name_already_in_the_list_is_refused(client, consultation, kind):
    first, second, _third = names(kind)
    response = change(client, kind, first, "rename", second.upper())
    assert f"“{second.upper()}” is already in the list." in response.get_data(as_text=True)
    assert names(kind)[:2] == [first, second]


@pytest.mark.parametrize(
    "typed, message",
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 151, "Field cannot be longer than 150 characters."),
        ("Deux\nlignes", "Keep this on one line."),
    ],
)
def test_bad_names_are_refused_with_a_message(client, consultation, typed, message):
    response = add(client, "regions", typed)
    assert message in response.get_data(as_text=True)
    response = change(client, "regions", "Estrie", "rename", typed)
    assert message in response.get_data(as_text=True)
    assert names("regions") == ["Montréal", "Estrie", "Laval"]


def test_the_same_name_may_be_used_in_another_consultation(
    client, consultation, make_consultation
):
    make_consultation("other", themes=("Autre",))
    response = add(client, "themes", "Autre")
    assert "Added." in response.get_data(as_text=True)
    assert names("themes") == ["Gouvernance", "Pratiques", "Accès", "Autre"]


def test_an_item_of_another_consultation_cannot_be_changed_through_this_one(
    client, consultation, make_consultation
):
    make_consultation("other", themes=("Autre",))
    other_id = item_id("themes", "Autre", "other")
    for action in ("delete", "rename", "up", "down"):
        response = post_form(client, f"/admin/consultations/eg/lists/themes/{other_id}",
                             {"action": action, "name": "Pris"},
                             form_page="/admin/consultations/eg/lists/themes",
                             follow_redirects=True)
        assert "This item no longer exists." in response.get_data(as_text=True)
    assert names("themes", "other") == ["Autre"]
    assert names("themes") == ["Gouvernance", "Pratiques", "Accès"]


def test_an_unknown_action_is_refused(client, consultation):
    response = post_form(
        client, f"/admin/consultations/eg/lists/themes/{item_id('themes', 'Accès')}",
        {"action": "explode"}, form_page="/admin/consultations/eg/lists/themes")
    assert response.status_code == 400
    assert names("themes") == ["Gouvernance", "Pratiques", "Accès"]


def test_a_list_change_without_the_form_token_is_refused(client, consultation):
    response = client.post(
        f"/admin/consultations/eg/lists/themes/{item_id('themes', 'Accès')}",
        data={"action": "delete"})
    assert response.status_code == 400
    assert names("themes") == ["Gouvernance", "Pratiques", "Accès"]
