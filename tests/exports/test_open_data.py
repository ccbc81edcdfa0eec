"""The open-data package of a closed consultation: public CSVs, a datapackage.json that
validates against its own descriptor, a bilingual README; nothing confidential."""
import io
import zipfile

import frictionless
import pytest

from consult.exports import tasks
from consult.extensions import db
from consult.models import Job, JobState, Role, Status, Testimony, Visibility
from consult.moderation import services as moderation
from consult.synthesis import services as synthesis
from consult.testimonies.services import refresh_public_copy

SECRET = "Canari-confidentiel-od-3b9e"
MASKED = "Canari-masque-od-8c14"
EMAIL = "canari.od@example.org"


@pytest.fixture
def closed(make_consultation, make_testimony):
    consultation = make_consultation("ouverte", phase="closed")
    make_testimony(consultation, f"Secret {SECRET}", visibility=Visibility.CONFIDENTIAL)
    make_testimony(consultation, "Jamais publié.", status=Status.REJECTED, contact_email=EMAIL)
    masked, _ = make_testimony(consultation, f"Voir {MASKED}.", contact_email=EMAIL)
    masked.redacted_body = "Voir [nom]."
    refresh_public_copy(masked)
    make_testimony(consultation, "=1+1 et 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 שלום", visibility=Visibility.PUBLIC,
                   display_name="Camille")
    orientation = synthesis.add_orientation(consultation, "Agir", "")
    synthesis.add_recommendation(orientation, "Ouvrir le soir")
    synthesis.publish_all(consultation)
    db.session.commit()
    return consultation


def test_anyone_downloads_a_valid_package_with_nothing_confidential(client, closed, tmp_path):
    response = client.get("/c/ouverte/open-data.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert sorted(archive.namelist()) == ["README.md", "datapackage.json", "recommendations.csv",
                                          "results.csv", "testimonies.csv"]
    everything = "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    for canary in (SECRET, MASKED, EMAIL, "Jamais publié"):
        assert canary not in everything
    assert "Voir [name]." in everything and "'=1+1 et 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 שלום" in everything
    readme = archive.read("README.md").decode("utf-8")
    assert "## Français" in readme and "## English" in readme
    assert "creativecommons.org/licenses/by/4.0" in readme
    archive.extractall(tmp_path)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = frictionless.Package(str(tmp_path / "datapackage.json"))
    described = {f.name for r in package.resources for f in r.schema.fields}
    assert {"text", "author_name", "agree", "level"} <= described
    assert all(f.description for r in package.resources for f in r.schema.fields)


def test_only_once_closed(client, make_consultation, runner, tmp_path):
    make_consultation("encore", phase="vote")
    assert client.get("/c/encore/open-data.zip").status_code == 404
    result = runner.invoke(args=["consult", "export", "encore", "--format", "opendata",
                                 "-o", str(tmp_path / "x.zip")])
    assert result.exit_code != 0 and not (tmp_path / "x.zip").exists()


def test_from_the_command_line(runner, closed, tmp_path):
    target = tmp_path / "package.zip"
    result = runner.invoke(args=["consult", "export", "ouverte", "--format", "opendata",
                                 "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert SECRET not in b"".join(zipfile.ZipFile(target).read(n)
                                  for n in zipfile.ZipFile(target).namelist()).decode("utf-8")


def test_the_package_is_made_once_and_again_after_a_change(client, closed, make_user):
    first = client.get("/c/ouverte/open-data.zip").get_data()
    assert client.get("/c/ouverte/open-data.zip").get_data() == first
    assert db.session.query(Job).filter_by(kind="open-data").count() == 1
    camille = db.session.execute(db.select(Testimony).filter_by(display_name="Camille")).scalar_one()
    moderator = make_user("mod@example.org", roles=((closed, Role.MODERATOR),))
    moderation.redact(camille, moderator, camille.version, body_spans=[(0, 4, "[nombre]")])
    db.session.commit()  # a late decision
    again = client.get("/c/ouverte/open-data.zip")
    assert db.session.query(Job).filter_by(kind="open-data").count() == 2
    testimonies = zipfile.ZipFile(io.BytesIO(again.get_data())).read("testimonies.csv")
    assert "'=1+1".encode() not in testimonies and b"[nombre] et" in testimonies


def test_while_the_package_is_being_made_the_page_says_so(client, closed, monkeypatch):
    queued = []

    class NoWorker:
        """The task is queued; no worker has taken it yet."""

        name = tasks.make_published.name

        def __call__(self, job_id):
            queued.append(job_id)

    monkeypatch.setattr(tasks, "make_published", NoWorker())
    response = client.get("/c/ouverte/open-data.zip")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "This file is being prepared" in response.get_data(as_text=True)
    assert client.get("/c/ouverte/open-data.zip").status_code == 503
    assert len(queued) == 1  # asked once


def test_the_scheduler_makes_the_files_of_a_closed_consultation_before_anyone_asks(
        client, closed):
    tasks.prepare_published_files()  # what the worker runs every ten minutes
    made = db.session.execute(db.select(Job.kind, Job.state)).all()
    assert sorted(made) == [("open-data", JobState.DONE), ("report-pdf", JobState.DONE),
                            ("report-pdf", JobState.DONE)]
    assert client.get("/c/ouverte/open-data.zip").status_code == 200
    tasks.prepare_published_files()  # nothing changed since: nothing made again
    assert db.session.query(Job).count() == 3
