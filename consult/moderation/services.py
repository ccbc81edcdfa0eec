"""Moderation: the queue, decisions (one at a time or in bulk), redaction, flags and
the moderation figures. Every decision is written to the audit log."""
import secrets
import statistics
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from consult import audit
from consult.extensions import db, insert_or_update
from consult.mail import send_mail
from consult.models import (
    Attachment,
    Channel,
    Consultation,
    Flag,
    RejectionReason,
    Status,
    Testimony,
    User,
    Visibility,
    testimony_themes,
    utcnow,
)
from consult.models.moderation import DecisionDay
from consult.testimonies.services import notify_address, person_key, refresh_public_copy


class ModerationError(Exception):
    """A decision cannot be taken; the message is meant for the moderator."""


class AlreadyDecided(ModerationError):
    def __init__(self):
        super().__init__(_l("Someone else acted on this testimony a moment ago; their "
                            "decision stands. Look at it again before deciding."))


FLAG_REASONS = {
    "personal_information": _l("It identifies someone"),
    "offensive": _l("It is hateful, insulting or threatening"),
    "spam": _l("It is advertising or off topic"),
    "other": _l("Another reason"),
}

#: Actions of the audit log that are moderation decisions (each also counted in
#: DecisionDay, for the figures).
DECISIONS = ("testimony.published", "testimony.rejected", "testimony.changes_requested")
#: The moderation figures' times are those of the latest decisions, this many at most.
DELAYS_OVER = 1000


@dataclass
class QueueFilters:
    theme_id: int | None = None
    category_id: int | None = None
    region_id: int | None = None
    channel: Channel | None = None
    flagged_only: bool = False
    older_than_days: int | None = None


def _flagged_ids(consultation: Consultation):
    """The consultation's testimonies with a flag no moderator has looked at since: few,
    found through the index of unresolved flags."""
    return (select(Flag.testimony_id).join(Testimony, Testimony.id == Flag.testimony_id)
            .where(Flag.resolved_at.is_(None), Testimony.consultation_id == consultation.id))


def _waiting(consultation: Consultation) -> tuple[Counter, Counter]:
    """How many testimonies wait for a moderator (pending ones, and others flagged), and
    how many of them are flagged, by visibility: one count over the index of statuses,
    and a look at the few flagged ones."""
    waiting = Counter(dict(db.session.execute(
        select(Testimony.visibility, func.count())
        .where(Testimony.consultation_id == consultation.id, Testimony.status == Status.PENDING)
        .group_by(Testimony.visibility)).all()))
    flagged = Counter()
    for visibility, status in db.session.execute(
            select(Testimony.visibility, Testimony.status)
            .where(Testimony.id.in_(_flagged_ids(consultation)))):
        flagged[visibility] += 1
        if status is not Status.PENDING:
            waiting[visibility] += 1
    return waiting, flagged


def _narrowed(query, filters: QueueFilters, may_read_confidential: bool, after: int | None):
    """`query` of testimony ids, narrowed by the filters and the page's cursor."""
    if not may_read_confidential:
        query = query.where(Testimony.visibility != Visibility.CONFIDENTIAL)
    if filters.theme_id is not None:
        query = query.join(testimony_themes, (testimony_themes.c.testimony_id == Testimony.id)
                           & (testimony_themes.c.theme_id == filters.theme_id))
    for column, value in ((Testimony.category_id, filters.category_id),
                          (Testimony.region_id, filters.region_id),
                          (Testimony.channel, filters.channel)):
        if value is not None:
            query = query.where(column == value)
    if filters.older_than_days is not None:
        query = query.where(Testimony.created_at <= utcnow() - timedelta(days=filters.older_than_days))
    if after is not None:
        query = query.where(Testimony.id > after)
    return query


