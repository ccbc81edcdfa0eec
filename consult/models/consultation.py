"""A consultation, its phases, and the lists that describe who and what it is about."""
import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, func, literal_column
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from consult.i18n import in_english, in_language
from consult.models.base import Base, utcnow


class Phase(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    SYNTHESIS = "synthesis"
    VOTE = "vote"
    CLOSED = "closed"


#: Each phase after draft, and the date attribute at which it begins.
PHASE_STARTS = (
    (Phase.OPEN, "opens_at"),
    (Phase.SYNTHESIS, "synthesis_at"),
    (Phase.VOTE, "vote_at"),
    (Phase.CLOSED, "closes_at"),
)


class Consultation(Base):
    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: The title and description in English, if the admin gave them (French otherwise).
    title_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    description_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Phase start dates (naive UTC). A phase without a date has not been scheduled.
    opens_at: Mapped[datetime | None]
    synthesis_at: Mapped[datetime | None]
    vote_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    #: Distinct readers' flags that hide a published testimony until a moderator decides.
    flag_threshold: Mapped[int] = mapped_column(default=3, server_default="3")
    #: Days after closing at which contact details given with testimonies are erased.
    contact_retention_days: Mapped[int] = mapped_column(default=180, server_default="180")
    #: Whether participants may add statements of their own to vote on (after moderation).
    participant_statements: Mapped[bool] = mapped_column(default=False, server_default="0")
    #: Whether each voter sees the items in an order of their own (stable for them).
    shuffle_votes: Mapped[bool] = mapped_column(default=True, server_default="1")
    #: Votes a participant needs to be placed in the opinion groups.
    min_votes_for_groups: Mapped[int] = mapped_column(default=7, server_default="7")
    #: Testimonies the public may read, kept up to date by consult.consultations.figures.
    public_testimonies: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    themes: Mapped[list["Theme"]] = relationship(
        back_populates="consultation", order_by="Theme.position", cascade="all, delete-orphan"
    )
    categories: Mapped[list["ParticipantCategory"]] = relationship(
        back_populates="consultation",
        order_by="ParticipantCategory.position",
        cascade="all, delete-orphan",
    )
    regions: Mapped[list["Region"]] = relationship(
        back_populates="consultation", order_by="Region.position", cascade="all, delete-orphan"
    )
    rejection_reasons: Mapped[list["RejectionReason"]] = relationship(  # noqa: F821
        back_populates="consultation",
        order_by="RejectionReason.position",
        cascade="all, delete-orphan",
    )

    @property
    def shown_title(self) -> str:
        """The title in the reader's language (French when no English one was given)."""
        return in_language(self.title, self.title_en)

    @property
    def shown_description(self) -> str:
        return in_language(self.description, self.description_en)

    def phase_at(self, moment: datetime) -> Phase:
        """The phase in force at `moment`: the last one whose start date has passed."""
        current = Phase.DRAFT
        for phase, attribute in PHASE_STARTS:
            start = getattr(self, attribute)
            if start is None or start > moment:
                break
            current = phase
        return current

    @property
    def phase(self) -> Phase:
        return self.phase_at(utcnow())

    @property
    def is_public(self) -> bool:
        """Draft consultations are visible to admins only."""
        return self.phase is not Phase.DRAFT

    @property
    def accepts_testimonies(self) -> bool:
        return self.phase is Phase.OPEN

    @property
    def accepts_votes(self) -> bool:
        return self.phase is Phase.VOTE

    @property
    def is_closed(self) -> bool:
        return self.phase is Phase.CLOSED

    def phase_dates(self) -> list[tuple[Phase, datetime | None]]:
        return [(phase, getattr(self, attribute)) for phase, attribute in PHASE_STARTS]


class ConsultationListItem:
    """Shared shape of themes, participant categories and regions: named, ordered, per consultation."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150))
    #: The name in English, if the admin gave one (the French name is shown otherwise).
    name_en: Mapped[str] = mapped_column(String(150), default="", server_default="")
    position: Mapped[int] = mapped_column(default=0)

    @hybrid_property
    def shown_name(self) -> str:
        """The name in the reader's language; in a query, the column that holds it."""
        return in_language(self.name, self.name_en)

    @shown_name.inplace.expression
    @classmethod
    def _shown_name_expression(cls):
        if in_english():
            return func.coalesce(func.nullif(cls.name_en, literal_column("''")), cls.name)
        return cls.name

    @declared_attr
    def consultation_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)

    @declared_attr.directive
    def __table_args__(cls):
        return (UniqueConstraint("consultation_id", "name"),)


class Theme(ConsultationListItem, Base):
    """An axis of inquiry of a consultation."""

    __tablename__ = "themes"
    description: Mapped[str] = mapped_column(Text, default="")
    #: Testimonies the public may read under this theme (see Consultation.public_testimonies).
    public_testimonies: Mapped[int] = mapped_column(default=0, server_default="0")
    consultation: Mapped[Consultation] = relationship(back_populates="themes")


class ParticipantCategory(ConsultationListItem, Base):
    """Who a participant speaks as: service user, practitioner, student, organisation…"""

    __tablename__ = "participant_categories"
    consultation: Mapped[Consultation] = relationship(back_populates="categories")


class Region(ConsultationListItem, Base):
    __tablename__ = "regions"
    consultation: Mapped[Consultation] = relationship(back_populates="regions")
