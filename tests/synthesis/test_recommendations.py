"""Orientations → recommendations → measures: numbering, import, the public page."""
import json
from pathlib import Path

from consult.extensions import db
from consult.models import Evidence, Job, JobState, Orientation, Role, Status, Visibility
from consult.synthesis import services
from consult.synthesis.outline import parse_outline
from consult.testimonies.services import refresh_public_copy
from tests.conftest import log_in, post_form

REPORT = Path(__file__).resolve().parents[1] / "data" / "outline_report.txt"

OUTLINE = """\
1. Reconnaître le travail social
Le travail social doit être reconnu.
1. Financer les services sociaux
a. Un budget protégé
b. Un financement à la mission
2. Former la relève
2. Rapprocher les services
1. Ouvrir des points de service
"""


def imported(consultation):
    services.import_outline(consultation, parse_outline(OUTLINE))
    return services.orientations(consultation, published_only=False)


def test_numbers_follow_the_order(make_consultation):
    numbered = imported(make_consultation())
    assert [o.number for o in numbered] == ["1", "2"]
    assert [r.number for r in numbered[0].recommendations] == ["1.1", "1.2"]
    assert [m.number for m in numbered[0].recommendations[0].measures] == ["1.1.a", "1.1.b"]
    assert numbered[1].recommendations[0].number == "2.1"


def test_numbering_stays_right_after_moving_a_recommendation(make_consultation):
    consultation = make_consultation()
    numbered = imported(consultation)
    moved = numbered[0].recommendations[0].recommendation
    services.move_recommendation(moved, numbered[1].orientation, 0)
    again = services.orientations(consultation, published_only=False)
    assert [(r.number, r.recommendation.text) for r in again[0].recommendations] == [
        ("1.1", "Former la relève")]
    assert [(r.number, r.recommendation.text) for r in again[1].recommendations] == [
        ("2.1", "Financer les services sociaux"), ("2.2", "Ouvrir des points de service")]
    assert [m.number for m in again[1].recommendations[0].measures] == ["2.1.a", "2.1.b"]


def test_the_report_imports_as_five_orientations(make_consultation, runner):
    consultation = make_consultation()
    result = runner.invoke(args=["consult", "import-recommendations", consultation.slug,
                                 str(REPORT), "--yes"])
    assert result.exit_code == 0, result.output
    assert "5 orientations, 17 recommendations, 52 measures" in result.output
    assert db.session.query(Orientation).count() == 5
    numbered = services.orientations(consultation, published_only=False)
    assert numbered[0].orientation.title == (
        "Reconnaître l’aide à domicile comme un service public essentiel")
    assert all(o.orientation.status.value == "draft" for o in numbered)


def test_drafts_stay_private_and_quotes_come_only_from_public_text(
    client, make_consultation, make_testimony
):
    consultation = make_consultation()
    numbered = imported(consultation)
    assert "Financer" not in client.get(f"/c/{consultation.slug}/recommendations").get_data(
        as_text=True)
    recommendation = numbered[0].recommendations[0].recommendation
    public, _ = make_testimony(consultation, "Les budgets fondent chaque année.")
    secret, _ = make_testimony(consultation, "Texte confidentiel-canari.",
                               visibility=Visibility.CONFIDENTIAL)
    pending, _ = make_testimony(consultation, "Texte en-attente-canari.", status=Status.PENDING)
    masked, _ = make_testimony(consultation, "Appelez Marie au 514-555-0100.")
    masked.redacted_body = "Appelez [nom] au [téléphone]."
    refresh_public_copy(masked)
    for testimony in (public, secret, pending, masked):
        db.session.add(Evidence(recommendation=recommendation, testimony=testimony))
    db.session.commit()
    services.publish_all(consultation)
    page = client.get(f"/c/{consultation.slug}/recommendations").get_data(as_text=True)
    assert "1.1" in page and "Financer les services sociaux" in page and "1.1.a" in page
    assert "Les budgets fondent" in page and "Appelez [name] au [phone]." in page  # English
    assert "canari" not in page and "514-555-0100" not in page


