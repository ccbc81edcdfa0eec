"""What the worker's scheduler runs on its own: the outbox sweep and the nightly purge
(the vote results' minute and the published files have their tests beside their pages)."""
from datetime import timedelta

from sqlalchemy import insert

from consult.accounts import services as accounts
from consult.extensions import db
from consult.mail import tasks as mail_tasks
from consult.models import OutboxMessage, User, utcnow
from consult.privacy import tasks as privacy_tasks


def test_the_sweep_sends_a_message_whose_task_was_lost(mailbox):
    # Written around the ORM, so no task was queued for it: as if the queue had lost it.
    db.session.execute(insert(OutboxMessage).values(
        to_address="perdu@example.org", subject="Merci de votre contribution", body="Merci.",
        created_at=utcnow() - timedelta(minutes=20), attempts=0))
    db.session.commit()

    mail_tasks.deliver_waiting()  # what the worker runs every five minutes

    assert [m["Subject"] for m in mailbox.to("perdu@example.org")] == ["Merci de votre contribution"]
    assert db.session.query(OutboxMessage).count() == 0


def test_a_message_written_a_moment_ago_is_left_to_its_own_task(mailbox):
    db.session.execute(insert(OutboxMessage).values(
        to_address="recent@example.org", subject="Bientôt", body="…", attempts=0))
    db.session.commit()
    mail_tasks.deliver_waiting()
    assert mailbox.to("recent@example.org") == []
    assert db.session.query(OutboxMessage).count() == 1


def test_the_nightly_purge_deletes_accounts_never_confirmed(app, make_user):
    forgotten = make_user("oublie@example.org", confirmed=False)
    forgotten.created_at = utcnow() - timedelta(days=app.config["UNCONFIRMED_ACCOUNT_DAYS"] + 1)
    make_user("recent@example.org", confirmed=False)
    db.session.commit()

    privacy_tasks.nightly_purge()  # what the worker runs at 03:30

    assert accounts.find_user("oublie@example.org") is None
    assert accounts.find_user("recent@example.org") is not None
    assert db.session.query(User).count() == 1
