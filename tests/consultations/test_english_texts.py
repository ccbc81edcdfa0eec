"""A consultation's own texts (title, description, themes, categories, regions, reasons for
not publishing) in English beside French: entered by the admin, shown in English pages,
the API and exports, French where no English text was given."""
import csv
import io
import re

import pytest

from consult.extensions import db
from consult.models import Role, Status
from tests.conftest import log_in, post_form


@pytest.fixture
def admin(app, make_user, make_consultation):
    make_user("admin@example.org", "Admin", admin=True)
    consultation = make_consultation("bilingue", themes=("Logement", "Transport"),
                                     categories=("Aînée",), regions=("Estrie",))
    desk = app.test_client()
    log_in(desk, "admin@example.org")
    return desk, consultation


def english(app):
    reader = app.test_client()
    reader.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return reader


def give_english_texts(desk, consultation) -> None:
    page = desk.get("/admin/consultations/bilingue/edit").get_data(as_text=True)
    data = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page))
    data.update(description="Parlons du quotidien.", title_en="Everyday life",
                description_en="Let us talk about everyday life.")
    saved = post_form(desk, "/admin/consultations/bilingue/edit", data, follow_redirects=True)
    assert saved.status_code == 200
    theme = consultation.themes[0]
    post_form(desk, f"/admin/consultations/bilingue/lists/themes/{theme.id}",
              {"action": "rename", "name": "Logement", "name_en": "Housing"},
              form_page="/admin/consultations/bilingue/lists/themes")
    post_form(desk, "/admin/consultations/bilingue/lists/categories",
              {"name": "Proche aidante", "name_en": "Family carer"})
    post_form(desk, "/admin/consultations/bilingue/lists/reasons",
              {"name": "Hors sujet", "name_en": "Off topic"})
    db.session.expire_all()


def test_the_admin_forms_take_an_english_text_beside_the_french_one(app, admin):
    desk, consultation = admin
    give_english_texts(desk, consultation)
    assert (consultation.title_en, consultation.description_en) == (
        "Everyday life", "Let us talk about everyday life.")
    assert [(t.name, t.name_en) for t in consultation.themes] == [
        ("Logement", "Housing"), ("Transport", "")]
    assert consultation.categories[-1].name_en == "Family carer"
    form = desk.get("/admin/consultations/bilingue/lists/themes").get_data(as_text=True)
    assert 'name="name_en" value="Housing"' in form


def test_english_pages_show_the_english_texts_and_french_where_there_is_none(
        app, admin, make_testimony):
    desk, consultation = admin
    give_english_texts(desk, consultation)
    testimony, _ = make_testimony(consultation, "Les loyers montent.",
                                  themes=consultation.themes, category=consultation.categories[-1],
                                  region=consultation.regions[0])
    reader = english(app)
    home = reader.get("/c/bilingue").get_data(as_text=True)
    assert "Everyday life" in home and "Let us talk about everyday life." in home
    assert "Housing" in home and "Transport" in home and "Logement" not in home
    shown = reader.get(f"/c/bilingue/testimonies/{testimony.id}").get_data(as_text=True)
    assert "Family carer" in shown and "Estrie" in shown
    listing = reader.get("/c/bilingue/testimonies").get_data(as_text=True)
    assert ">Housing</option>" in listing and ">Family carer</option>" in listing
    french = app.test_client().get("/c/bilingue").get_data(as_text=True)
    assert "Consultation bilingue" in french and "Logement" in french and "Housing" not in french


def test_the_api_and_exports_follow_the_language_too(app, admin, make_user, make_testimony):
    desk, consultation = admin
    give_english_texts(desk, consultation)
    make_testimony(consultation, "Les loyers montent.", themes=consultation.themes[:1],
                   category=consultation.categories[-1])
    reader = english(app)
    about = reader.get("/api/v1/consultations/bilingue").get_json()
    assert about["title"] == "Everyday life"
    assert [t["name"] for t in about["themes"]] == ["Housing", "Transport"]
    [row] = reader.get("/api/v1/consultations/bilingue/testimonies").get_json()["items"]
    assert row["themes"] == ["Housing"] and row["category"] == "Family carer"
    make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),))
    commissioner = english(app)
    log_in(commissioner, "com@example.org")
    exported = post_form(commissioner, "/c/bilingue/exports",
                         {"dataset": "testimonies", "kind": "public", "format": "csv"})
    [line] = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert line["themes"] == "Housing" and line["participant_category"] == "Family carer"


def test_a_refusal_reason_reads_in_the_authors_language(app, admin, make_testimony):
    desk, consultation = admin
    give_english_texts(desk, consultation)
    testimony, token = make_testimony(consultation, "Hors propos.", status=Status.REJECTED)
    testimony.rejection_reason = consultation.rejection_reasons[-1]
    db.session.commit()
    assert "Off topic" in english(app).get(f"/receipt/{token}").get_data(as_text=True)
