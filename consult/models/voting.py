"""The vote phase: what is put to the vote, who votes (account holders, summit delegates
with a code, or participants of an imported conversation) and their votes."""
import enum
import hashlib
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.models.base import Base, str_enum, utcnow
from consult.models.consultation import ParticipantCategory, Region
from consult.models.synthesis import Measure, Recommendation


class ProposalKind(enum.StrEnum):
    RECOMMENDATION = "recommendation"
    MEASURE = "measure"
    STATEMENT = "statement"  # written by a participant during the vote phase
    IMPORTED = "imported"  # a statement of an imported conversation


class ProposalStatus(enum.StrEnum):
    PENDING = "pending"  # a participant's statement waiting for moderation
    PUBLISHED = "published"
    REJECTED = "rejected"


class VoteValue(enum.IntEnum):
    AGREE = 1
    PASS = 0
    DISAGREE = -1


class Proposal(Base):
    """One item to vote on. The vote code deals with proposals only; where the text comes
    from (a recommendation, a measure, a participant's statement) is told by `kind`."""

    __tablename__ = "proposals"
    __table_args__ = (
        UniqueConstraint("recommendation_id"),
        UniqueConstraint("measure_id"),
        UniqueConstraint("consultation_id", "external_id"),
        Index("ix_proposals_consultation_status", "consultation_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    kind: Mapped[ProposalKind] = mapped_column(str_enum(ProposalKind, "proposal_kind"))
    status: Mapped[ProposalStatus] = mapped_column(
        str_enum(ProposalStatus, "proposal_status"), default=ProposalStatus.PUBLISHED)
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"))
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"))
    #: The words of a statement (recommendations and measures keep theirs).
    text: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The statement's id, and its author's, in an imported conversation (Polis
    #: comment-id and author-id).
    external_id: Mapped[str | None] = mapped_column(String(40))
    external_author_id: Mapped[str | None] = mapped_column(String(40))
    #: Its creation time as the imported conversation wrote it (Polis datetime), given
    #: back as it came on export.
    external_datetime: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When a moderator published or rejected it; an imported statement that no one
    #: moderated (Polis moderated 0) has none.
    decided_at: Mapped[datetime | None]

    recommendation: Mapped[Recommendation | None] = relationship()
    measure: Mapped[Measure | None] = relationship()


class DelegateCode(Base):
    """A single-use code printed on a card for a summit delegate; only its hash is kept."""

    __tablename__ = "delegate_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("participant_categories.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    category: Mapped[ParticipantCategory] = relationship()

    @staticmethod
    def hash(code: str) -> str:
        return hashlib.sha256(code.encode()).hexdigest()


class Voter(Base):
    """Someone who votes in a consultation: an account holder, a delegate (through a
    code) or a participant of an imported conversation. Category and region are what
    the results are broken down by."""

    __tablename__ = "voters"
    __table_args__ = (
        UniqueConstraint("consultation_id", "user_id"),
        UniqueConstraint("delegate_code_id"),
        UniqueConstraint("consultation_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    delegate_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegate_codes.id", ondelete="SET NULL"))
    #: The participant's id in an imported conversation (Polis voter-id).
    external_id: Mapped[str | None] = mapped_column(String(40))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant_categories.id", ondelete="SET NULL"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    category: Mapped[ParticipantCategory | None] = relationship()
    region: Mapped[Region | None] = relationship()


class Vote(Base):
    """A voter's current vote on a proposal: one per voter and proposal; the earlier
    ones are in `vote_history`."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("voter_id", "proposal_id"),
        CheckConstraint("value IN (-1, 0, 1)", name="value"),
        # Covers the counts per item and the reading of a consultation's votes.
        Index("ix_votes_proposal", "proposal_id", "value", "voter_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("voters.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    value: Mapped[int]
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)

    voter: Mapped[Voter] = relationship()


class VoteHistory(Base):
    """Every vote as cast, in order, changed ones included."""

    __tablename__ = "vote_history"
    __table_args__ = (CheckConstraint("value IN (-1, 0, 1)", name="value"),
                      Index("ix_vote_history_voter_proposal", "voter_id", "proposal_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("voters.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    value: Mapped[int]
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The cast time as the imported conversation wrote it (Polis datetime).
    external_datetime: Mapped[str | None] = mapped_column(String(64))


class VoteResults(Base):
    """A consultation's vote results and opinion groups as the worker last computed them:
    the results pages read this row instead of going through every vote on each view."""

    __tablename__ = "vote_results"

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True)
    #: Votes (or what they are counted under) changed since; a computation is queued.
    stale: Mapped[bool] = mapped_column(default=True)
    computed_at: Mapped[datetime | None]
    #: How long the computation took.
    seconds: Mapped[float | None]
    #: The figures, as JSON (see consult.voting.services.compute_results).
    data: Mapped[str | None] = mapped_column(Text)
