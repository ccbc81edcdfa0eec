"""Testimonies (contributions) and their attachments."""
import enum
import hashlib
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.models.base import Base, str_enum, utcnow
from consult.models.consultation import Consultation, ParticipantCategory, Region, Theme
from consult.models.user import User


class Channel(enum.StrEnum):
    ONLINE = "online"
    ASSISTED = "assisted"
    PAPER = "paper"
    HEARING = "hearing"
    LOCAL_EVENT = "local_event"


class Visibility(enum.StrEnum):
    PUBLIC = "public"  # published under the author's display name
    ANONYMOUS = "anonymous"  # published without a name
    CONFIDENTIAL = "confidential"  # read by commissioners only, never published


class ConsentMethod(enum.StrEnum):
    """How the person agreed to the terms of participation."""

    ONLINE = "online"  # ticked the box on the online form themselves
    SIGNED_FORM = "signed_form"  # signed a paper form, kept by the organisation
    ORAL = "oral"  # said so to the facilitator or at the hearing
    WRITTEN = "written"  # in a letter or an e-mail


#: The channels of testimonies that someone enters on another person's behalf.
ENTERED_CHANNELS = (Channel.ASSISTED, Channel.PAPER, Channel.LOCAL_EVENT)
#: How a person whose testimony someone else enters can have agreed to the terms (the
#: online box is for the person's own form).
ENTERED_CONSENTS = (ConsentMethod.SIGNED_FORM, ConsentMethod.ORAL, ConsentMethod.WRITTEN)


class Status(enum.StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"
    WITHDRAWN = "withdrawn"


def hash_receipt_token(token: str) -> str:
    """What is stored of a receipt token: enough to recognise it, not to rebuild it."""
    return hashlib.sha256(token.encode()).hexdigest()


testimony_themes = Table(
    "testimony_themes",
    Base.metadata,
    Column("testimony_id", ForeignKey("testimonies.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_testimony_themes_theme_testimony", "theme_id", "testimony_id"),
)


class Testimony(Base):
    __tablename__ = "testimonies"
    __table_args__ = (
        # Public lists walk these newest first, one index per filter (keyset pagination).
        Index("ix_testimonies_public", "consultation_id", "is_public", "id"),
        Index("ix_testimonies_public_category", "consultation_id", "is_public", "category_id", "id"),
        Index("ix_testimonies_public_region", "consultation_id", "is_public", "region_id", "id"),
        Index("ix_testimonies_public_channel", "consultation_id", "is_public", "channel", "id"),
        # The staff's lists (reading room, moderation) walk every testimony in id order.
        Index("ix_testimonies_consultation", "consultation_id", "id"),
        Index("ix_testimonies_consultation_status", "consultation_id", "status", "id"),
        # The moderation queue counts the pending ones by visibility from this index alone.
        Index("ix_testimonies_consultation_status_visibility", "consultation_id", "status",
              "visibility"),
        # The moderation figures read the latest decisions.
        Index("ix_testimonies_consultation_decided", "consultation_id", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: The text as its author wrote it. Never shown on a public page: see public_body.
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    #: The text with passages masked by a moderator; None when nothing was masked.
    #: The original stays readable by commissioners only.
    redacted_title: Mapped[str | None] = mapped_column(String(200))
    redacted_body: Mapped[str | None] = mapped_column(Text)
    #: What the public may read: set on publication, cleared when it is withdrawn.
    public_title: Mapped[str | None] = mapped_column(String(200))
    public_body: Mapped[str | None] = mapped_column(Text)
    #: True exactly when public_body is set; kept as a column so lists can use an index.
    #: (Its old value is loaded before it changes: the public figures count the change.)
    is_public: Mapped[bool] = mapped_column(default=False, active_history=True)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant_categories.id", ondelete="RESTRICT")
    )
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"), default=Channel.ONLINE)
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility, "visibility"))
    #: Shown only when visibility is public.
    display_name: Mapped[str | None] = mapped_column(String(80))
    #: Optional address of an author without an account, for news of the testimony.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    #: SHA-256 of the private receipt token; the token itself is never stored.
    receipt_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Random key of the form that created it, so a double submission creates one testimony.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[Status] = mapped_column(str_enum(Status, "status"), default=Status.PENDING)
    #: What the moderator told the author (why it was refused, what to change).
    moderation_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    rejection_reason_id: Mapped[int | None] = mapped_column(
        ForeignKey("rejection_reasons.id", ondelete="SET NULL")
    )
    #: When a moderator first decided (for the time-to-decision figures).
    decided_at: Mapped[datetime | None]
    #: Set while readers' flags hide a published testimony, until a moderator decides.
    hidden_at: Mapped[datetime | None]
    #: Bumped by every change: the second of two moderators acting at once is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    consented_at: Mapped[datetime]
    consent_method: Mapped[ConsentMethod] = mapped_column(
        str_enum(ConsentMethod, "consent_method"), default=ConsentMethod.ONLINE,
        server_default=ConsentMethod.ONLINE.value)
    #: Who typed it for the person (a facilitator, a commissioner); never its author.
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: The organisation it came through (its facilitators gathered it, or its brief).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    #: An organisation's brief (mémoire), published in the organisation's name.
    is_brief: Mapped[bool] = mapped_column(default=False, server_default="0")
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("local_events.id", ondelete="SET NULL"), index=True
    )
    hearing_id: Mapped[int | None] = mapped_column(
        ForeignKey("hearings.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]

    consultation: Mapped[Consultation] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821
    event: Mapped["LocalEvent | None"] = relationship()  # noqa: F821
    hearing: Mapped["Hearing | None"] = relationship()  # noqa: F821
    category: Mapped[ParticipantCategory | None] = relationship()
    region: Mapped[Region | None] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=testimony_themes, order_by=Theme.position)
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="testimony", cascade="all, delete-orphan", order_by="Attachment.id"
    )
    flags: Mapped[list["Flag"]] = relationship(  # noqa: F821
        back_populates="testimony", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Flag.id"
    )
    rejection_reason: Mapped["RejectionReason | None"] = relationship()  # noqa: F821

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_redacted(self) -> bool:
        return self.redacted_body is not None or self.redacted_title is not None

    @property
    def shown_title(self) -> str | None:
        """The title as it may be published (masked where a moderator masked it)."""
        return self.redacted_title if self.redacted_title is not None else self.title

    @property
    def shown_body(self) -> str:
        return self.redacted_body if self.redacted_body is not None else self.body

    @property
    def is_editable_by_author(self) -> bool:
        return self.status in (Status.PENDING, Status.CHANGES_REQUESTED)

    @property
    def public_author_name(self) -> str | None:
        """The name shown publicly, or None for an anonymous testimony."""
        return self.display_name if self.visibility is Visibility.PUBLIC else None


class Attachment(Base):
    """A file joined to a testimony, stored outside the web root under a random name."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    testimony_id: Mapped[int] = mapped_column(
        ForeignKey("testimonies.id", ondelete="CASCADE"), index=True
    )
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    #: The type found in the file's content, not the one its name or the browser claimed.
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    #: Keyed hash of who sent it (account or network address), for the upload quota only.
    uploader_key: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    testimony: Mapped[Testimony] = relationship(back_populates="attachments")