def test_analyse_texts_from_the_command_line(runner, make_consultation, make_testimony):
    consultation = make_consultation()
    for index in range(6):
        make_testimony(consultation, f"La crise du logement touche les familles du quartier {index}.")
        make_testimony(consultation, f"Les listes d'attente en protection de la jeunesse {index}.")
    result = runner.invoke(args=["consult", "analyse-texts", consultation.slug, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert sum(len(topic["testimony_ids"]) for topic in data["topics"]) == 12
    again = runner.invoke(args=["consult", "analyse-texts", consultation.slug, "--json"])
    assert again.output == result.output
    assert runner.invoke(args=["consult", "analyse-texts", "inconnue"]).exit_code != 0


def test_commissioners_write_move_publish_and_cite(client, make_consultation, make_user,
                                                   make_testimony):
    consultation = make_consultation()
    make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),))
    log_in(client, "com@example.org")
    slug = consultation.slug
    post_form(client, f"/c/{slug}/synthesis/add", {"kind": "orientation", "text": "Écouter",
                                                   "details": "Pourquoi."},
              form_page=f"/c/{slug}/synthesis")
    post_form(client, f"/c/{slug}/synthesis/add", {"kind": "orientation", "text": "Agir"},
              form_page=f"/c/{slug}/synthesis")
    first, second = services.orientations(consultation, published_only=False)
    for text in ("Consulter", "Rendre compte"):
        post_form(client, f"/c/{slug}/synthesis/add", {
            "kind": "recommendation", "parent": str(first.orientation.id), "text": text},
            form_page=f"/c/{slug}/synthesis")
    db.session.expire_all()
    recommendation = services.orientations(consultation, published_only=False)[0] \
        .recommendations[1].recommendation
    post_form(client, f"/c/{slug}/synthesis/add", {
        "kind": "measure", "parent": str(recommendation.id), "text": "Un bilan annuel"},
        form_page=f"/c/{slug}/synthesis")
    post_form(client, f"/c/{slug}/synthesis/recommendations/{recommendation.id}/move",
              {"orientation": str(second.orientation.id), "position": "1"},
              form_page=f"/c/{slug}/synthesis")
    page = client.get(f"/c/{slug}/synthesis").get_data(as_text=True)
    assert "2.1</span> Rendre compte" in page and "2.1.a</span> Un bilan annuel" in page
    testimony, _ = make_testimony(consultation, "Rendez-nous des comptes.",
                                  category=consultation.categories[0])
    for _repeat in range(2):
        post_form(client, f"/c/{slug}/reading/{testimony.id}/evidence",
                  {"recommendation": str(recommendation.id)},
                  form_page=f"/c/{slug}/reading/{testimony.id}")
    assert services.evidence_by_category(recommendation) == [(consultation.categories[0].name, 1)]
    public = client.application.test_client()
    assert "Rendre compte" not in public.get(f"/c/{slug}/recommendations").get_data(as_text=True)
    for kind, item in (("orientations", second.orientation), ("recommendations", recommendation)):
        post_form(client, f"/c/{slug}/synthesis/{kind}/{item.id}/status", {"published": "1"},
                  form_page=f"/c/{slug}/synthesis")
    shown = public.get(f"/c/{slug}/recommendations").get_data(as_text=True)
    assert "Rendre compte" in shown and "Rendez-nous des comptes." in shown
    assert "Écouter" not in shown


def test_the_editor_is_for_this_consultations_commissioners(app, make_consultation, make_user):
    consultation = make_consultation()
    other = make_consultation("autre")
    make_user("com-b@example.org", roles=((other, Role.COMMISSIONER),))
    client = app.test_client()
    log_in(client, "com-b@example.org")
    assert client.get(f"/c/{consultation.slug}/synthesis").status_code == 404


def test_the_analysis_job_feeds_the_pages(
    app, client, make_consultation, make_user, make_testimony
):
    consultation = make_consultation()
    make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),))
    housing = ["Le loyer de notre logement a doublé et les familles du quartier partent.",
               "Trouver un logement abordable prend des mois pour les familles monoparentales.",
               "Le logement social manque : trois familles attendent dans notre immeuble.",
               "Sans logement stable, les familles que j'accompagne perdent leurs repères.",
               "Les familles immigrantes cherchent un logement pendant des semaines.",
               "Un logement insalubre rend les enfants de ces familles malades."]
    youth = ["La liste d'attente en protection de la jeunesse dépasse huit mois.",
             "En protection de la jeunesse, l'attente pour une évaluation est trop longue.",
             "Les signalements en protection de la jeunesse restent des mois en attente.",
             "Mon dossier en protection de la jeunesse est en attente depuis l'hiver.",
             "L'attente en protection de la jeunesse épuise les parents.",
             "Protection de la jeunesse : une attente qui met les enfants en danger."]
    made = [make_testimony(consultation, text)[0] for text in housing]
    for text in youth:
        make_testimony(consultation, text)
    log_in(client, "com@example.org")
    response = post_form(client, f"/c/{consultation.slug}/analysis")
    assert response.status_code == 302
    # The tests run each task as it is queued; tests/operations/test_worker.py runs it in
    # a real worker.
    job = db.session.execute(db.select(Job)).scalar_one()
    assert (job.kind, job.state, job.progress) == ("analysis", JobState.DONE, 100)
    page = client.get(f"/c/{consultation.slug}/analysis").get_data(as_text=True)
    assert "Last analysis: 12 testimonies" in page and "logement" in page
    reading = client.get(f"/c/{consultation.slug}/reading/{made[0].id}").get_data(as_text=True)
    assert "Similar testimonies" in reading
    assert any(f"/reading/{other.id}\"" in reading for other in made[1:])