def queue(consultation: Consultation, filters: QueueFilters, *, may_read_confidential: bool,
          after: int | None = None, size: int = 50) -> tuple[list[Testimony], dict, int | None]:
    """One page of the queue, oldest first; the counts (with the confidential testimonies
    left out of it, so that they agree with the figures); the cursor of the next page.

    The page is the first ids of two queries an index serves each, pending testimonies
    (by status) and flagged ones (by unresolved flag), merged."""
    waiting, flagged = _waiting(consultation)

    def listed(counts: Counter) -> int:
        return sum(n for visibility, n in counts.items()
                   if may_read_confidential or visibility != Visibility.CONFIDENTIAL)

    counts = {
        "waiting": listed(waiting),
        "flagged": listed(flagged),
        "confidential_not_listed":
            0 if may_read_confidential else waiting[Visibility.CONFIDENTIAL],
    }
    sources = [select(Testimony.id).where(Testimony.id.in_(_flagged_ids(consultation)))]
    if not filters.flagged_only:
        sources.append(select(Testimony.id).where(Testimony.consultation_id == consultation.id,
                                                  Testimony.status == Status.PENDING))
    ids = sorted({testimony_id for source in sources for testimony_id in db.session.execute(
        _narrowed(source, filters, may_read_confidential, after)
        .order_by(Testimony.id).limit(size + 1)).scalars()})[:size + 1]
    rows = list(db.session.execute(
        select(Testimony).where(Testimony.id.in_(ids)).order_by(Testimony.id).options(
            selectinload(Testimony.themes), joinedload(Testimony.category),
            joinedload(Testimony.region), selectinload(Testimony.flags))
    ).scalars().unique())
    following = rows[size - 1].id if len(rows) > size else None
    return rows[:size], counts, following


def may_decide(testimony: Testimony) -> bool:
    return testimony.status is Status.PENDING or any(f.resolved_at is None for f in testimony.flags)


@contextmanager
def _unless_changed_meanwhile(testimony: Testimony, version: int):
    """Make the changes of the block and commit them, unless another moderator changed
    the testimony since `version` was read (then nothing is kept)."""
    if testimony.version != version:
        raise AlreadyDecided()
    try:
        yield
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise AlreadyDecided() from error


def _decide(testimony: Testimony, actor: User | None, version: int, action: str, *, status: Status,
            note: str = "", reason: RejectionReason | None = None) -> None:
    if not may_decide(testimony):
        raise AlreadyDecided()
    with _unless_changed_meanwhile(testimony, version):
        testimony.status = status
        testimony.moderation_note = note
        testimony.rejection_reason = reason
        testimony.decided_at = testimony.decided_at or utcnow()
        testimony.hidden_at = None
        if status is Status.PUBLISHED:
            testimony.published_at = testimony.published_at or utcnow()
        for flag in testimony.flags:
            flag.resolved_at = flag.resolved_at or utcnow()
        refresh_public_copy(testimony)
        audit.record(action, object_type="testimony", object_id=testimony.id,
                     consultation_id=testimony.consultation_id, actor=actor,
                     reason=" — ".join(filter(None, [reason.name if reason else "", note])))
        insert_or_update(DecisionDay, {"consultation_id": testimony.consultation_id,
                                       "day": utcnow().date(), "decisions": 1},
                         ["consultation_id", "day"],
                         update={"decisions": DecisionDay.decisions + 1})
        _tell_author(testimony)


def publish(testimony: Testimony, actor: User | None, version: int) -> None:
    _decide(testimony, actor, version, "testimony.published", status=Status.PUBLISHED)


def reject(testimony: Testimony, actor: User | None, version: int, reason: RejectionReason | None,
           note: str) -> None:
    if reason is None and not note.strip():
        raise ModerationError(_l("Give a reason, from the list or in your own words."))
    if reason is not None and reason.consultation_id != testimony.consultation_id:
        raise ModerationError(_l("This reason does not belong to this consultation."))
    _decide(testimony, actor, version, "testimony.rejected", status=Status.REJECTED,
            note=note.strip(), reason=reason)


def request_changes(testimony: Testimony, actor: User | None, version: int, note: str) -> None:
    if not note.strip():
        raise ModerationError(_l("Tell the author what to change."))
    _decide(testimony, actor, version, "testimony.changes_requested",
            status=Status.CHANGES_REQUESTED, note=note.strip())


