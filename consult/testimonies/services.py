"""Testimonies: submission, the author's edits and withdrawal, publication, public reading."""
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from consult.extensions import db
from consult.mail import send_mail
from consult.models import (
    Attachment,
    Channel,
    ConsentMethod,
    Consultation,
    Hearing,
    LocalEvent,
    Organisation,
    Status,
    Testimony,
    Theme,
    User,
    Visibility,
    testimony_themes,
    utcnow,
)
from consult.models.testimony import hash_receipt_token
from consult.search import testimony_ids
from consult.testimonies.attachments import Upload, remove_files, write_file


class TestimonyError(Exception):
    """A rule was broken; the message is meant for the person."""


class AlreadyReceived(TestimonyError):
    """The same form was sent twice (a double click, a reload)."""

    def __init__(self, testimony: Testimony):
        super().__init__(_l("We had already received this testimony; it was saved once."))
        self.testimony = testimony


def new_receipt_token() -> str:
    return secrets.token_urlsafe(32)


def person_key(who: str) -> str:
    """`who` (an account, an address, a browser) as a keyed hash: enough to count, not to
    identify."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, who.encode(), hashlib.sha256).hexdigest()


def uploader_key(user: User | None, address: str | None) -> str:
    """Who is uploading: their account, or else their address."""
    return person_key(f"user:{user.id}" if user is not None else f"address:{address}")


def check_upload_quota(key: str, uploads: list[Upload]) -> None:
    """Refuse uploads that would take this person past their quota for the last 24 hours."""
    if not uploads:
        return
    since = utcnow() - timedelta(hours=24)
    used = db.session.execute(
        select(func.coalesce(func.sum(Attachment.size), 0)).where(
            Attachment.uploader_key == key, Attachment.created_at >= since
        )
    ).scalar_one()
    quota = current_app.config["UPLOAD_QUOTA_BYTES"]
    if used + sum(len(u.content) for u in uploads) > quota:
        raise TestimonyError(
            _l("You have sent too many files today (%(size)d MB at most in 24 hours). "
               "Send your testimony without them, or try again tomorrow.",
               size=quota // (1024 * 1024))
        )


def _themes(consultation: Consultation, theme_ids: list[int]) -> list[Theme]:
    themes = [t for t in consultation.themes if t.id in set(theme_ids)]
    if len(themes) != len(set(theme_ids)):
        raise TestimonyError(_l("One of the chosen themes does not belong to this consultation."))
    return themes


def _check_list_item(consultation: Consultation, kind: str, item_id: int | None) -> None:
    if item_id is not None and item_id not in {i.id for i in getattr(consultation, kind)}:
        raise TestimonyError(_l("This choice does not belong to this consultation."))


def _apply_content(testimony: Testimony, consultation: Consultation, content: dict) -> None:
    _check_list_item(consultation, "categories", content["category_id"])
    _check_list_item(consultation, "regions", content["region_id"])
    testimony.themes = _themes(consultation, content["theme_ids"])
    for field in ("title", "body", "category_id", "region_id", "visibility", "display_name"):
        setattr(testimony, field, content[field])
    if testimony.visibility is not Visibility.PUBLIC:
        testimony.display_name = None


@dataclass(frozen=True)
class Provenance:
    """Where a testimony came from when it did not come straight from its author's online
    form: who entered it, how the person consented, through which organisation, event or
    hearing. The person who enters it never becomes its author."""

    channel: Channel = Channel.ONLINE
    consent_method: ConsentMethod = ConsentMethod.ONLINE
    entered_by: User | None = None
    organisation: Organisation | None = None
    event: LocalEvent | None = None
    hearing: Hearing | None = None
    is_brief: bool = False

    def check(self, consultation: Consultation) -> None:
        for linked in (self.organisation, self.event, self.hearing):
            if linked is not None and linked.consultation_id != consultation.id:
                raise TestimonyError(_l("This choice does not belong to this consultation."))
        if self.event is not None and self.event.organisation_id != getattr(
                self.organisation, "id", None):
            raise TestimonyError(_l("This event is not one of this organisation's."))

    def apply(self, testimony: Testimony) -> None:
        testimony.channel = self.channel
        testimony.consent_method = self.consent_method
        testimony.entered_by = self.entered_by
        testimony.organisation = self.organisation
        testimony.event = self.event
        testimony.hearing = self.hearing
        testimony.is_brief = self.is_brief


ONLINE = Provenance()


def submit_testimony(
    consultation: Consultation,
    content: dict,
    *,
    author: User | None,
    contact_email: str | None = None,
    uploads: list[Upload] = (),
    uploader: str = "",
    submission_key: str | None = None,
    provenance: Provenance = ONLINE,
    send_receipt: bool = True,
) -> tuple[Testimony, str]:
    """Record a new pending testimony; returns it with its receipt token (shown once)."""
    if not consultation.accepts_testimonies:
        raise TestimonyError(_l("This consultation is not accepting testimonies at the moment."))
    provenance.check(consultation)
    if submission_key:
        existing = db.session.execute(
            select(Testimony).filter_by(submission_key=submission_key)
        ).scalar_one_or_none()
        if existing is not None:
            raise AlreadyReceived(existing)
    check_upload_quota(uploader, list(uploads))
    token = new_receipt_token()
    testimony = Testimony(
        consultation=consultation,
        author=author,
        contact_email=None if author else (contact_email or "").strip().lower() or None,
        receipt_token_hash=hash_receipt_token(token),
        submission_key=submission_key or None,
        consented_at=utcnow(),
    )
    provenance.apply(testimony)
    _apply_content(testimony, consultation, content)
    written: list[str] = []
    try:
        for upload in uploads:
            stored_name = write_file(upload.content)
            written.append(stored_name)
            testimony.attachments.append(
                Attachment(original_name=upload.original_name, stored_name=stored_name,
                           media_type=upload.media_type, size=len(upload.content),
                           uploader_key=uploader)
            )
        db.session.add(testimony)
        db.session.flush()
        if send_receipt:
            _send_receipt(testimony, token)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        remove_files(written)
        existing = db.session.execute(
            select(Testimony).filter_by(submission_key=submission_key)
        ).scalar_one_or_none()
        if existing is None:
            raise
        raise AlreadyReceived(existing) from None
    except BaseException:
        db.session.rollback()
        remove_files(written)
        raise
    return testimony, token


def notify_address(testimony: Testimony) -> tuple[str, str | None] | None:
    if testimony.author is not None:
        return testimony.author.email, testimony.author.locale
    if testimony.contact_email:
        return testimony.contact_email, None
    return None


def _send_receipt(testimony: Testimony, token: str) -> None:
    recipient = notify_address(testimony)
    if recipient is None:
        return
    address, locale = recipient
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        send_mail(
            address,
            str(_l("Your testimony has been received")),
            "testimony_receipt",
            testimony=testimony,
            url=url_for("testimonies.follow", token=token, _external=True),
        )


def update_testimony(testimony: Testimony, content: dict) -> None:
    """The author's edit, allowed while the testimony waits for moderation."""
    if not testimony.is_editable_by_author:
        raise TestimonyError(_l("This testimony can no longer be changed."))
    if not testimony.consultation.accepts_testimonies:
        raise TestimonyError(_l("This consultation is not accepting testimonies at the moment."))
    _apply_content(testimony, testimony.consultation, content)
    testimony.status = Status.PENDING
    # A moderator's masking fitted the old text; they will look at the new one.
    testimony.redacted_title = testimony.redacted_body = None
    _commit_unless_changed_meanwhile()


