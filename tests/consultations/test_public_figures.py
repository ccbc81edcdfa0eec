"""The consultation page's figures (testimonies published, in all and by theme) are kept
up to date by every change of what the public may read, and always equal a fresh count."""
import pytest

from consult.consultations import figures
from consult.extensions import db
from consult.models import Consultation, Role, Status, Visibility
from consult.moderation import services as moderation
from consult.privacy import services as privacy
from consult.testimonies import services as testimonies
from tests.conftest import PASSWORD


def stored(consultation_id: int) -> tuple[int, dict[int, int]]:
    db.session.expire_all()
    consultation = db.session.get(Consultation, consultation_id)
    return consultation.public_testimonies, {
        theme.id: theme.public_testimonies for theme in consultation.themes}


def assert_as_counted(consultation_id: int) -> tuple[int, dict[int, int]]:
    """The stored figures, checked against a fresh count of the testimonies."""
    total, by_theme = stored(consultation_id)
    fresh_total, fresh_by_theme = figures.counted_afresh(consultation_id)
    assert (total, by_theme) == (fresh_total, {
        theme_id: fresh_by_theme.get(theme_id, 0) for theme_id in by_theme})
    return total, by_theme


@pytest.fixture
def place(make_consultation, make_user):
    consultation = make_consultation("chiffres")
    make_consultation("voisine")  # its testimonies must not count here
    moderator = make_user("mod@example.org", roles=((consultation, Role.MODERATOR),))
    return consultation, moderator


def test_publishing_counts_the_testimony_and_its_themes_not_confidential_ones(
        app, place, make_testimony):
    consultation, moderator = place
    gouvernance, pratiques, acces = consultation.themes
    make_testimony(consultation, themes=[gouvernance, acces])
    make_testimony(consultation, themes=[gouvernance])
    make_testimony(consultation, themes=[pratiques], visibility=Visibility.CONFIDENTIAL)
    make_testimony(consultation, themes=[pratiques], status=Status.PENDING)
    make_testimony(db.session.get(Consultation, consultation.id + 1), themes=[])
    assert assert_as_counted(consultation.id) == (
        2, {gouvernance.id: 2, pratiques.id: 0, acces.id: 1})


def test_refusing_withdrawing_and_deleting_an_account_keep_the_figures(
        app, place, make_testimony, make_user):
    consultation, moderator = place
    author = make_user("auteur@example.org", "Autrice")
    kept, _ = make_testimony(consultation, author=author)
    gone, _ = make_testimony(consultation, author=make_user("autre@example.org", "Autre"))
    withdrawn, _ = make_testimony(consultation)
    refused, _ = make_testimony(consultation, status=Status.PENDING)
    assert assert_as_counted(consultation.id)[0] == 3
    with app.test_request_context():
        moderation.reject(refused, moderator, refused.version, None, "Hors sujet.")
    testimonies.withdraw_testimony(withdrawn)
    assert assert_as_counted(consultation.id)[0] == 2
    privacy.delete_account(author, PASSWORD, keep_published=True)
    assert assert_as_counted(consultation.id)[0] == 2
    privacy.delete_account(gone.author, PASSWORD, keep_published=False)
    assert assert_as_counted(consultation.id)[0] == 1


def test_flags_that_hide_a_testimony_and_the_decision_after_them(app, place, make_testimony):
    consultation, moderator = place
    testimony, _ = make_testimony(consultation)
    for reader in range(consultation.flag_threshold):
        moderation.flag(testimony, f"lecteur-{reader}", "offensive", "")
    assert testimony.hidden_at is not None
    assert assert_as_counted(consultation.id)[0] == 0
    with app.test_request_context():
        moderation.publish(testimony, moderator, testimony.version)
    assert assert_as_counted(consultation.id)[0] == 1
    for reader in range(consultation.flag_threshold):
        moderation.flag(testimony, f"relecteur-{reader}", "spam", "")
    with app.test_request_context():
        moderation.reject(testimony, moderator, testimony.version, None, "Publicité.")
    assert assert_as_counted(consultation.id)[0] == 0


def test_reclassifying_moves_a_public_testimony_between_themes(app, place, make_testimony):
    consultation, moderator = place
    gouvernance, pratiques, acces = consultation.themes
    public, _ = make_testimony(consultation, themes=[gouvernance])
    pending, _ = make_testimony(consultation, themes=[gouvernance], status=Status.PENDING)
    moderation.reclassify(public, moderator, public.version, [pratiques.id, acces.id], None, None)
    moderation.reclassify(pending, moderator, pending.version, [acces.id], None, None)
    assert assert_as_counted(consultation.id) == (
        1, {gouvernance.id: 0, pratiques.id: 1, acces.id: 1})


def test_masking_a_passage_changes_no_figure(app, place, make_testimony):
    consultation, moderator = place
    testimony, _ = make_testimony(consultation, "Mon voisin Paul m'a aidé.")
    moderation.redact(testimony, moderator, testimony.version, body_spans=[(3, 15, "[…]")])
    assert assert_as_counted(consultation.id)[0] == 1


def test_deleting_testimonies_takes_them_out(app, place, make_testimony):
    consultation, _moderator = place
    first, _ = make_testimony(consultation)
    make_testimony(consultation)
    db.session.delete(first)
    db.session.commit()
    assert assert_as_counted(consultation.id)[0] == 1


def test_the_page_shows_the_figures_and_a_command_counts_them_again(
        app, client, runner, place, make_testimony):
    consultation, _moderator = place
    gouvernance = consultation.themes[0]
    for _ in range(3):
        make_testimony(consultation, themes=[gouvernance])
    page = client.get("/c/chiffres").get_data(as_text=True)
    assert "3 testimonies published so far." in page
    db.session.execute(db.update(Consultation).where(Consultation.id == consultation.id)
                       .values(public_testimonies=7))
    db.session.commit()
    result = runner.invoke(args=["consult", "recount-figures", "chiffres"])
    assert result.exit_code == 0, result.output
    assert "3 public testimonies; by theme: Gouvernance 3, Pratiques 0, Accès 0" in result.output
    assert assert_as_counted(consultation.id)[0] == 3