def reclassify(testimony: Testimony, actor: User, version: int, theme_ids: list[int],
               category_id: int | None, region_id: int | None) -> None:
    consultation = testimony.consultation
    themes = [t for t in consultation.themes if t.id in set(theme_ids)]
    if not themes or len(themes) != len(set(theme_ids)):
        raise ModerationError(_l("Choose at least one theme of this consultation."))
    for item_id, items in ((category_id, consultation.categories), (region_id, consultation.regions)):
        if item_id is not None and item_id not in {i.id for i in items}:
            raise ModerationError(_l("This choice does not belong to this consultation."))
    with _unless_changed_meanwhile(testimony, version):
        before = {"themes": [t.id for t in testimony.themes],
                  "category": testimony.category_id, "region": testimony.region_id}
        testimony.themes = themes
        testimony.category_id, testimony.region_id = category_id, region_id
        audit.record("testimony.reclassified", object_type="testimony", object_id=testimony.id,
                     consultation_id=consultation.id, actor=actor,
                     details={"before": before, "after": {"themes": [t.id for t in themes],
                                                          "category": category_id,
                                                          "region": region_id}})


def mask(text: str, spans: list[tuple[int, int, str]]) -> str:
    """`text` with each (start, end, replacement) span replaced; spans may not overlap."""
    result, position = [], 0
    for start, end, replacement in sorted(spans):
        if start < position or not 0 <= start < end <= len(text):
            raise ModerationError(_l("These passages overlap or fall outside the text."))
        result += [text[position:start], replacement]
        position = end
    return "".join(result) + text[position:]


def redact(testimony: Testimony, actor: User, version: int, *,
           body_spans: list[tuple[int, int, str]] = (),
           title_spans: list[tuple[int, int, str]] = ()) -> None:
    """Mask passages of the text as the public will see it (the original is kept)."""
    if not body_spans and not title_spans:
        raise ModerationError(_l("Choose at least one passage to mask."))
    with _unless_changed_meanwhile(testimony, version):
        if body_spans:
            testimony.redacted_body = mask(testimony.shown_body, list(body_spans))
        if title_spans and testimony.title:
            testimony.redacted_title = mask(testimony.shown_title, list(title_spans))
        refresh_public_copy(testimony)
        audit.record("testimony.redacted", object_type="testimony", object_id=testimony.id,
                     consultation_id=testimony.consultation_id, actor=actor,
                     details={"body_passages": len(body_spans),
                              "title_passages": len(title_spans)})


def restore_original(testimony: Testimony, actor: User, version: int) -> None:
    with _unless_changed_meanwhile(testimony, version):
        testimony.redacted_body = testimony.redacted_title = None
        refresh_public_copy(testimony)
        audit.record("testimony.redaction_removed", object_type="testimony",
                     object_id=testimony.id, consultation_id=testimony.consultation_id,
                     actor=actor)


def passage_span(text: str, quoted: str) -> tuple[int, int]:
    """Where a passage quoted by the moderator stands in `text` (its first occurrence)."""
    quoted = quoted.strip()
    start = text.find(quoted) if quoted else -1
    if start < 0:
        raise ModerationError(_l("This passage is not in the text as it stands."))
    return start, start + len(quoted)


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def bulk(consultation: Consultation, actor: User, testimony_ids: list[int], action: str,
         versions: dict[int, int], may_read_confidential: bool,
         reason: RejectionReason | None = None, note: str = "") -> BulkResult:
    """Apply one decision to several testimonies, each checked as if it were alone."""
    result = BulkResult()
    for testimony_id in testimony_ids:
        testimony = db.session.get(Testimony, testimony_id)
        try:
            if (testimony is None or testimony.consultation_id != consultation.id
                    or (testimony.visibility is Visibility.CONFIDENTIAL
                        and not may_read_confidential)):
                raise ModerationError(_l("This testimony is not in this queue."))
            version = versions.get(testimony_id, -1)
            if action == "publish":
                publish(testimony, actor, version)
            else:
                reject(testimony, actor, version, reason, note)
        except ModerationError as error:
            db.session.rollback()
            result.refused.append((testimony_id, str(error)))
        else:
            result.done.append(testimony_id)
    return result


def _tell_author(testimony: Testimony) -> None:
    recipient = notify_address(testimony)
    if recipient is None:
        return
    address, locale = recipient
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        send_mail(address, str(_l("News of your testimony")), "decision", testimony=testimony,
                  url=url_for("testimonies.mine", _external=True) if testimony.author_id else None)


def _browser_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="consult.flagger")


