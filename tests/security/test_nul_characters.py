"""A NUL character in an address or a search, which PostgreSQL refuses in text, is a
clean 404 or 400 in the person's language (JSON under the API), never a server error.
Run on SQLite and on PostgreSQL (DATABASE_URL)."""
import pytest

from consult.models import Role
from tests.conftest import log_in


@pytest.fixture
def consultation(make_consultation, make_testimony):
    consultation = make_consultation("eg")
    make_testimony(consultation, "Le bureau du village a fermé.")
    return consultation


@pytest.mark.parametrize("path, status", [
    ("/c/abc%00def", 404),
    ("/c/eg%00/testimonies", 404),
    ("/receipt/abc%00def", 404),
    ("/c/eg/testimonies?q=abc%00def", 400),
    ("/c/eg/testimonies?q%00=abc", 400),
    ("/c/eg/testimonies?theme=1%00", 400),
    ("/c/eg/testimonies?q=bureau&region=%00", 400),
])
def test_an_address_or_a_search_with_a_nul_character_is_refused(client, consultation, path,
                                                                 status):
    response = client.get(path)
    assert response.status_code == status
    message = {404: "This page does not exist.", 400: "The request could not be understood."}
    assert message[status] in response.get_data(as_text=True)


@pytest.mark.parametrize("path, status", [
    ("/api/v1/consultations/abc%00def", 404),
    ("/api/v1/consultations/abc%00def/testimonies", 404),
    ("/api/v1/consultations/eg/testimonies?q=abc%00def", 400),
])
def test_the_api_answers_a_nul_character_in_json(client, consultation, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == status


def test_the_reading_room_search_refuses_a_nul_character(client, consultation, make_user):
    make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),))
    log_in(client, "com@example.org")
    assert client.get("/c/eg/reading?q=bureau").status_code == 200
    assert client.get("/c/eg/reading?q=bur%00eau").status_code == 400


def test_the_same_search_without_the_nul_character_still_works(client, consultation):
    page = client.get("/c/eg/testimonies?q=bureau").get_data(as_text=True)
    assert "Le bureau du village a fermé." in page
    assert client.get("/api/v1/consultations/eg/testimonies?q=bureau").get_json()["items"]
