"""Administrators create and edit consultations; nobody else reaches the /admin pages."""
import re
from datetime import datetime

import pytest

from consult.extensions import db
from consult.models import Consultation, Role
from tests.conftest import csrf_token, log_in, pass_second_factor, post_form

ADMIN = "admin@example.org"


@pytest.fixture
def admin(client, make_user):
    user = make_user(ADMIN, "Admin", admin=True)
    log_in(client, ADMIN)
    return user


def new_consultation_data(**changes) -> dict:
    data = {
        "slug": "etats-generaux-2030",
        "title": "États généraux 2030",
        "description": "Une consultation sur l'avenir.\n\nDeuxième paragraphe.",
        # Typed in the site's time zone (America/Montreal: UTC-5 in winter, UTC-4 in summer).
        "opens_at": "2030-01-15T09:00",
        "synthesis_at": "2030-03-01T09:00",
        "vote_at": "2030-06-01T09:30",
        "closes_at": "2030-07-01T17:00",
        "contact_retention_days": "180",
        "flag_threshold": "3",
        "themes": "Gouvernance\n  Pratiques  \n\nAccès aux services\ngouvernance\n",
        "categories": "Usager\nIntervenante",
        "regions": "Montréal\nEstrie\nLaval",
    }
    data.update(changes)
    return data


def consultations() -> list[Consultation]:
    db.session.expire_all()
    return list(db.session.execute(db.select(Consultation).order_by(Consultation.id)).scalars())


def test_an_admin_creates_a_consultation_with_its_lists(client, admin):
    response = post_form(client, "/admin/consultations/new", new_consultation_data(),
                         follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.request.path == "/admin/consultations/etats-generaux-2030/edit"
    assert "The consultation has been created." in page
    [consultation] = consultations()
    assert consultation.title == "États généraux 2030"
    assert consultation.description == "Une consultation sur l'avenir.\n\nDeuxième paragraphe."
    assert consultation.opens_at == datetime(2030, 1, 15, 14, 0)
    assert consultation.synthesis_at == datetime(2030, 3, 1, 14, 0)
    assert consultation.vote_at == datetime(2030, 6, 1, 13, 30)
    assert consultation.closes_at == datetime(2030, 7, 1, 21, 0)
    # One per line, trimmed, blank lines and repeats dropped, in the order typed.
    assert [t.name for t in consultation.themes] == ["Gouvernance", "Pratiques",
                                                     "Accès aux services"]
    assert [c.name for c in consultation.categories] == ["Usager", "Intervenante"]
    assert [r.name for r in consultation.regions] == ["Montréal", "Estrie", "Laval"]
    # It is listed for admins, as a draft until it opens.
    listing = client.get("/admin/consultations").get_data(as_text=True)
    assert "États généraux 2030" in listing and "Draft" in listing


def test_the_edit_page_shows_the_saved_values_in_local_time(client, admin):
    post_form(client, "/admin/consultations/new", new_consultation_data())
    page = client.get("/admin/consultations/etats-generaux-2030/edit").get_data(as_text=True)
    assert 'value="etats-generaux-2030"' in page
    assert 'value="États généraux 2030"' in page
    assert "Deuxième paragraphe." in page
    for typed in ("2030-01-15", "09:00", "2030-06-01", "09:30", "2030-07-01", "17:00"):
        assert typed in page


def test_an_admin_edits_a_consultation_and_unchanged_values_are_kept(
    client, admin, make_consultation
):
    consultation = make_consultation("eg", "open")
    before = {name: getattr(consultation, name)
              for name in ("opens_at", "synthesis_at", "vote_at", "closes_at")}
    page = client.get("/admin/consultations/eg/edit").get_data(as_text=True)
    # Send back the form as the page shows it, changing the title and the slug only.
    data = {name: value for name, value in
            re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page)}
    data.update(title="Nouveau titre", slug="eg-2030", description="Autre description.")
    response = post_form(client, "/admin/consultations/eg/edit", data, follow_redirects=True)
    assert response.request.path == "/admin/consultations/eg-2030/edit"
    assert "The consultation has been saved." in response.get_data(as_text=True)
    [saved] = consultations()
    assert (saved.slug, saved.title, saved.description) == (
        "eg-2030", "Nouveau titre", "Autre description.")
    for name, value in before.items():
        # The form shows seconds: the dates are kept to the second.
        assert getattr(saved, name) == value.replace(microsecond=0), name
    assert [t.name for t in saved.themes] == ["Gouvernance", "Pratiques", "Accès"]
    assert client.get("/c/eg").status_code == 404
    assert client.get("/c/eg-2030").status_code == 200


