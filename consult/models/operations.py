"""Work done away from requests: background jobs and their state, and the mail outbox."""
import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consult.models.base import Base, str_enum, utcnow


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Base):
    """One piece of background work as staff see it: what it is, how far it got, and why
    it failed. The queue carries only its id."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_kind_consultation", "kind", "consultation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the job does, e.g. "analysis" (see the tasks.py of each area).
    kind: Mapped[str] = mapped_column(String(40))
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[JobState] = mapped_column(str_enum(JobState, "job_state"),
                                            default=JobState.QUEUED)
    #: 0 to 100.
    progress: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    #: Why it failed, in words for staff (never a stack trace).
    message: Mapped[str | None] = mapped_column(Text)
    #: What to do, as JSON (an export's data set, format and filters).
    parameters: Mapped[str | None] = mapped_column(Text)
    #: The file a job made (an export), under EXPORT_DIR, the name it is downloaded
    #: under, and when it is deleted.
    file_path: Mapped[str | None] = mapped_column(String(300))
    file_name: Mapped[str | None] = mapped_column(String(300))
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """An e-mail written in the same transaction as what caused it, and sent by the worker:
    a mail server that is down delays a message, never loses it. Deleted once sent, so
    the outbox keeps no address longer than it must."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    #: The last failure's kind (e.g. ConnectionRefusedError), for operators.
    last_error: Mapped[str | None] = mapped_column(String(200))


class ContentVersion(Base):
    """One row: a number that grows with every committed change to what the public pages
    show, and when it last grew. Pages kept for anonymous readers (consult.http_cache) are
    valid for one number; a change makes them all stale at once."""

    __tablename__ = "content_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
