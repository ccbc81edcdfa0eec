"""The synthesis report, as a page and as a PDF: its sections, its public-only quotes,
and a PDF that passes a structural check."""
import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from consult.extensions import db
from consult.models import (
    Channel,
    Job,
    LocalEvent,
    Organisation,
    OrganisationKind,
    Role,
    Status,
    Visibility,
    utcnow,
)
from consult.synthesis import services as synthesis
from consult.testimonies.services import refresh_public_copy
from consult.voting import services as voting
from tests.conftest import log_in

SECRET = "Canari-confidentiel-rapport-1f0c"
MASKED = "Canari-masque-rapport-72ad"
EMAIL = "canari.rapport@example.org"


@pytest.fixture
def finished(make_consultation, make_testimony, make_user):
    consultation = make_consultation("rapport", phase="closed")
    commissioner = make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),))
    secret, _ = make_testimony(consultation, f"Secret {SECRET}", visibility=Visibility.CONFIDENTIAL,
                               category=consultation.categories[0])
    make_testimony(consultation, "Refusé.", status=Status.REJECTED, contact_email=EMAIL)
    masked, _ = make_testimony(consultation, f"Le soir, {MASKED} garde mes enfants.",
                               category=consultation.categories[1], region=consultation.regions[0],
                               contact_email=EMAIL)
    masked.redacted_body = "Le soir, [nom] garde mes enfants."
    refresh_public_copy(masked)
    plain, _ = make_testimony(consultation, "Le CLSC ferme à 16 h, trop tôt pour nous.",
                              category=consultation.categories[1])
    code = synthesis.add_code(consultation, "Horaires", "", None)
    for testimony, passage in ((secret, "Secret"), (masked, f"{MASKED} garde"),
                               (plain, "Le CLSC ferme à 16 h")):
        synthesis.apply_code(code, testimony, commissioner, passage)
    orientation = synthesis.add_orientation(consultation, "Adapter les horaires", "")
    recommendation = synthesis.add_recommendation(orientation, "Ouvrir les CLSC le soir")
    synthesis.add_measure(recommendation, "Un soir par semaine au moins")
    synthesis.add_evidence(recommendation, plain)
    synthesis.publish_all(consultation)
    voting.sync_proposals(consultation)
    ballots = voting.ballots(consultation, None)
    consultation.closes_at, vote_closes = None, consultation.closes_at  # open the vote a moment
    for index in range(4):
        voter = voting.voter_for_user(consultation, make_user(f"v{index}@example.org"), create=True)
        voting.set_profile(voter, consultation.categories[index % 2].id, None)
        for ballot in ballots:
            voting.cast_vote(consultation, voter, ballot.proposal, 1 if index else -1)
    consultation.closes_at = vote_closes
    db.session.commit()
    return consultation


def test_the_report_page_shows_every_section_and_only_public_text(client, finished):
    page = client.get("/c/rapport/report").get_data(as_text=True)
    for heading in ("Who took part", "What they said", "Orientations, recommendations and measures",
                    "Opinion groups", "Method", "Testimonies received each week"):
        assert heading in page
    assert "1.1</span> Ouvrir les CLSC le soir" in page and "Le CLSC ferme à 16 h" in page
    assert "Le soir, [name] garde mes enfants." in page or "[passage masked]" in page
    for canary in (SECRET, MASKED, EMAIL, "Refusé"):
        assert canary not in page
    assert "<svg" in page and "<table" in page  # charts come with their numbers