def browser_id(cookie: str | None) -> str | None:
    """The browser a signed flag cookie names; None without one, or if it was tampered with."""
    if not cookie:
        return None
    try:
        return _browser_serializer().loads(cookie)
    except BadSignature:
        return None


def new_browser() -> tuple[str, str]:
    """A new browser id, and the signed value of the cookie that carries it."""
    browser = secrets.token_urlsafe(16)
    return browser, _browser_serializer().dumps(browser)


def reporter_key(user: User | None, browser: str) -> str:
    """Who flags: their account, or else their browser. Readers sharing one address (a
    library, a community centre) each count; the flag view's rate limit per address
    bounds what one person clearing their cookies can do."""
    return person_key(f"user:{user.id}" if user is not None else f"browser:{browser}")


def flag(testimony: Testimony, reporter_key: str, reason: str, comment: str) -> bool:
    """Record a reader's flag; False if this person had already flagged it (it does not
    count again).

    Enough distinct flags hide the testimony until a moderator decides.
    """
    db.session.add(Flag(testimony=testimony, reporter_key=reporter_key, reason=reason,
                        comment=comment.strip()))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    distinct = sum(1 for f in testimony.flags if f.resolved_at is None)
    if distinct >= testimony.consultation.flag_threshold and testimony.hidden_at is None:
        testimony.hidden_at = utcnow()
        refresh_public_copy(testimony)
        audit.record("testimony.hidden_by_flags", object_type="testimony",
                     object_id=testimony.id, consultation_id=testimony.consultation_id,
                     details={"flags": distinct})
    db.session.commit()
    return True


def record_reading(testimony: Testimony, actor: User, original: bool) -> None:
    """Staff opened a confidential testimony, or the unredacted original of one."""
    if testimony.visibility is Visibility.CONFIDENTIAL:
        action = "testimony.confidential_opened"
    elif original and testimony.is_redacted:
        action = "testimony.original_opened"
    else:
        return
    audit.record(action, object_type="testimony", object_id=testimony.id,
                 consultation_id=testimony.consultation_id, actor=actor)
    db.session.commit()


def record_download(attachment: Attachment, actor: User) -> None:
    """Staff downloaded an attachment: recorded whatever the testimony, as a file may hold
    what its text does not say."""
    audit.record("attachment.downloaded", object_type="testimony",
                 object_id=attachment.testimony_id,
                 consultation_id=attachment.testimony.consultation_id, actor=actor,
                 details={"attachment": attachment.id})
    db.session.commit()


@dataclass
class Figures:
    waiting: int
    #: Of `waiting`, the confidential ones: only commissioners read them.
    confidential: int
    decisions_per_day: list[tuple[str, int]]
    median_hours: float | None
    p90_hours: float | None
    #: How many decisions the times are taken over (the latest ones).
    delays_over: int


def _hours_between(start, end):
    """The hours from `start` to `end`, computed by the database (SQLite or PostgreSQL)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 3600
    return (func.julianday(end) - func.julianday(start)) * 24


def figures(consultation: Consultation) -> Figures:
    """Queue size, decisions per day (counted as they are taken), and time from
    submission to first decision over the latest DELAYS_OVER decisions (read newest first
    from an index)."""
    waiting, _flagged = _waiting(consultation)
    per_day = db.session.execute(
        select(DecisionDay.day, DecisionDay.decisions)
        .where(DecisionDay.consultation_id == consultation.id).order_by(DecisionDay.day)
    ).all()
    delays = sorted(float(hours) for hours in db.session.execute(
        select(_hours_between(Testimony.created_at, Testimony.decided_at)).where(
            Testimony.consultation_id == consultation.id, Testimony.decided_at.is_not(None))
        .order_by(Testimony.decided_at.desc()).limit(DELAYS_OVER)).scalars())
    median = statistics.median(delays) if delays else None
    p90 = statistics.quantiles(delays, n=10, method="inclusive")[-1] if len(delays) > 1 else median
    return Figures(waiting=sum(waiting.values()), confidential=waiting[Visibility.CONFIDENTIAL],
                   decisions_per_day=[(str(d), n) for d, n in per_day],
                   median_hours=median, p90_hours=p90, delays_over=len(delays))
