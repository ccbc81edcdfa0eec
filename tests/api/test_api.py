"""The public JSON API: what it shows, what it never shows, its errors, and its
OpenAPI document checked by schemathesis against every operation."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies

from consult.extensions import db
from consult.models import Status, Visibility, Vote
from consult.synthesis import services as synthesis
from consult.synthesis.outline import parse_outline
from consult.testimonies.services import refresh_public_copy
from consult.voting import services as voting

SECRET = "Canari-confidentiel-api-71c0"
MASKED = "Canari-masque-api-5e2b"
EMAIL = "canari.api@example.org"


@pytest.fixture
def published(make_consultation, make_testimony, make_user):
    """An open consultation with every kind of testimony, and a closed one with votes."""
    consultation = make_consultation("api")
    theme = consultation.themes[1]
    make_testimony(consultation, f"Secret {SECRET}", visibility=Visibility.CONFIDENTIAL)
    make_testimony(consultation, "En attente.", status=Status.PENDING, contact_email=EMAIL)
    masked, _ = make_testimony(consultation, f"Voir {MASKED} au CLSC.", contact_email=EMAIL,
                               themes=[theme])
    masked.redacted_body = "Voir [nom] au CLSC."
    refresh_public_copy(masked)
    for index in range(4):
        make_testimony(consultation, f"Témoignage public {index}.", visibility=Visibility.PUBLIC,
                       display_name=f"Personne {index}")
    make_consultation("api-brouillon", phase="draft")
    closed = make_consultation("api-close", phase="closed")
    synthesis.import_outline(closed, parse_outline("1. Agir\n1. Ouvrir le soir\n"))
    synthesis.publish_all(closed)
    voting.sync_proposals(closed)
    [ballot] = voting.ballots(closed, None)
    voter = voting.voter_for_user(closed, make_user("votant@example.org"), create=True)
    db.session.add(Vote(voter_id=voter.id, proposal_id=ballot.proposal.id, value=1))
    voting.results_changed(closed.id)
    db.session.commit()
    return consultation


def get(client, path: str):
    response = client.get(f"/api/v1{path}")
    assert response.is_json, path
    return response


def test_the_api_shows_what_the_pages_show_and_never_more(client, published):
    paths = ["/consultations", "/consultations/api", "/consultations/api/testimonies",
             "/consultations/api/testimonies?q=CLSC", "/consultations/api/recommendations",
             "/consultations/api-close/results", "/consultations/api-close/recommendations"]
    bodies = [get(client, path) for path in paths]
    assert all(r.status_code == 200 for r in bodies)
    everything = "".join(r.get_data(as_text=True) for r in bodies)
    for canary in (SECRET, MASKED, EMAIL, "En attente", "api-brouillon"):
        assert canary not in everything
    listed = bodies[2].get_json()["items"]
    # The placeholder reads in the language asked for (English here).
    assert len(listed) == 5 and "Voir [name] au CLSC." in [t["text"] for t in listed]
    assert {t["author"] for t in listed} >= {"Personne 0", None}
    assert bodies[0].headers["Cache-Control"] == "public, max-age=60"
    results = bodies[5].get_json()
    assert results["voters"] == 1 and results["items"][0]["overall"]["agree"] == 1


def test_filters_search_and_cursor(client, published, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    seen, cursor = [], ""
    while True:
        page = get(client, f"/consultations/api/testimonies?cursor={cursor}").get_json()
        seen += [t["id"] for t in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 5 and seen == sorted(seen, reverse=True)
    theme = published.themes[1].id
    only = get(client, f"/consultations/api/testimonies?theme={theme}").get_json()["items"]
    assert [t["text"] for t in only] == ["Voir [name] au CLSC."]


@pytest.mark.parametrize(("path", "status", "words"), [
    ("/consultations/api/testimonies?theme=abc", 400, "theme must be a whole number"),
    ("/consultations/api/testimonies?channel=pigeon", 400, "Unknown channel"),
    ("/consultations/nowhere", 404, "does not exist"),
    ("/consultations/api-brouillon/testimonies", 404, "does not exist"),
    ("/consultations/api/results", 404, "published when the consultation closes"),
    ("/consultations/api/testimonies/999999", 404, "does not exist"),
])
def test_errors_are_json_with_a_clear_message(client, published, path, status, words):
    response = get(client, path)
    assert response.status_code == status
    assert words in response.get_json()["error"]["message"]


def test_every_operation_answers_as_its_schema_says(app, published, figure):
    """schemathesis generates requests for every operation of the OpenAPI document: no
    server error, every answer (errors included) matches the document, and none shows
    confidential text."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    calls = []
    for result in schema.get_all_operations():
        operation = result.ok()

        # Random slugs find nothing; half the cases ask for the real consultations.
        @given(case=operation.as_strategy(),
               slug=strategies.sampled_from([None, "api", "api-close"]))
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def check(case, slug):
            if slug and "slug" in (case.path_parameters or {}):
                case.path_parameters["slug"] = slug
            response = case.call_and_validate(headers={"Accept-Language": "en"})
            calls.append(response.status_code)
            assert SECRET not in response.text and MASKED not in response.text

        check()
    figure(f"schemathesis: {len(calls)} generated API requests over "
           f"{len(list(schema.get_all_operations()))} operations, "
           f"{sum(code >= 500 for code in calls)} server errors, 0 schema violations")
    assert calls and max(calls) < 500 and calls.count(200) > len(calls) // 4