def _commit_unless_changed_meanwhile() -> None:
    try:
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise TestimonyError(_l("A moderator acted on this testimony a moment ago. "
                                "Look at it again.")) from error


def refresh_public_copy(testimony: Testimony) -> None:
    """Keep the public copy in step with status, visibility, flags and redaction: the one
    place that decides what the public may read of a testimony."""
    shown = (testimony.status is Status.PUBLISHED
             and testimony.visibility is not Visibility.CONFIDENTIAL
             and testimony.hidden_at is None)
    testimony.public_title = testimony.shown_title if shown else None
    testimony.public_body = testimony.shown_body if shown else None
    testimony.is_public = shown


def forget_author(testimony: Testimony, *, keep_published: bool) -> None:
    """Cut a testimony from the person who wrote it, whose account is being deleted.

    It loses its author, name and address (it can no longer be published under a
    name); a testimony waiting for moderation or for its author's changes is withdrawn,
    and a published one too unless `keep_published`, in which case it stays, anonymous.
    The caller commits, with the rest of the deletion.
    """
    testimony.author = None
    testimony.contact_email = None
    testimony.display_name = None
    if testimony.visibility is Visibility.PUBLIC:
        testimony.visibility = Visibility.ANONYMOUS
    if testimony.is_editable_by_author or (
        testimony.status is Status.PUBLISHED and not keep_published
    ):
        testimony.status = Status.WITHDRAWN
    refresh_public_copy(testimony)