def test_a_quoted_excerpt_later_masked_shows_masked_on_the_public_page(
    client, make_consultation, make_testimony, make_user
):
    consultation = make_consultation()
    recommendation = imported(consultation)[0].recommendations[0].recommendation
    author = make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),))
    testimony, _ = make_testimony(
        consultation, "Le CLSC a fermé. Marie Roy, ma voisine, m'emmène à l'hôpital.")
    code = services.add_code(consultation, "Entraide", "", None)
    kept = services.apply_code(code, testimony, author, "Le CLSC a fermé.")
    later_masked = services.apply_code(code, testimony, author, "Marie Roy, ma voisine,")
    for excerpt in (kept, later_masked):
        services.add_evidence(recommendation, testimony, excerpt)
    services.publish_all(consultation)
    page = client.get(f"/c/{consultation.slug}/recommendations",
                      headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Marie Roy, ma voisine," in page
    testimony.redacted_body = "Le CLSC a fermé. [nom], ma voisine, m'emmène à l'hôpital."
    refresh_public_copy(testimony)
    db.session.commit()
    page = client.get(f"/c/{consultation.slug}/recommendations",
                      headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Le CLSC a fermé." in page and "[passage masqué]" in page
    assert "Marie Roy" not in page


def test_a_double_click_starts_one_analysis(make_consultation, runner):
    consultation = make_consultation()
    first, started = services.start_analysis(consultation)
    again, started_again = services.start_analysis(consultation)
    assert started and not started_again and again.id == first.id
    result = runner.invoke(args=["consult", "analyse-texts", consultation.slug])
    assert result.exit_code != 0 and "already running" in result.output


def test_the_analysis_leaves_out_rejected_and_withdrawn_testimonies(
    make_consultation, make_testimony
):
    consultation = make_consultation()
    kept = []
    for index in range(4):
        kept.append(make_testimony(
            consultation, f"Le loyer de notre logement augmente encore, famille {index}.")[0])
        kept.append(make_testimony(
            consultation, f"L'attente en protection de la jeunesse dure des mois, dossier {index}.",
            status=Status.PENDING)[0])
    left_out = [make_testimony(consultation, "Achetez nos montres à prix cassé, livraison offerte.",
                               status=status)[0]
                for status in (Status.REJECTED, Status.WITHDRAWN)]
    run = services.complete_analysis(services.start_analysis(consultation)[0].id)
    result = json.loads(run.result)
    analysed = {id_ for topic in result["topics"] for id_ in topic["testimony_ids"]}
    assert run.testimonies == len(kept)
    assert analysed == {testimony.id for testimony in kept}
    assert not any(testimony.id in topic["representative_ids"]
                   for topic in result["topics"] for testimony in left_out)


def test_only_published_testimonies_are_cited_and_counted(
    client, make_consultation, make_user, make_testimony
):
    consultation = make_consultation()
    make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),))
    recommendation = services.add_recommendation(
        services.add_orientation(consultation, "Agir", ""), "Ouvrir le soir")
    category = consultation.categories[0]
    published, _ = make_testimony(consultation, "Ouvrez le soir, nous travaillons.",
                                  category=category)
    pending, _ = make_testimony(consultation, "Pas encore relu.", category=category,
                                status=Status.PENDING)
    log_in(client, "com@example.org")
    slug = consultation.slug
    evidence_form = f'action="/c/{slug}/reading/{pending.id}/evidence"'
    page = client.get(f"/c/{slug}/reading/{pending.id}").get_data(as_text=True)
    assert evidence_form not in page
    assert "can be cited in support once it is published" in page
    refused = post_form(client, f"/c/{slug}/reading/{pending.id}/evidence",
                        {"recommendation": str(recommendation.id)},
                        form_page=f"/c/{slug}/reading/{pending.id}", follow_redirects=True)
    assert "Only published testimonies can be cited in support" in refused.get_data(as_text=True)
    assert db.session.query(Evidence).count() == 0
    assert f'action="/c/{slug}/reading/{published.id}/evidence"' in client.get(
        f"/c/{slug}/reading/{published.id}").get_data(as_text=True)
    assert services.add_evidence(recommendation, published)
    # Cited when published, then rejected: no longer counted in support.
    rejected, _ = make_testimony(consultation, "Publié puis retiré par la modération.",
                                 category=category)
    assert services.add_evidence(recommendation, rejected)
    rejected.status = Status.REJECTED
    db.session.commit()
    assert services.evidence_by_category(recommendation) == [(category.name, 1)]
    assert "1 testimony cited in support" in client.get(f"/c/{slug}/synthesis").get_data(
        as_text=True)
