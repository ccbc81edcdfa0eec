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
from consult.queue import on_commit, queue

log = logging.getLogger("consult.mail")

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
def _queue_written(session: Session, _context) -> None:
    """Each message written is sent once its transaction commits."""
    for obj in session.new:
        if isinstance(obj, OutboxMessage):
            on_commit(deliver_message, obj.id, session=session)
