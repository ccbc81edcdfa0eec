"""Reaching people away from the online form: organisations and their facilitators,
local events with their registrations, and the commissioners' hearings."""
import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.models.base import Base, str_enum, utcnow
from consult.models.consultation import Consultation, Region, Theme
from consult.models.user import User


class OrganisationKind(enum.StrEnum):
    COMMUNITY = "community"
    INSTITUTION = "institution"
    UNION = "union"
    ACADEMIC = "academic"
    OTHER = "other"


class OrganisationStatus(enum.StrEnum):
    PENDING = "pending"  # proposed, waiting for an admin
    APPROVED = "approved"
    REFUSED = "refused"


class MemberRole(enum.StrEnum):
    OWNER = "owner"  # invites and removes facilitators
    FACILITATOR = "facilitator"


class Organisation(Base):
    """A community or institutional organisation taking part in one consultation."""

    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("consultation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind, "organisation_kind"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[OrganisationStatus] = mapped_column(
        str_enum(OrganisationStatus, "organisation_status"), default=OrganisationStatus.PENDING
    )
    #: The admin who approved or refused it, and when.
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    consultation: Mapped[Consultation] = relationship()
    region: Mapped[Region | None] = relationship()
    members: Mapped[list["Membership"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Membership.id"
    )

    @property
    def is_approved(self) -> bool:
        return self.status is OrganisationStatus.APPROVED


class Membership(Base):
    """A person acting for an organisation: its owner or one of its facilitators."""

    __tablename__ = "organisation_members"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[MemberRole] = mapped_column(str_enum(MemberRole, "member_role"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Invitation(Base):
    """An owner's invitation to act as a facilitator, sent by e-mail (link shown once)."""

    __tablename__ = "organisation_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: Lower-cased; personal data, never shown publicly or logged. Deleted once accepted.
    email: Mapped[str] = mapped_column(String(254))
    #: SHA-256 of the token in the link; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    organisation: Mapped[Organisation] = relationship()


event_themes = Table(
    "event_themes",
    Base.metadata,
    Column("event_id", ForeignKey("local_events.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)


class LocalEvent(Base):
    """A meeting held by an organisation for a consultation, in a place or online."""

    __tablename__ = "local_events"
    __table_args__ = (Index("ix_local_events_agenda", "consultation_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Naive UTC, like every date.
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    #: The address, or empty for an online event.
    place: Mapped[str] = mapped_column(String(300), default="", server_default="")
    online_url: Mapped[str | None] = mapped_column(String(500))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"))
    #: Seats; None for no limit. Past it, people join the waiting list.
    capacity: Mapped[int | None]
    cancelled_at: Mapped[datetime | None]
    #: After the event: how many came, and the facilitator's report.
    attendance: Mapped[int | None]
    report: Mapped[str] = mapped_column(Text, default="", server_default="")
    report_file_name: Mapped[str | None] = mapped_column(String(255))
    report_file_stored: Mapped[str | None] = mapped_column(String(64), unique=True)
    report_file_type: Mapped[str | None] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    consultation: Mapped[Consultation] = relationship()
    organisation: Mapped[Organisation] = relationship()
    region: Mapped[Region | None] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=event_themes, order_by=Theme.position)

    @property
    def is_online(self) -> bool:
        return not self.place

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class Registration(Base):
    """A person's seat at an event, or their place on its waiting list.

    Nothing stores which of the two it is: the first `capacity` registrations not
    cancelled, in the order they queued, hold the seats; the others wait. So a
    cancellation promotes the next person, and two people taking the last seat at once
    cannot both get it.
    """

    __tablename__ = "event_registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        Index("ix_event_registrations_queue", "event_id", "cancelled_at", "queued_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("local_events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: When they (last) joined the queue; registering again after cancelling starts anew.
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[LocalEvent] = relationship()
    user: Mapped[User] = relationship()


hearing_themes = Table(
    "hearing_themes",
    Base.metadata,
    Column("hearing_id", ForeignKey("hearings.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)


class Hearing(Base):
    """A session where the commissioners hear a person or an organisation."""

    __tablename__ = "hearings"
    __table_args__ = (Index("ix_hearings_consultation", "consultation_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    #: Who is heard (a person, or the people speaking for an organisation).
    heard: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    #: The organisation's name when it has no page on the platform.
    organisation_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300), default="", server_default="")
    #: Whether the person heard agreed that their words may be published; until they
    #: do, the notes are confidential.
    publication_agreed: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    consultation: Mapped[Consultation] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=hearing_themes, order_by=Theme.position)
