"""Sending the outbox: each message is queued when the transaction that wrote it commits,
retried with growing delays while the mail server is down, and swept every few minutes
in case a queued task was lost."""
import logging
import smtplib
from datetime import timedelta

from flask import current_app
from huey import crontab
from huey.exceptions import RetryTask
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from consult import mail
from consult.extensions import db
from consult.models import OutboxMessage, utcnow
from consult.queue import queue

log = logging.getLogger("consult.mail")

#: Session.info keys: outbox messages written in the session's current transaction, and
#: those committed, to be queued once the transaction has ended.
_WRITTEN, _COMMITTED = "consult.outbox.written", "consult.outbox.committed"


@queue.app_task()
def deliver_message(message_id: int) -> None:
    """Send one message; one already sent (a task run twice) is gone and skipped. While
    the mail server cannot be reached, try again after MAIL_RETRY_SECONDS, then twice as
    long each time, MAIL_RETRIES times; then leave the message to the sweep."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        return
    try:
        mail.deliver(message)
    except (OSError, smtplib.SMTPException) as error:
        config = current_app.config
        if message.attempts > config["MAIL_RETRIES"]:
            log.warning("message %s not sent after %s attempts (%s): left in the outbox",
                        message_id, message.attempts, message.last_error)
            return
        raise RetryTask(delay=config["MAIL_RETRY_SECONDS"] * 2 ** (message.attempts - 1)) \
            from error


@queue.app_task(every=crontab(minute="*/5"))
def deliver_waiting() -> None:
    """Send what its own task will not: messages whose task was lost (still untried ten
    minutes after they were written) and those whose retries ran out, oldest first; stop
    at the first failure. One sweep at a time, whatever the number of workers."""
    with queue.lock_task("outbox-sweep"):
        waiting = db.session.execute(
            select(OutboxMessage).where(or_(
                (OutboxMessage.attempts == 0)
                & (OutboxMessage.created_at < utcnow() - timedelta(minutes=10)),
                OutboxMessage.attempts > current_app.config["MAIL_RETRIES"]))
            .order_by(OutboxMessage.id).limit(500)).scalars().all()
        for message in waiting:
            mail.deliver(message)


@event.listens_for(Session, "after_flush")
def _note_written(session: Session, _context) -> None:
    written = [obj.id for obj in session.new if isinstance(obj, OutboxMessage)]
    if written:
        session.info.setdefault(_WRITTEN, set()).update(written)


@event.listens_for(Session, "after_commit")
def _note_committed(session: Session) -> None:
    committed = session.info.pop(_WRITTEN, None)
    if committed:
        session.info.setdefault(_COMMITTED, set()).update(committed)


@event.listens_for(Session, "after_transaction_end")
def _queue_committed(session: Session, transaction) -> None:
    """Queue the committed messages once the transaction has given its connection back
    (a task run at once, in the tests, takes a connection of its own)."""
    if transaction.parent is not None:
        return
    for message_id in sorted(session.info.pop(_COMMITTED, ())):
        try:
            deliver_message(message_id)
        except Exception as error:  # the queue is down: what was saved stays saved
            log.warning("message %s not queued (%s): the outbox sweep will send it",
                        message_id, type(error).__name__)


@event.listens_for(Session, "after_rollback")
def _forget_written(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
