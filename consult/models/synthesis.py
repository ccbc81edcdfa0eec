"""The commissioners' synthesis: codes applied to testimonies, and the orientations,
recommendations and measures that rest on them."""
import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.models.base import Base, str_enum, utcnow
from consult.models.consultation import Consultation
from consult.models.testimony import Testimony
from consult.models.user import User


class DraftStatus(enum.StrEnum):
    DRAFT = "draft"  # seen by the consultation's commissioners only
    PUBLISHED = "published"


class Code(Base):
    """A commissioner's qualitative tag, in a codebook nested one level."""

    __tablename__ = "codes"
    __table_args__ = (UniqueConstraint("consultation_id", "parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")

    children: Mapped[list["Code"]] = relationship(order_by="Code.name")


class Excerpt(Base):
    """A code applied to a testimony, whole (no offsets) or to a passage of its original
    text (offsets into `Testimony.body`, so that redaction never moves them)."""

    __tablename__ = "excerpts"
    __table_args__ = (Index("ix_excerpts_code_testimony", "code_id", "testimony_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    testimony_id: Mapped[int] = mapped_column(
        ForeignKey("testimonies.id", ondelete="CASCADE"), index=True)
    start: Mapped[int | None]
    end: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    code: Mapped[Code] = relationship()
    testimony: Mapped[Testimony] = relationship()


class Reading(Base):
    """A reader (commissioner or analyst) marked a testimony as read."""

    __tablename__ = "readings"
    __table_args__ = (UniqueConstraint("user_id", "testimony_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    testimony_id: Mapped[int] = mapped_column(ForeignKey("testimonies.id", ondelete="CASCADE"))
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class CodingSample(Base):
    """Testimonies that two readers code independently, to measure how alike they code:
    each sees only their own codes on them until both have read them all."""

    __tablename__ = "coding_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    first_reader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    second_reader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    first_reader: Mapped[User] = relationship(foreign_keys=[first_reader_id])
    second_reader: Mapped[User] = relationship(foreign_keys=[second_reader_id])


class Assignment(Base):
    """A testimony given to a reader to read and code; done once they marked it read."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("user_id", "testimony_id"),
                      Index("ix_assignments_consultation_user", "consultation_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    testimony_id: Mapped[int] = mapped_column(
        ForeignKey("testimonies.id", ondelete="CASCADE"), index=True)
    #: Set when the testimony is part of a double-coded sample.
    sample_id: Mapped[int | None] = mapped_column(
        ForeignKey("coding_samples.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)


class Orientation(Base):
    """Numbered 1..n within its consultation, by position."""

    __tablename__ = "orientations"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[DraftStatus] = mapped_column(str_enum(DraftStatus, "draft_status"),
                                                default=DraftStatus.DRAFT)

    consultation: Mapped[Consultation] = relationship()
    recommendations: Mapped[list["Recommendation"]] = relationship(
        back_populates="orientation", order_by="Recommendation.position",
        cascade="all, delete-orphan")


class Recommendation(Base):
    """Numbered 1..n within its orientation (shown as 1.2), by position."""

    __tablename__ = "recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    orientation_id: Mapped[int] = mapped_column(
        ForeignKey("orientations.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[DraftStatus] = mapped_column(str_enum(DraftStatus, "draft_status"),
                                                default=DraftStatus.DRAFT)

    orientation: Mapped[Orientation] = relationship(back_populates="recommendations")
    measures: Mapped[list["Measure"]] = relationship(
        back_populates="recommendation", order_by="Measure.position",
        cascade="all, delete-orphan")
    evidence: Mapped[list["Evidence"]] = relationship(
        back_populates="recommendation", cascade="all, delete-orphan", order_by="Evidence.id")


class Measure(Base):
    """Lettered a, b, c within its recommendation (shown as 1.2.a), by position."""

    __tablename__ = "measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)

    recommendation: Mapped[Recommendation] = relationship(back_populates="measures")


class Evidence(Base):
    """A testimony, or one excerpt of it, on which a recommendation rests."""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("recommendation_id", "testimony_id", "excerpt_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True)
    testimony_id: Mapped[int] = mapped_column(ForeignKey("testimonies.id", ondelete="CASCADE"))
    excerpt_id: Mapped[int | None] = mapped_column(ForeignKey("excerpts.id", ondelete="CASCADE"))

    recommendation: Mapped[Recommendation] = relationship(back_populates="evidence")
    testimony: Mapped[Testimony] = relationship()
    excerpt: Mapped[Excerpt | None] = relationship()


class AnalysisRun(Base):
    """One run of the text analysis of a consultation; its result, as JSON, once done."""

    __tablename__ = "analysis_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    #: "running", "done" or "failed".
    state: Mapped[str] = mapped_column(String(10), default="running")
    testimonies: Mapped[int] = mapped_column(default=0)
    #: Topics, duplicate groups and similar testimonies (see consult.synthesis.analysis);
    #: its size grows with the consultation, so it is loaded only when asked for (the
    #: pages read `topics`, `topic_members`, `near_duplicates`, `similar_testimonies`).
    result: Mapped[str] = mapped_column(Text, default="{}", deferred=True)
    #: The topics without their members (number, top terms, size), as JSON: what every
    #: page of the reading room shows; the members are in `topic_members`.
    topics: Mapped[str] = mapped_column(Text, default="[]")


class SimilarTestimony(Base):
    """One of the testimonies an analysis found most similar to another, by rank: the
    page of a testimony reads its own few, not the whole result."""

    __tablename__ = "similar_testimonies"

    testimony_id: Mapped[int] = mapped_column(ForeignKey("testimonies.id", ondelete="CASCADE"),
                                              primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_runs.id", ondelete="CASCADE"),
                                        primary_key=True)
    rank: Mapped[int] = mapped_column(primary_key=True)
    similar_id: Mapped[int] = mapped_column(ForeignKey("testimonies.id", ondelete="CASCADE"),
                                            index=True)
    score: Mapped[float]


class TopicMember(Base):
    """A testimony that an analysis put in one of its topics."""

    __tablename__ = "topic_members"

    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_runs.id", ondelete="CASCADE"),
                                        primary_key=True)
    topic: Mapped[int] = mapped_column(primary_key=True)
    testimony_id: Mapped[int] = mapped_column(ForeignKey("testimonies.id", ondelete="CASCADE"),
                                              primary_key=True, index=True)


class NearDuplicate(Base):
    """A testimony that an analysis found near-identical to an earlier one (its
    representative, the lowest id of the group): read once, through the representative."""

    __tablename__ = "near_duplicates"
    __table_args__ = (UniqueConstraint("run_id", "testimony_id"),
                      Index("ix_near_duplicates_run_representative", "run_id", "representative_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_runs.id", ondelete="CASCADE"))
    testimony_id: Mapped[int] = mapped_column(ForeignKey("testimonies.id", ondelete="CASCADE"))
    representative_id: Mapped[int] = mapped_column(
        ForeignKey("testimonies.id", ondelete="CASCADE"))
