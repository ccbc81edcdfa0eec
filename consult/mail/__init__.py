"""Sending e-mail: by SMTP when MAIL_SERVER is set, else into an outbox folder."""
import smtplib
import uuid
from email.message import EmailMessage
from pathlib import Path

from flask import current_app, render_template


def send_mail(to: str, subject: str, template: str, **context) -> None:
    """Send the plain-text message rendered from `templates/mail/<template>.txt`."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(render_template(f"mail/{template}.txt", **context))
    if config["MAIL_SERVER"]:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    else:
        outbox = Path(config["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        (outbox / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(message))