def test_the_pdf_has_contents_page_numbers_bookmarks_and_embedded_fonts(client, finished):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    response = client.get("/c/rapport/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.get_data()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 5
    assert "Qui a participé" in text and "Ouvrir les CLSC le soir" in text and "Méthode" in text
    assert f"2 / {len(reader.pages)}" in text  # page numbers
    assert reader.outline, "bookmarks from the headings"
    for canary in (SECRET, MASKED, EMAIL):
        assert canary not in text
    fonts = []
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()[
                "/FontDescriptor"]
            fonts.append(any(key in descriptor.get_object()
                             for key in ("/FontFile", "/FontFile2", "/FontFile3")))
    assert fonts and all(fonts), "every font embedded"


def test_the_pdf_is_made_once_for_each_language(client, make_client, finished):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    french = client.get("/c/rapport/report.pdf").get_data()
    assert client.get("/c/rapport/report.pdf").get_data() == french
    english = make_client().get("/c/rapport/report.pdf")
    assert "Who took part" in "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(english.get_data())).pages)
    assert db.session.query(Job).filter_by(kind="report-pdf").count() == 2

def test_before_closing_only_the_commissioners_see_it(app, make_client, finished):
    finished.closes_at = None
    db.session.commit()
    visitor = make_client()
    assert visitor.get("/c/rapport/report").status_code == 404
    assert visitor.get("/c/rapport/report.pdf").status_code == 404
    commissioner = make_client()
    log_in(commissioner, "com@example.org")
    assert commissioner.get("/c/rapport/report").status_code == 200


def test_the_pdf_from_the_command_line_in_english(runner, finished, tmp_path):
    target = tmp_path / "report.pdf"
    result = runner.invoke(args=["consult", "export", "rapport", "--format", "pdf",
                                 "--language", "en", "-o", str(target)])
    assert result.exit_code == 0, result.output
    text = "\n".join(p.extract_text() for p in PdfReader(target).pages)
    assert "Who took part" in text and SECRET not in text


def test_the_report_counts_testimonies_by_organisation_and_local_event(
        client, finished, make_testimony):
    organisation = Organisation(consultation=finished, name="Maison de la famille",
                                kind=OrganisationKind.COMMUNITY)
    start = utcnow() - timedelta(days=30)
    event = LocalEvent(consultation=finished, organisation=organisation, title="Café-rencontre",
                       starts_at=start, ends_at=start + timedelta(hours=2))
    db.session.add(event)
    db.session.commit()
    for _ in range(3):
        make_testimony(finished, "Sur papier.", channel=Channel.PAPER,
                       visibility=Visibility.CONFIDENTIAL, organisation=organisation,
                       event=event)
    page = client.get("/c/rapport/report").get_data(as_text=True)
    for heading, name in (("Through each organisation", "Maison de la famille"),
                          ("At each local event", "Café-rencontre")):
        section = page[page.index(heading):]
        assert f'<th scope="row">{name}</th><td class="number">3</td>' in section


def test_charts_keep_whole_labels_and_their_colour_in_the_pdf(client, finished):
    finished.categories[0].name = "Personne utilisatrice des services de sa région"
    db.session.commit()
    page = client.get("/c/rapport/report").get_data(as_text=True)
    assert 'class="bar-label">Personne utilisatrice des services de sa région</text>' in page
    pdf = PdfReader(io.BytesIO(client.get("/c/rapport/report.pdf").get_data()))
    drawn = b"".join(page.get_contents().get_data() for page in pdf.pages)
    assert b"0.121569 0.372549 0.658824 rg" in drawn  # the bars' blue (#1f5fa8), not black


def test_the_method_counts_add_up(make_client, finished):
    consultation = finished
    consultation.closes_at, vote_closes = None, consultation.closes_at
    codes = voting.generate_codes(consultation, consultation.categories[0], 2)
    voters = [voting.redeem_code(consultation, code) for code in codes]  # both redeemed
    voting.cast_vote(consultation, voters[0], voting.ballots(consultation, None)[0].proposal, 1)
    consultation.closes_at = vote_closes
    db.session.commit()
    page = make_client().get("/c/rapport/report").get_data(as_text=True)
    method = page[page.index('id="method"'):]

    def figure(row: str) -> int:
        return int(re.search(re.escape(row) + r'</th><td class="number">(\d+)<', method)[1])

    assert figure("Summit delegates who voted with a code") == 1  # the other did not vote
    parts = ("Published", "Not published", "Still waiting for moderation")
    assert figure("Testimonies received") == sum(figure(part) for part in parts)