def withdraw_testimony(testimony: Testimony) -> None:
    if testimony.status is Status.WITHDRAWN:
        return
    testimony.status = Status.WITHDRAWN
    refresh_public_copy(testimony)
    _commit_unless_changed_meanwhile()


def own_testimonies(user: User) -> list[Testimony]:
    return list(
        db.session.execute(
            select(Testimony)
            .where(Testimony.author_id == user.id)
            .options(joinedload(Testimony.consultation))
            .order_by(Testimony.id.desc())
        ).scalars()
    )


@dataclass
class Filters:
    theme_id: int | None = None
    category_id: int | None = None
    region_id: int | None = None
    channel: Channel | None = None
    words: str = ""

    def as_args(self) -> dict:
        args = {"theme": self.theme_id, "category": self.category_id, "region": self.region_id,
                "channel": self.channel.value if self.channel else None, "q": self.words or None}
        return {key: value for key, value in args.items() if value is not None}


@dataclass
class Page:
    items: list[Testimony]
    #: Cursors: the id to continue before (older) or after (newer), if there is more.
    older: int | None
    newer: int | None


def public_page(
    consultation: Consultation,
    filters: Filters,
    *,
    before: int | None = None,
    after: int | None = None,
) -> Page:
    """One page of published, non-confidential testimonies, newest first.

    Keyset pagination on the id: each page costs the same however deep it is.
    """
    size = current_app.config["PAGE_SIZE"]
    query, key = testimony_ids(filters.words, db.engine.dialect.name)
    query = query.where(
        Testimony.consultation_id == consultation.id, Testimony.is_public.is_(True)
    )
    if filters.theme_id is not None:
        query = query.join(
            testimony_themes,
            (testimony_themes.c.testimony_id == Testimony.id)
            & (testimony_themes.c.theme_id == filters.theme_id),
        )
    for column, value in (
        (Testimony.category_id, filters.category_id),
        (Testimony.region_id, filters.region_id),
        (Testimony.channel, filters.channel),
    ):
        if value is not None:
            query = query.where(column == value)
    if after is not None:
        query = query.where(key > after).order_by(key.asc())
    else:
        if before is not None:
            query = query.where(key < before)
        query = query.order_by(key.desc())
    ids = list(db.session.execute(query.limit(size + 1)).scalars())
    more = len(ids) > size
    ids = ids[:size]
    if after is not None:
        ids.reverse()
    items = _load_for_display(ids)
    if after is not None:
        older = ids[-1] if ids else None
        newer = ids[0] if more else None
    else:
        older = ids[-1] if more else None
        newer = ids[0] if ids and before is not None else None
    return Page(items=items, older=older, newer=newer)


def _load_for_display(ids: list[int]) -> list[Testimony]:
    if not ids:
        return []
    rows = db.session.execute(
        select(Testimony)
        .where(Testimony.id.in_(ids))
        .options(
            selectinload(Testimony.themes),
            joinedload(Testimony.category),
            joinedload(Testimony.region),
        )
    ).scalars()
    by_id = {t.id: t for t in rows}
    return [by_id[i] for i in ids]
