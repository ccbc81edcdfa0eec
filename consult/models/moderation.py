"""Moderation: reasons for refusing, flags raised by readers, and the audit log."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.models.base import Base, utcnow
from consult.models.consultation import Consultation, ConsultationListItem


class RejectionReason(ConsultationListItem, Base):
    """A reason moderators may give for not publishing a testimony, per consultation."""

    __tablename__ = "rejection_reasons"
    consultation: Mapped[Consultation] = relationship(back_populates="rejection_reasons")


class Flag(Base):
    """A reader's report that a published testimony should be looked at again."""

    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("testimony_id", "reporter_key"),
        # The moderation queue finds the flags no moderator has looked at yet.
        Index("ix_flags_unresolved", "resolved_at", "testimony_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    testimony_id: Mapped[int] = mapped_column(
        ForeignKey("testimonies.id", ondelete="CASCADE"), index=True
    )
    #: Keyed hash of the account or network address: one person's flags count once.
    reporter_key: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when a moderator has decided on the testimony after this flag.
    resolved_at: Mapped[datetime | None]

    testimony: Mapped["Testimony"] = relationship(back_populates="flags")  # noqa: F821


class AuditEntry(Base):
    """Who did what to which object, when and why. Append-only: no code updates or
    deletes a row, and the database refuses it too (triggers from the migrations).

    Object references are plain numbers, not foreign keys, so that nothing deleted
    elsewhere can change or remove an entry.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_consultation_at", "consultation_id", "at"),
        # The log's pages, newest first.
        Index("ix_audit_log_consultation_id", "consultation_id", "id"),
        # The log page's lists of actions, kinds of object and people, a step each.
        Index("ix_audit_log_consultation_action", "consultation_id", "action"),
        Index("ix_audit_log_consultation_object_type", "consultation_id", "object_type"),
        Index("ix_audit_log_consultation_actor", "consultation_id", "actor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The account that acted; None for the command line or the platform itself.
    actor_id: Mapped[int | None]
    #: What happened, as "area.verb", e.g. "testimony.published".
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int | None]
    consultation_id: Mapped[int | None]
    #: Why, in the actor's words (a rejection reason, a note), if any.
    reason: Mapped[str] = mapped_column(Text, default="")
    #: Facts of the action as JSON (e.g. the themes before and after a reclassification).
    details: Mapped[str] = mapped_column(Text, default="{}")


class DecisionDay(Base):
    """How many moderation decisions were taken in a consultation on one day (UTC),
    counted as they are taken, for the moderation figures."""

    __tablename__ = "decision_days"

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    decisions: Mapped[int]