@pytest.mark.parametrize(
    "slug, message",
    [
        ("Mon slug", "Use lower-case letters, digits and single hyphens only."),
        ("eg_2030", "Use lower-case letters, digits and single hyphens only."),
        ("-eg", "Use lower-case letters, digits and single hyphens only."),
        ("eg-", "Use lower-case letters, digits and single hyphens only."),
        ("eg--2030", "Use lower-case letters, digits and single hyphens only."),
        ("états", "Use lower-case letters, digits and single hyphens only."),
        ("eg/2030", "Use lower-case letters, digits and single hyphens only."),
        ("x" * 61, "Field cannot be longer than 60 characters."),
        ("", "This field is required."),
        ("existing", "Another consultation already uses this short name."),
        ("EXISTING", "Another consultation already uses this short name."),
    ],
)
def test_a_bad_slug_is_refused_with_a_message_and_what_was_typed_is_kept(
    client, admin, make_consultation, slug, message
):
    make_consultation("existing")
    data = new_consultation_data(slug=slug)
    response = post_form(client, "/admin/consultations/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert 'value="États généraux 2030"' in page
    assert "Accès aux services" in page and "Intervenante" in page and "Laval" in page
    assert 'value="2030-06-01' in page
    if slug and len(slug) < 60:
        assert f'value="{slug}"' in page or f'value="{slug.lower()}"' in page
    assert [c.slug for c in consultations()] == ["existing"]


@pytest.mark.parametrize("kind", ["themes", "categories", "regions"])
def test_a_name_too_long_for_a_list_is_refused_not_cut(client, admin, kind):
    # Two long lines that differ only after the 150th character.
    long_names = "A" * 150 + " un\n" + "A" * 150 + " deux"
    response = post_form(client, "/admin/consultations/new",
                         new_consultation_data(**{kind: long_names}))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (f'<p class="error" id="{kind}-error">Field cannot be longer than 150 characters.</p>'
            in page)
    assert "A" * 150 + " deux" in page
    assert consultations() == []


def test_a_name_of_150_characters_is_accepted(client, admin):
    post_form(client, "/admin/consultations/new", new_consultation_data(themes="é" * 150))
    [consultation] = consultations()
    assert [t.name for t in consultation.themes] == ["é" * 150]


def test_a_slug_with_capitals_is_stored_in_lower_case(client, admin):
    post_form(client, "/admin/consultations/new", new_consultation_data(slug="EG-2030"))
    assert [c.slug for c in consultations()] == ["eg-2030"]


def test_editing_cannot_take_another_consultations_slug(client, admin, make_consultation):
    make_consultation("first")
    make_consultation("second")
    response = post_form(client, "/admin/consultations/second/edit",
                         new_consultation_data(slug="first", title="Changed"))
    page = response.get_data(as_text=True)
    assert "Another consultation already uses this short name." in page
    assert 'value="Changed"' in page
    assert [(c.slug, c.title) for c in consultations()] == [
        ("first", "Consultation first"), ("second", "Consultation second")]


def test_editing_may_keep_its_own_slug(client, admin, make_consultation):
    make_consultation("eg")
    response = post_form(client, "/admin/consultations/eg/edit",
                         new_consultation_data(slug="eg", title="Changed"),
                         follow_redirects=True)
    assert "The consultation has been saved." in response.get_data(as_text=True)
    assert consultations()[0].title == "Changed"


AFTER = "Each phase must start after the previous one."
EARLIER = "Schedule the earlier phases before this one."


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"synthesis_at": "2030-01-01T09:00"}, "synthesis_at", AFTER),
        ({"synthesis_at": "2030-01-15T09:00"}, "synthesis_at", AFTER),  # same moment
        ({"vote_at": "2030-03-01T08:59"}, "vote_at", AFTER),
        ({"closes_at": "2030-05-01T09:00"}, "closes_at", AFTER),
        ({"synthesis_at": ""}, "vote_at", EARLIER),
        ({"opens_at": ""}, "synthesis_at", EARLIER),
        ({"opens_at": "15/01/2030"}, "opens_at", "Not a valid datetime value."),
    ],
)
def test_phase_dates_out_of_order_are_refused_with_a_message_beside_the_wrong_date(
    client, admin, make_consultation, changes, field, message
):
    response = post_form(client, "/admin/consultations/new", new_consultation_data(**changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<p class="error" id="{field}-error">{message}</p>' in page
    assert page.count('class="error"') == 1
    assert 'value="etats-generaux-2030"' in page and "Accès aux services" in page
    assert consultations() == []

    consultation = make_consultation("eg", "open")
    before = (consultation.opens_at, consultation.synthesis_at, consultation.vote_at,
              consultation.closes_at)
    data = new_consultation_data(slug="eg", title="Changed", **changes)
    response = post_form(client, "/admin/consultations/eg/edit", data)
    assert message in response.get_data(as_text=True)
    [saved] = consultations()
    assert saved.title == "Consultation eg"
    assert (saved.opens_at, saved.synthesis_at, saved.vote_at, saved.closes_at) == before


def test_only_the_last_phases_may_be_left_unscheduled(client, admin):
    data = new_consultation_data(vote_at="", closes_at="")
    post_form(client, "/admin/consultations/new", data)
    [consultation] = consultations()
    assert consultation.vote_at is None and consultation.closes_at is None


def admin_urls(app, slug: str, item_id: int) -> list[tuple[str, str]]:
    """Every /admin address of the app, as (method, path)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        values = {"slug": slug, "kind": "themes", "item_id": item_id}
        path = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, path))
    return urls


@pytest.fixture
def everything(make_consultation):
    """A draft and an open consultation; the /admin addresses of the open one."""
    make_consultation("draft", "draft")
    return make_consultation("eg", "open")


def test_the_admin_urls_are_all_checked(app, everything):
    urls = admin_urls(app, "eg", everything.themes[0].id)
    assert len(urls) >= 7
    assert ("POST", f"/admin/consultations/eg/lists/themes/{everything.themes[0].id}") in urls


def test_an_admin_reaches_every_admin_page(client, app, admin, everything):
    for method, path in admin_urls(app, "eg", everything.themes[0].id):
        if method == "GET":
            assert client.get(path).status_code == 200, path
    assert client.get("/admin/consultations/draft/edit").status_code == 200


@pytest.mark.parametrize("role", [None, Role.MODERATOR, Role.COMMISSIONER, Role.FACILITATOR])
def test_non_admins_get_404_on_every_admin_url(client, app, make_user, everything, role):
    roles = ((everything, role),) if role else ()
    make_user("staff@example.org", roles=roles)
    log_in(client, "staff@example.org")
    token = csrf_token(client)
    for method, path in admin_urls(app, "eg", everything.themes[0].id):
        data = {"csrf_token": token, "action": "delete", "name": "x", "slug": "x", "title": "x"}
        response = client.open(path, method=method, data=data if method == "POST" else None)
        assert response.status_code == 404, (method, path)
    for path in ("/admin/consultations/draft/edit", "/admin/consultations/draft/lists/themes"):
        assert client.get(path).status_code == 404
    assert [t.name for t in everything.themes] == ["Gouvernance", "Pratiques", "Accès"]
    assert len(consultations()) == 2


def test_anonymous_visitors_are_sent_to_log_in_from_every_admin_url(client, app, everything):
    token = csrf_token(client)
    for method, path in admin_urls(app, "eg", everything.themes[0].id):
        data = {"csrf_token": token, "action": "delete", "name": "x"}
        response = client.open(path, method=method, data=data if method == "POST" else None)
        assert response.status_code == 302, (method, path)
        assert response.headers["Location"].startswith("/account/login?next="), (method, path)
    db.session.expire_all()
    assert [t.name for t in everything.themes] == ["Gouvernance", "Pratiques", "Accès"]


def test_an_admin_passes_the_second_factor_then_lands_on_the_admin_page(client, make_user):
    user = make_user(ADMIN, admin=True)
    login_page = client.get("/admin/consultations").headers["Location"]
    response = post_form(client, login_page, {"email": ADMIN, "password": "correct horse battery"})
    assert response.headers["Location"] == "/admin/consultations"
    second_factor = client.get("/admin/consultations")
    assert second_factor.status_code == 302
    assert second_factor.headers["Location"].startswith("/account/second-factor?next=")
    wrong = post_form(client, second_factor.headers["Location"], {"code": "000000"})
    assert "This code is not the right one." in wrong.get_data(as_text=True)
    assert client.get("/admin/consultations").status_code == 302
    passed = pass_second_factor(client, user, second_factor.headers["Location"])
    assert passed.headers["Location"] == "/admin/consultations"
    assert client.get("/admin/consultations").status_code == 200


def test_the_admin_list_shows_every_consultation_with_its_phase(
    client, admin, make_consultation
):
    for phase in ("draft", "open", "synthesis", "vote", "closed"):
        make_consultation(phase, phase)
    page = client.get("/admin/consultations").get_data(as_text=True)
    for label in ("Draft", "Open for testimonies", "Synthesis", "Vote", "Closed"):
        assert label in page
    for phase in ("draft", "open", "synthesis", "vote", "closed"):
        assert f"/admin/consultations/{phase}/edit" in page


def test_an_unknown_consultation_or_list_is_404_for_an_admin(client, admin, make_consultation):
    make_consultation("eg")
    assert client.get("/admin/consultations/nope/edit").status_code == 404
    assert client.get("/admin/consultations/eg/lists/colours").status_code == 404


def test_paragraphs_typed_in_the_form_are_paragraphs_on_the_public_page(client, admin):
    # Browsers send the lines of a text area separated by CR LF.
    data = new_consultation_data(description="Premier paragraphe.\r\n\r\nSecond paragraphe.",
                                 opens_at="2020-01-15T09:00")
    post_form(client, "/admin/consultations/new", data)
    page = client.get("/c/etats-generaux-2030").get_data(as_text=True)
    assert "<p>Premier paragraphe.</p>" in page
    assert "<p>Second paragraphe.</p>" in page
