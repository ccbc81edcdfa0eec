"""Fifty identical requests at the same instant leave exactly one row."""
import threading

from consult.extensions import db
from consult.models import Testimony, User
from tests.conftest import csrf_token

PARALLEL = 50


def at_once(app, path: str, data: dict, form_page: str) -> list[int]:
    """Send `data` to `path` from PARALLEL browsers released together; their statuses."""
    clients = [app.test_client() for _ in range(PARALLEL)]
    tokens = [csrf_token(client, form_page) for client in clients]
    barrier = threading.Barrier(PARALLEL)
    statuses = [None] * PARALLEL

    def send(index: int) -> None:
        barrier.wait()
        response = clients[index].post(path, data=dict(data, csrf_token=tokens[index]))
        statuses[index] = response.status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_fifty_registrations_with_one_address_make_one_account(app, mailbox, figure):
    statuses = at_once(app, "/account/register", {
        "email": "meme@example.org", "display_name": "Même", "password": "une phrase assez longue",
        "confirm": "une phrase assez longue"}, "/account/register")
    assert statuses == [200] * PARALLEL
    accounts = db.session.query(User).filter_by(email="meme@example.org").count()
    figure(f"concurrency: {PARALLEL} simultaneous registrations with one address, "
           f"{accounts} account ({db.engine.dialect.name})")
    assert accounts == 1


def test_fifty_copies_of_one_testimony_form_make_one_testimony(app, make_consultation, figure):
    consultation = make_consultation()
    statuses = at_once(app, f"/c/{consultation.slug}/testify", {
        "body": "Un seul témoignage, envoyé cinquante fois.",
        "themes": str(consultation.themes[0].id), "visibility": "anonymous", "consent": "y",
        "category": "", "region": "", "submission_key": "une-seule-cle"},
        f"/c/{consultation.slug}/testify")
    assert set(statuses) == {302}
    testimonies = db.session.query(Testimony).count()
    figure(f"concurrency: {PARALLEL} simultaneous copies of one testimony form, "
           f"{testimonies} testimony ({db.engine.dialect.name})")
    assert testimonies == 1
