"""Background work in a real worker process (`flask consult worker`), on the queue
production uses: Redis where REDIS_URL is set (CI), else the embedded SQLite store."""
import subprocess
import sys

import pytest
from aiosmtpd.controller import Controller

from consult.accounts import services as accounts
from consult.exports import services as exports
from consult.extensions import db
from consult.models import AnalysisRun, Job, JobState, OutboxMessage, Role, VoteResults
from consult.queue import queue
from consult.synthesis import services as synthesis
from consult.synthesis.outline import parse_outline
from consult.voting import services as voting
from tests import conftest
from tests.conftest import Mailbox, free_port, log_in, post_form
from tests.operations.servers import ROOT, production_environment


@pytest.fixture
def real_queue(app, tmp_path, monkeypatch):
    """This process queues tasks for a worker instead of running them at once."""
    monkeypatch.setitem(app.config, "QUEUE_IMMEDIATE", False)
    monkeypatch.setitem(app.config, "QUEUE_DATABASE", str(tmp_path / "queue.sqlite"))
    queue.init_app(app)
    queue.flush()
    yield app.config["QUEUE_DATABASE"]
    queue.flush()
    monkeypatch.undo()
    queue.init_app(app)


@pytest.fixture
def start_worker(app, real_queue, smtp_server, tmp_path):
    """Start workers as operators do, sharing this process's database and queue."""
    workers = []

    def start(mail_port: int | None = None, **settings) -> subprocess.Popen:
        environment = production_environment(
            DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], QUEUE_DATABASE=real_queue,
            UPLOAD_DIR=app.config["UPLOAD_DIR"], CONSULT_INSTANCE_DIR=str(tmp_path),
            MAIL_SERVER="127.0.0.1", MAIL_PORT=str(mail_port or smtp_server[0].port),
            MAIL_RETRY_SECONDS="1", LOG_FORMAT="text",
            **{"EXPORT_DIR": app.config["EXPORT_DIR"], **settings})
        log = (tmp_path / f"worker-{len(workers)}.log").open("wb")
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "consult", "worker"], cwd=ROOT,
            env=environment, stdout=log, stderr=subprocess.STDOUT)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(timeout=60)


def wait_until(condition, worker: subprocess.Popen, what: str) -> None:
    """Wait for `condition` on what the worker committed."""

    def committed() -> bool:
        db.session.rollback()
        return bool(condition())

    # A worker starting on a busy machine takes a while to load the app: up to 5 minutes.
    conftest.wait_until(committed, worker, what, attempts=3000)


def outbox() -> list[OutboxMessage]:
    return db.session.execute(db.select(OutboxMessage)).scalars().all()


def test_an_analysis_queued_from_its_page_is_done_by_the_worker(
        client, make_consultation, make_user, make_testimony, start_worker):
    consultation = make_consultation()
    make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),))
    for text in ("Le loyer a doublé cette année.", "Le loyer augmente encore.",
                 "Attente de huit mois en protection de la jeunesse."):
        make_testimony(consultation, text)
    log_in(client, "com@example.org")
    assert post_form(client, f"/c/{consultation.slug}/analysis").status_code == 302
    job = db.session.execute(db.select(Job)).scalar_one()
    assert job.state is JobState.QUEUED
    page = client.get(f"/c/{consultation.slug}/analysis").get_data(as_text=True)
    assert "waiting for the worker" in page
    worker = start_worker()
    wait_until(lambda: db.session.get(Job, job.id).state is JobState.DONE, worker,
               "the analysis is done")
    assert db.session.execute(db.select(AnalysisRun.testimonies)).scalar_one() == 3
    page = client.get(f"/c/{consultation.slug}/analysis").get_data(as_text=True)
    assert "Last analysis: 3 testimonies" in page and "loyer" in page


def test_with_the_mail_server_down_the_testimony_is_saved_and_its_receipt_arrives_later(
        client, make_consultation, start_worker):
    port = free_port()  # no mail server there yet
    worker = start_worker(mail_port=port)
    consultation = make_consultation()
    response = post_form(client, f"/c/{consultation.slug}/testify", {
        "body": "Le centre de jour a fermé ses portes en juin.",
        "themes": str(consultation.themes[0].id), "visibility": "anonymous",
        "contact_email": "lea@example.org", "consent": "y"}, follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path.startswith("/receipt/")
    assert "Le centre de jour a fermé ses portes en juin." in response.get_data(as_text=True)
    wait_until(lambda: any(m.attempts >= 1 for m in outbox()), worker,
               "a first attempt meets the closed port")
    [waiting] = outbox()
    assert waiting.last_error == "ConnectionRefusedError"
    mailbox = Mailbox()
    mail_server = Controller(mailbox, hostname="127.0.0.1", port=port)
    mail_server.start()
    try:
        wait_until(lambda: mailbox.to("lea@example.org"), worker, "the receipt is delivered")
    finally:
        mail_server.stop()
    assert mailbox.last_link("lea@example.org") == response.request.path
    assert outbox() == []


def test_a_message_that_cannot_be_sent_is_retried_then_left_in_the_outbox(
        app, make_user, start_worker):
    make_user("ana@example.org")
    worker = start_worker(mail_port=free_port(), MAIL_RETRIES="2")
    with app.test_request_context():
        accounts.request_password_reset("ana@example.org")
    # One attempt and two retries (after 1 s, then 2 s), then the task gives up; the
    # message stays for the sweep every five minutes and for the operators.
    wait_until(lambda: any(m.attempts == 3 for m in outbox()), worker, "three attempts")
    [message] = outbox()
    assert (message.to_address, message.last_error) == ("ana@example.org", "ConnectionRefusedError")


def test_two_workers_never_send_the_same_message_twice(app, make_user, mailbox, start_worker):
    addresses = [f"person{n}@example.org" for n in range(30)]
    for address in addresses:
        make_user(address)
        with app.test_request_context():
            accounts.request_password_reset(address)
    first, _second = start_worker(), start_worker()
    wait_until(lambda: not outbox(), first, "the outbox is empty")
    assert sorted(message["To"] for message in mailbox.messages) == sorted(addresses)


def test_a_failed_analysis_says_why_on_its_page(
        client, make_consultation, make_user, make_testimony, monkeypatch):
    consultation = make_consultation()
    make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),))
    make_testimony(consultation, "Un témoignage.")

    def out_of_memory(*_args, **_kwargs):
        raise MemoryError("the matrix did not fit")

    monkeypatch.setattr(synthesis, "analyse_consultation", out_of_memory)
    log_in(client, "com@example.org")
    post_form(client, f"/c/{consultation.slug}/analysis")
    job = db.session.execute(db.select(Job)).scalar_one()
    assert (job.state, job.message) == (JobState.FAILED, "MemoryError: the matrix did not fit")
    page = client.get(f"/c/{consultation.slug}/analysis").get_data(as_text=True)
    assert "The last analysis failed: MemoryError: the matrix did not fit" in page


