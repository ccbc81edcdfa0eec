"""How the values of the model's enumerations read in the interface."""
from flask import Flask
from flask_babel import lazy_gettext as _l

from consult.models import Channel, DraftStatus, Phase, Status, Visibility

LABELS = {
    Phase.DRAFT: _l("Draft"),
    Phase.OPEN: _l("Open for testimonies"),
    Phase.SYNTHESIS: _l("Synthesis"),
    Phase.VOTE: _l("Vote"),
    Phase.CLOSED: _l("Closed"),
    Channel.ONLINE: _l("Online"),
    Channel.ASSISTED: _l("Assisted entry"),
    Channel.PAPER: _l("Paper form"),
    Channel.HEARING: _l("Hearing"),
    Channel.LOCAL_EVENT: _l("Local event"),
    Visibility.PUBLIC: _l("Public"),
    Visibility.ANONYMOUS: _l("Anonymous"),
    Visibility.CONFIDENTIAL: _l("Confidential"),
    Status.PENDING: _l("Waiting for moderation"),
    Status.PUBLISHED: _l("Published"),
    Status.REJECTED: _l("Not published"),
    Status.CHANGES_REQUESTED: _l("Changes requested"),
    Status.WITHDRAWN: _l("Withdrawn"),
    DraftStatus.DRAFT: _l("Draft"),
    DraftStatus.PUBLISHED: _l("Published"),
}


def label(value) -> str:
    return LABELS.get(value, str(value))


def init_app(app: Flask) -> None:
    app.jinja_env.globals["label"] = label
