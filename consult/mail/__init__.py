"""E-mail. A message goes into the outbox within the caller's transaction, so it exists
exactly when what caused it was saved; the worker sends it (consult.mail.tasks) by SMTP
when MAIL_SERVER is set, else as a file in MAIL_OUTBOX_DIR, and retries while the mail
server is unreachable."""
import smtplib
import uuid
from email.message import EmailMessage
from pathlib import Path

from flask import current_app, render_template

from consult.extensions import db
from consult.models import OutboxMessage


def send_mail(to: str, subject: str, template: str, **context) -> None:
    """Put the plain-text message rendered from `templates/mail/<template>.txt` in the
    outbox; it leaves when the caller's transaction commits, and not if it rolls back."""
    db.session.add(OutboxMessage(to_address=to, subject=subject,
                                 body=render_template(f"mail/{template}.txt", **context)))


def deliver(message: OutboxMessage) -> None:
    """Send one message of the outbox, then remove it (the outbox keeps no address it no
    longer needs). A failure is counted on the message and raised."""
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email.set_content(message.body)
    try:
        if config["MAIL_SERVER"]:
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
                if config["MAIL_USE_TLS"]:
                    smtp.starttls()
                if config["MAIL_USERNAME"]:
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                smtp.send_message(email)
        else:
            outbox = Path(config["MAIL_OUTBOX_DIR"])
            outbox.mkdir(parents=True, exist_ok=True)
            (outbox / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(email))
    except (OSError, smtplib.SMTPException) as error:
        message.attempts += 1
        message.last_error = type(error).__name__
        db.session.commit()
        raise
    db.session.delete(message)
    db.session.commit()