def test_with_the_queue_down_the_testimony_is_saved_and_its_message_waits(
        app, client, make_consultation, monkeypatch):
    monkeypatch.setitem(app.config, "QUEUE_IMMEDIATE", False)
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    queue.init_app(app)
    try:
        consultation = make_consultation()
        response = post_form(client, f"/c/{consultation.slug}/testify", {
            "body": "La halte-garderie ouvre enfin le samedi.",
            "themes": str(consultation.themes[0].id), "visibility": "anonymous",
            "contact_email": "noe@example.org", "consent": "y"}, follow_redirects=True)
    finally:
        monkeypatch.undo()
        queue.init_app(app)
    assert response.status_code == 200 and response.request.path.startswith("/receipt/")
    assert "La halte-garderie ouvre enfin le samedi." in response.get_data(as_text=True)
    [waiting] = outbox()
    assert (waiting.to_address, waiting.attempts) == ("noe@example.org", 0)


def test_a_vote_has_the_results_computed_by_the_worker(
        app, client, make_consultation, make_user, start_worker, monkeypatch):
    monkeypatch.setitem(app.config, "RESULTS_INTERVAL_SECONDS", 1)
    consultation = make_consultation("scrutin", phase="vote")
    synthesis.import_outline(consultation, parse_outline("1. Agir\n1. Ouvrir le soir\n"))
    synthesis.publish_all(consultation)
    voting.sync_proposals(consultation)
    [ballot] = voting.ballots(consultation, None)
    make_user("votante@example.org")
    log_in(client, "votante@example.org")
    assert post_form(client, f"/c/scrutin/vote/{ballot.proposal.id}", {"value": "agree"},
                     form_page="/c/scrutin/vote").status_code == 302
    assert db.session.get(VoteResults, consultation.id).stale
    worker = start_worker()
    def computed() -> bool:
        stored = voting.stored_results(consultation)
        return stored is not None and not stored.stale and stored.voters == 1

    wait_until(computed, worker, "the results are computed")
    [item] = voting.stored_results(consultation).items
    assert (item.overall.agree, item.overall.disagree) == (1, 0)


def test_an_export_that_fails_is_tried_again_then_shown_as_failed(
        app, client, make_consultation, make_user, make_testimony, start_worker, tmp_path,
        monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 0)
    consultation = make_consultation()
    make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),))
    make_testimony(consultation, "Un témoignage.")
    log_in(client, "com@example.org")
    post_form(client, f"/c/{consultation.slug}/exports",
              {"dataset": "testimonies", "kind": "public", "format": "csv"})
    job = db.session.execute(db.select(Job)).scalar_one()
    assert job.state is JobState.QUEUED
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the exports folder should be")
    worker = start_worker(EXPORT_DIR=str(blocked))
    wait_until(lambda: db.session.get(Job, job.id).state is JobState.FAILED, worker,
               "the export fails three times")
    failed = db.session.get(Job, job.id)
    assert failed.attempts == 3 and failed.message.startswith("FileExistsError")
    page = client.get(f"/c/{consultation.slug}/exports").get_data(as_text=True)
    assert "failed: FileExistsError" in page


def test_two_workers_never_run_the_same_export_twice(
        app, make_consultation, make_user, make_testimony, start_worker, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 0)
    consultation = make_consultation()
    commissioner = make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),))
    make_testimony(consultation, "Un témoignage.")
    jobs = [exports.queue_export(consultation, "testimonies", exports.Kind.PUBLIC, "csv",
                                 commissioner, {}).id for _ in range(12)]
    first, _second = start_worker(), start_worker()
    wait_until(lambda: all(db.session.get(Job, job).state is JobState.DONE for job in jobs),
               first, "every export is written")
    assert [db.session.get(Job, job).attempts for job in jobs] == [1] * 12
    assert len({db.session.get(Job, job).file_path for job in jobs}) == 12
