"""Admins set, per consultation, how long contact addresses are kept after it closes."""
import pytest

from consult.extensions import db
from consult.models import Consultation
from tests.conftest import log_in, post_form

ADMIN = "admin@example.org"


@pytest.fixture
def admin(client, app, make_user, monkeypatch):
    # The second factor of staff accounts is tested with the accounts, not here.
    monkeypatch.setitem(app.config, "SECOND_FACTOR_FOR_STAFF", False)
    user = make_user(ADMIN, "Admin", admin=True)
    log_in(client, ADMIN)
    return user


def form_data(**changes) -> dict:
    data = {"slug": "eg", "title": "Consultation eg", "description": "",
            "opens_at": "2030-01-15T09:00", "synthesis_at": "", "vote_at": "",
            "closes_at": "", "contact_retention_days": "180", "flag_threshold": "3"}
    data.update(changes)
    return data


def saved_days() -> int:
    db.session.expire_all()
    return db.session.execute(db.select(Consultation.contact_retention_days)).scalar_one()


def test_a_new_consultation_keeps_addresses_180_days_by_default(client, admin):
    page = client.get("/admin/consultations/new").get_data(as_text=True)
    assert "Keep contact e-mail addresses for (days after closing)" in page
    assert 'name="contact_retention_days"' in page and 'value="180"' in page
    post_form(client, "/admin/consultations/new", form_data())
    assert saved_days() == 180


@pytest.mark.parametrize("days", ["0", "30", "3650"])
def test_an_admin_sets_the_retention_period(client, admin, make_consultation, days):
    make_consultation("eg")
    response = post_form(client, "/admin/consultations/eg/edit",
                         form_data(contact_retention_days=days), follow_redirects=True)
    assert "The consultation has been saved." in response.get_data(as_text=True)
    assert saved_days() == int(days)
    page = client.get("/admin/consultations/eg/edit").get_data(as_text=True)
    assert f'value="{days}"' in page


@pytest.mark.parametrize("days", ["-1", "3651", "", "six mois"])
def test_a_retention_period_out_of_range_is_refused(client, admin, make_consultation, days):
    make_consultation("eg")
    response = post_form(client, "/admin/consultations/eg/edit",
                         form_data(contact_retention_days=days))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="contact_retention_days-error"' in page
    assert saved_days() == 180
