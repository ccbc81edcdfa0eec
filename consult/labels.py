"""How the values of the model's enumerations, and the placeholders of masked texts,
read in the interface."""
import re

from flask import Flask, current_app, g, has_app_context
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

from consult.models import (
    Channel,
    ConsentMethod,
    DraftStatus,
    MemberRole,
    OrganisationKind,
    OrganisationStatus,
    Phase,
    Role,
    Status,
    Visibility,
)

#: Members of different enumerations may share a value ("pending" is a testimony's
#: status and an organisation's): each label is found by its enumeration and value.
LABELS = {(type(member), member): text for member, text in (
    (Phase.DRAFT, _l("Draft")),
    (Phase.OPEN, _l("Open for testimonies")),
    (Phase.SYNTHESIS, _l("Synthesis")),
    (Phase.VOTE, _l("Vote")),
    (Phase.CLOSED, _l("Closed")),
    (Channel.ONLINE, _l("Online")),
    (Channel.ASSISTED, _l("Assisted entry")),
    (Channel.PAPER, _l("Paper form")),
    (Channel.HEARING, _l("Hearing")),
    (Channel.LOCAL_EVENT, _l("Local event")),
    (Visibility.PUBLIC, _l("Public")),
    (Visibility.ANONYMOUS, _l("Anonymous")),
    (Visibility.CONFIDENTIAL, _l("Confidential")),
    (Status.PENDING, _l("Waiting for moderation")),
    (Status.PUBLISHED, _l("Published")),
    (Status.REJECTED, _l("Not published")),
    (Status.CHANGES_REQUESTED, _l("Changes requested")),
    (Status.WITHDRAWN, _l("Withdrawn")),
    (DraftStatus.DRAFT, _l("Draft")),
    (DraftStatus.PUBLISHED, _l("Published")),
    (ConsentMethod.ONLINE, _l("Ticked on the online form")),
    (ConsentMethod.SIGNED_FORM, _l("Signed paper form")),
    (ConsentMethod.ORAL, _l("Given orally")),
    (ConsentMethod.WRITTEN, _l("In a letter or an e-mail")),
    (OrganisationKind.COMMUNITY, _l("Community organisation")),
    (OrganisationKind.INSTITUTION, _l("Public institution")),
    (OrganisationKind.UNION, _l("Union or professional body")),
    (OrganisationKind.ACADEMIC, _l("Research or teaching")),
    (OrganisationKind.OTHER, _l("Other")),
    (OrganisationStatus.PENDING, _l("Waiting for approval")),
    (OrganisationStatus.APPROVED, _l("Approved")),
    (OrganisationStatus.REFUSED, _l("Refused")),
    (MemberRole.OWNER, _l("Owner")),
    (MemberRole.FACILITATOR, _l("Facilitator")),
    (Role.MODERATOR, _l("Moderator")),
    (Role.COMMISSIONER, _l("Commissioner")),
    (Role.FACILITATOR, _l("Facilitator")),
)}


#: What each accepted kind of file is, in words.
FILE_KINDS = {
    "application/pdf": _l("PDF document"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        _l("Word document"),
    "application/vnd.oasis.opendocument.text": _l("OpenDocument text"),
    "image/png": _l("PNG image"),
    "image/jpeg": _l("JPEG image"),
}


#: What replaces each kind of personal information when it is masked.
PLACEHOLDERS = {
    "name": _l("[name]"),
    "email": _l("[e-mail]"),
    "phone": _l("[phone]"),
    "address": _l("[address]"),
    "postal_code": _l("[postal code]"),
    "url": _l("[link]"),
}


def placeholder(kind: str) -> str:
    return str(PLACEHOLDERS.get(kind, "[…]"))


def placeholder_rewrites() -> dict[str, str]:
    """Each placeholder as any language writes it, to the reader's language's."""
    written = {}
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            written.update({str(words): kind for kind, words in PLACEHOLDERS.items()})
    return {words: placeholder(kind) for words, kind in written.items()}


def _looked_up() -> dict:
    """What was already looked up in the language being written: labels and placeholders
    are translated once per request (or command), not at each card of a list. A text
    written under another language (a mail in its reader's) has its own entries."""
    if not has_app_context():
        return {}
    by_language = g.setdefault("_labels_looked_up", {})
    return by_language.setdefault(get_locale(), {})


def _placeholder_rewriting() -> tuple[re.Pattern, dict[str, str]]:
    """The placeholders of every language, longest first, and what each becomes."""
    looked_up = _looked_up()
    found = looked_up.get("placeholders")
    if found is None:
        rewrites = placeholder_rewrites()
        found = looked_up["placeholders"] = (re.compile("|".join(
            re.escape(words) for words in sorted(rewrites, key=len, reverse=True))), rewrites)
    return found


def placeholders_in_language(text: str | None) -> str | None:
    """A masked text with its placeholders in the reader's language: a placeholder is
    written into the text in the language of the moderator who masked ("[téléphone]"),
    and reads "[phone]" on an English page."""
    if not text or "[" not in text:
        return text
    pattern, rewrites = _placeholder_rewriting()
    return pattern.sub(lambda found: rewrites[found.group(0)], text)


def label(value) -> str:
    key = (type(value), value)
    looked_up = _looked_up()
    shown = looked_up.get(key)
    if shown is None:
        shown = looked_up[key] = str(LABELS.get(key, value))
    return shown


def file_kind(media_type: str) -> str:
    return str(FILE_KINDS.get(media_type, media_type))


def init_app(app: Flask) -> None:
    app.jinja_env.globals["label"] = label
    app.jinja_env.globals["file_kind"] = file_kind
    app.jinja_env.filters["placeholders"] = placeholders_in_language
