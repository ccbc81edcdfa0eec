"""Commissioners edit, reorder and delete orientations, recommendations and measures;
numbers follow, and the audit log says who did it."""
import pytest

from consult.extensions import db
from consult.models import AuditEntry, Evidence, Measure, Recommendation, Role
from consult.synthesis import services
from consult.synthesis.outline import parse_outline
from tests.conftest import log_in, post_form

OUTLINE = """\
1. Reconnaître
1. Financer
a. Un budget protégé
b. Un financement à la mission
c. Des salaires à la hauteur
2. Former
2. Rapprocher
1. Ouvrir des points de service
"""


@pytest.fixture
def editor(client, make_consultation, make_user):
    consultation = make_consultation("edition")
    make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),))
    services.import_outline(consultation, parse_outline(OUTLINE))
    log_in(client, "com@example.org")
    return consultation


def numbered(consultation) -> list[tuple[str, str]]:
    db.session.expire_all()
    rows = []
    for o in services.orientations(consultation, published_only=False):
        rows.append((o.number, o.orientation.title))
        for r in o.recommendations:
            rows.append((r.number, r.recommendation.text))
            rows += [(m.number, m.measure.text) for m in r.measures]
    return rows


def test_reordering_orientations_and_measures_renumbers(client, editor):
    first, second = services.orientations(editor, published_only=False)
    measure = first.recommendations[0].measures[2].measure
    post_form(client, f"/c/edition/synthesis/measures/{measure.id}/shift", {"direction": "up"},
              form_page="/c/edition/synthesis")
    post_form(client, f"/c/edition/synthesis/orientations/{second.orientation.id}/shift",
              {"direction": "up"}, form_page="/c/edition/synthesis")
    assert numbered(editor) == [
        ("1", "Rapprocher"), ("1.1", "Ouvrir des points de service"),
        ("2", "Reconnaître"), ("2.1", "Financer"), ("2.1.a", "Un budget protégé"),
        ("2.1.b", "Des salaires à la hauteur"), ("2.1.c", "Un financement à la mission"),
        ("2.2", "Former")]
    post_form(client, f"/c/edition/synthesis/orientations/{second.orientation.id}/shift",
              {"direction": "up"}, form_page="/c/edition/synthesis")
    assert numbered(editor)[0] == ("1", "Rapprocher")
    page = client.get("/c/edition/synthesis").get_data(as_text=True)
    assert "2.1.b</span> Des salaires à la hauteur" in page


def test_editing_keeps_what_was_typed_when_it_is_refused(client, editor):
    orientation = services.orientations(editor, published_only=False)[0].orientation
    path = f"/c/edition/synthesis/orientations/{orientation.id}/edit"
    assert "Reconnaître" in client.get(path).get_data(as_text=True)
    refused = post_form(client, path, {"text": "", "details": "Une explication gardée"})
    assert refused.status_code == 200
    assert "Une explication gardée" in refused.get_data(as_text=True)
    post_form(client, path, {"text": "Reconnaître le travail social", "details": "Pourquoi."})
    db.session.expire_all()
    assert (orientation.title, orientation.text) == ("Reconnaître le travail social", "Pourquoi.")
    assert db.session.query(AuditEntry).filter_by(action="recommendations.edited",
                                                  object_id=orientation.id).count() == 1


def test_deleting_a_recommendation_renumbers_and_keeps_the_testimonies(
    client, editor, make_testimony
):
    financer = services.orientations(editor, published_only=False)[0].recommendations[0]
    testimony, _ = make_testimony(editor, "Financez-nous.")
    services.add_evidence(financer.recommendation, testimony)
    path = f"/c/edition/synthesis/recommendations/{financer.recommendation.id}/delete"
    assert "Its measures" in client.get(path).get_data(as_text=True)
    post_form(client, path, form_page=path)
    assert numbered(editor)[:2] == [("1", "Reconnaître"), ("1.1", "Former")]
    assert db.session.query(Measure).filter(Measure.text.like("Un budget%")).count() == 0
    assert db.session.query(Evidence).count() == 0
    assert db.session.get(type(testimony), testimony.id) is not None
    entry = db.session.query(AuditEntry).filter_by(action="recommendations.deleted").one()
    assert entry.object_type == "recommendation"


def test_items_of_another_consultation_are_not_found(client, editor, make_consultation):
    other = make_consultation("autre")
    services.import_outline(other, parse_outline(OUTLINE))
    foreign = db.session.execute(db.select(Recommendation).join(Recommendation.orientation)
                                 .filter_by(consultation_id=other.id)).scalars().first()
    for action in ("edit", "delete"):
        assert client.get(f"/c/edition/synthesis/recommendations/{foreign.id}/{action}"
                          ).status_code == 404
    assert post_form(client, f"/c/edition/synthesis/recommendations/{foreign.id}/shift",
                     {"direction": "up"}, form_page="/c/edition/synthesis").status_code == 404
    assert client.get("/c/edition/synthesis/nothing/1/edit").status_code == 404
