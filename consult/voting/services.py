"""The rules of the vote phase: what may be voted on, one current vote per voter and
item, summit delegates' codes, participants' statements, results and opinion groups.

The vote code deals with proposals only (`consult.models.Proposal`); published
recommendations and measures become proposals through `sync_proposals`."""
import random
import secrets
from datetime import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from consult import audit
from consult.extensions import db, insert_or_update
from consult.models import (
    Consultation,
    DelegateCode,
    DraftStatus,
    Measure,
    Orientation,
    ParticipantCategory,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Recommendation,
    Region,
    User,
    Vote,
    Voter,
    VoteHistory,
    VoteValue,
    utcnow,
)
from consult.synthesis.services import orientations
from consult.voting import polis_files

if TYPE_CHECKING:
    import numpy as np

    from consult.voting.opinions import OpinionAnalysis, VoteMatrix

#: Delegate codes: 12 characters of an alphabet without look-alikes (0/O, 1/I/L), about
#: 60 bits, printed in groups of four.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
#: A statement of a participant is short, as in a Polis conversation.
STATEMENT_MAX_LENGTH = 280
#: Shares behind "consensus" (every group agrees at least this much) and "divisive".
CONSENSUS_SHARE = 0.6
#: Groups with fewer voters than this are not used to call an item consensual or divisive.
MIN_GROUP_VOTERS = 3


class VotingError(Exception):
    """A rule was broken; the message is meant for the person voting."""


# What is put to the vote ------------------------------------------------------------


def sync_proposals(consultation: Consultation) -> None:
    """Make a proposal of every published recommendation and of each of its measures
    (idempotent, safe when two requests do it at once)."""
    existing = db.session.execute(select(Proposal.recommendation_id, Proposal.measure_id).where(
        Proposal.consultation_id == consultation.id)).all()
    have = {("r", r) for r, _ in existing if r} | {("m", m) for _, m in existing if m}
    wanted = []
    for numbered in orientations(consultation, published_only=True):
        for r in numbered.recommendations:
            wanted.append(("r", r.recommendation.id))
            wanted += [("m", m.measure.id) for m in r.measures]
    for kind, item_id in wanted:
        if (kind, item_id) in have:
            continue
        column = "recommendation_id" if kind == "r" else "measure_id"
        insert_or_update(Proposal, {
            "consultation_id": consultation.id, column: item_id, "text": "",
            "kind": ProposalKind.RECOMMENDATION if kind == "r" else ProposalKind.MEASURE,
            "status": ProposalStatus.PUBLISHED, "created_at": utcnow()}, [column])
    db.session.commit()


def _published_source():
    """The condition under which a proposal may be voted on: a published statement, or
    a recommendation (or a measure of one) published in a published orientation."""
    published_recommendation = select(Recommendation.id).join(Recommendation.orientation).where(
        Recommendation.status == DraftStatus.PUBLISHED,
        Orientation.status == DraftStatus.PUBLISHED)
    published_measure = select(Measure.id).where(
        Measure.recommendation_id.in_(published_recommendation))
    return and_(Proposal.status == ProposalStatus.PUBLISHED, or_(
        Proposal.kind.in_((ProposalKind.STATEMENT, ProposalKind.IMPORTED)),
        Proposal.recommendation_id.in_(published_recommendation),
        Proposal.measure_id.in_(published_measure)))


@dataclass
class Ballot:
    """One item as a voter sees it: its number (for recommendations and measures), its
    text and the voter's current vote."""

    proposal: Proposal
    number: str
    text: str
    vote: int | None = None


def ballots(consultation: Consultation, voter: Voter | None,
            order_key: str | None = None) -> list[Ballot]:
    """Everything the consultation puts to the vote now, with the voter's votes; in an
    order of the person's own when the consultation shuffles, stable for `order_key`
    (the same before and after their first vote)."""
    numbers = {}
    for o in orientations(consultation, published_only=True):
        for r in o.recommendations:
            numbers[("r", r.recommendation.id)] = (r.number, r.recommendation.text)
            for m in r.measures:
                numbers[("m", m.measure.id)] = (m.number, m.measure.text)
    proposals = db.session.execute(
        select(Proposal).where(Proposal.consultation_id == consultation.id, _published_source())
        .order_by(Proposal.id)).scalars().all()
    mine = {} if voter is None else dict(db.session.execute(
        select(Vote.proposal_id, Vote.value).where(Vote.voter_id == voter.id)).all())
    result = []
    for proposal in proposals:
        if proposal.recommendation_id is not None:
            number, text = numbers[("r", proposal.recommendation_id)]
        elif proposal.measure_id is not None:
            number, text = numbers[("m", proposal.measure_id)]
        else:
            number, text = "", proposal.text
        result.append(Ballot(proposal, number, text, mine.get(proposal.id)))
    if consultation.shuffle_votes and order_key is not None:
        random.Random(f"{consultation.id}:{order_key}").shuffle(result)
    return result


def proposal_or_none(consultation: Consultation, proposal_id: int) -> Proposal | None:
    """The proposal if it belongs to the consultation and may be voted on now."""
    return db.session.execute(select(Proposal).where(
        Proposal.id == proposal_id, Proposal.consultation_id == consultation.id,
        _published_source())).scalar_one_or_none()


# Voters and votes -----------------------------------------------------------------


def voter_for_user(consultation: Consultation, user: User, create: bool = False) -> Voter | None:
    """The account holder's voter in this consultation (made on the first vote)."""
    if create:
        insert_or_update(Voter, {"consultation_id": consultation.id, "user_id": user.id,
                                 "created_at": utcnow()}, ["consultation_id", "user_id"])
        db.session.commit()
    return db.session.execute(select(Voter).filter_by(
        consultation_id=consultation.id, user_id=user.id)).scalar_one_or_none()


def set_profile(voter: Voter, category_id: int | None, region_id: int | None) -> None:
    """The category and region a voter's votes are counted under (a delegate's category
    comes from the code and stays)."""
    if voter.delegate_code_id is None:
        voter.category_id = category_id
    voter.region_id = region_id
    db.session.commit()


def cast_vote(consultation: Consultation, voter: Voter, proposal: Proposal,
              value: VoteValue) -> None:
    """Record the voter's vote: it replaces their current one, and joins the history.
    The database holds one current vote per voter and item, whatever the concurrency."""
    if not consultation.accepts_votes:
        raise VotingError(_l("Voting is not open: the vote phase of this consultation is "
                             "not under way."))
    if voter.consultation_id != consultation.id or proposal.consultation_id != consultation.id:
        raise VotingError(_l("This item is not part of this consultation."))
    now = utcnow()
    insert_or_update(Vote, {"voter_id": voter.id, "proposal_id": proposal.id,
                            "value": int(value), "cast_at": now},
                     ["voter_id", "proposal_id"], update=("value", "cast_at"))
    db.session.add(VoteHistory(voter_id=voter.id, proposal_id=proposal.id, value=int(value),
                               cast_at=now))
    db.session.commit()


# Summit delegates -------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str:
    """What a delegate typed, without spaces or dashes, in capitals."""
    return "".join(c for c in typed.upper() if c.isalnum())


def generate_codes(consultation: Consultation, category: ParticipantCategory, count: int,
                   actor: User | None = None) -> list[str]:
    """Make `count` single-use codes for delegates of `category`; only their hashes are
    kept, so the returned list is the only time they can be printed."""
    if category.consultation_id != consultation.id:
        raise VotingError(_l("This category belongs to another consultation."))
    codes = [new_code() for _ in range(count)]
    db.session.add_all(DelegateCode(consultation_id=consultation.id, category_id=category.id,
                                    code_hash=DelegateCode.hash(code)) for code in codes)
    audit.record("delegate_codes.generated", object_type="consultation",
                 object_id=consultation.id, consultation_id=consultation.id, actor=actor,
                 details={"count": count, "category": category.name})
    db.session.commit()
    return codes


def find_code(consultation: Consultation, typed: str) -> DelegateCode | None:
    return db.session.execute(select(DelegateCode).filter_by(
        consultation_id=consultation.id,
        code_hash=DelegateCode.hash(normalise_code(typed)))).scalar_one_or_none()


def redeem_code(consultation: Consultation, typed: str) -> Voter:
    """Take a delegate code: the first person to enter it becomes its voter; a used,
    revoked or unknown code is refused (all three with the same message)."""
    code = find_code(consultation, typed)
    refused = VotingError(_l("This code is not valid: it may have been mistyped, already "
                             "used or withdrawn."))
    if code is None or code.revoked_at is not None:
        raise refused
    # One UPDATE decides who takes it, even when two people type it at the same moment.
    taken = db.session.execute(
        DelegateCode.__table__.update()
        .where(DelegateCode.id == code.id, DelegateCode.used_at.is_(None),
               DelegateCode.revoked_at.is_(None))
        .values(used_at=utcnow())).rowcount
    if taken != 1:
        db.session.rollback()
        raise refused
    voter = Voter(consultation_id=consultation.id, delegate_code_id=code.id,
                  category_id=code.category_id)
    db.session.add(voter)
    db.session.commit()
    return voter


def delegate_voter(consultation: Consultation, voter_id: int | None) -> Voter | None:
    """The delegate's voter kept in their session, while the code is not revoked."""
    if voter_id is None:
        return None
    return db.session.execute(
        select(Voter).join(DelegateCode, DelegateCode.id == Voter.delegate_code_id)
        .where(Voter.id == voter_id, Voter.consultation_id == consultation.id,
               DelegateCode.revoked_at.is_(None))).scalar_one_or_none()


def revoke_code(code: DelegateCode, actor: User | None = None) -> None:
    """Withdraw a code: it can no longer be entered, and its holder can no longer vote
    (the votes already cast stay)."""
    code.revoked_at = code.revoked_at or utcnow()
    audit.record("delegate_codes.revoked", object_type="delegate_code", object_id=code.id,
                 consultation_id=code.consultation_id, actor=actor)
    db.session.commit()


def code_counts(consultation: Consultation) -> list[tuple[str, int, int, int]]:
    """Per category: codes made, used, revoked."""
    rows = db.session.execute(
        select(ParticipantCategory.name, func.count(DelegateCode.id),
               func.count(DelegateCode.used_at), func.count(DelegateCode.revoked_at))
        .join(DelegateCode.category).where(DelegateCode.consultation_id == consultation.id)
        .group_by(ParticipantCategory.name).order_by(ParticipantCategory.name)).all()
    return [tuple(row) for row in rows]


# Participants' statements -----------------------------------------------------------


def submit_statement(consultation: Consultation, author: User, text: str) -> Proposal:
    """A participant's own statement; it waits for moderation before anyone votes on it."""
    if not (consultation.participant_statements and consultation.accepts_votes):
        raise VotingError(_l("This consultation does not take statements now."))
    statement = Proposal(consultation_id=consultation.id, kind=ProposalKind.STATEMENT,
                         status=ProposalStatus.PENDING, text=text.strip(), author_id=author.id)
    db.session.add(statement)
    db.session.commit()
    return statement


def decide_statement(statement: Proposal, publish: bool, actor: User | None = None) -> None:
    """A moderator publishes a statement (it can then be voted on) or rejects it."""
    statement.status = ProposalStatus.PUBLISHED if publish else ProposalStatus.REJECTED
    statement.decided_at = utcnow()
    audit.record("statement.published" if publish else "statement.rejected",
                 object_type="proposal", object_id=statement.id,
                 consultation_id=statement.consultation_id, actor=actor)
    db.session.commit()


def pending_statements(consultation: Consultation) -> list[Proposal]:
    return list(db.session.execute(select(Proposal).where(
        Proposal.consultation_id == consultation.id, Proposal.kind == ProposalKind.STATEMENT,
        Proposal.status == ProposalStatus.PENDING).order_by(Proposal.id)).scalars())


# Results ----------------------------------------------------------------------------


@dataclass
class Tally:
    agree: int = 0
    disagree: int = 0
    passed: int = 0

    @property
    def voters(self) -> int:
        return self.agree + self.disagree + self.passed

    def share(self, name: str) -> float:
        return getattr(self, name) / self.voters if self.voters else 0.0


@dataclass
class ItemResult:
    ballot: Ballot
    overall: Tally
    by_category: dict[str, Tally] = field(default_factory=dict)
    by_region: dict[str, Tally] = field(default_factory=dict)
    consensus: bool = False
    divisive: bool = False


def _tally_rows(consultation: Consultation, column):
    """(proposal, group name, value, count) of the current votes, grouped by `column`."""
    return db.session.execute(
        select(Vote.proposal_id, column, Vote.value, func.count())
        .join(Voter, Voter.id == Vote.voter_id)
        .outerjoin(ParticipantCategory, ParticipantCategory.id == Voter.category_id)
        .outerjoin(Region, Region.id == Voter.region_id)
        .where(Voter.consultation_id == consultation.id)
        .group_by(Vote.proposal_id, column, Vote.value)).all()


def _add(tally: Tally, value: int, count: int) -> None:
    name = {1: "agree", -1: "disagree", 0: "passed"}[value]
    setattr(tally, name, getattr(tally, name) + count)


def results(consultation: Consultation) -> list[ItemResult]:
    """Per item: agree, disagree and pass counts overall and by participant category and
    region (each voter counted under the category and region they gave, or "—"), and
    whether it is a consensus (every category with enough voters agrees at
    CONSENSUS_SHARE or more) or divisive (some such category agrees at that share
    while another disagrees at it)."""
    items = {b.proposal.id: ItemResult(b, Tally()) for b in ballots(consultation, None)}
    for column, attribute in ((ParticipantCategory.name, "by_category"),
                              (Region.name, "by_region")):
        for proposal_id, name, value, count in _tally_rows(consultation, column):
            if proposal_id not in items:
                continue
            groups = getattr(items[proposal_id], attribute)
            _add(groups.setdefault(name or "—", Tally()), value, count)
            if attribute == "by_category":
                _add(items[proposal_id].overall, value, count)
    for item in items.values():
        large = [t for t in item.by_category.values() if t.voters >= MIN_GROUP_VOTERS]
        item.consensus = bool(large) and all(t.share("agree") >= CONSENSUS_SHARE for t in large)
        item.divisive = (any(t.share("agree") >= CONSENSUS_SHARE for t in large)
                         and any(t.share("disagree") >= CONSENSUS_SHARE for t in large))
    return sorted(items.values(), key=lambda i: (i.ballot.number == "", i.ballot.number,
                                                 i.ballot.proposal.id))


def voter_count(consultation: Consultation) -> int:
    return db.session.execute(select(func.count(func.distinct(Vote.voter_id)))
                              .join(Voter, Voter.id == Vote.voter_id)
                              .where(Voter.consultation_id == consultation.id)).scalar_one()


# Opinion groups ---------------------------------------------------------------------


#: The current votes of a consultation (its id bound in place of the "?").
VOTES_OF_CONSULTATION = ("SELECT votes.voter_id, votes.proposal_id, votes.value FROM votes "
                         "JOIN proposals ON proposals.id = votes.proposal_id "
                         "WHERE proposals.consultation_id = ?")
#: Votes are read from the database in batches of this many rows.
LOAD_BATCH = 200_000


def _vote_columns(consultation: Consultation) -> "np.ndarray":
    """(voter, proposal, value) of every current vote of the consultation, one row each.

    Read with the database driver's own cursor: building a row object per vote costs
    several seconds at a million votes, and the analysis wants plain arrays anyway."""
    # NumPy and scikit-learn load with the first analysis of the votes, not with the app
    # (docs/benchmarks.md, "A lean process"); so does consult.voting.opinions below.
    import numpy as np

    statement = VOTES_OF_CONSULTATION
    if db.engine.dialect.paramstyle != "qmark":
        statement = statement.replace("?", "%s")
    cursor = db.session.connection().connection.cursor()
    try:
        cursor.execute(statement, (consultation.id,))
        chunks = []
        while rows := cursor.fetchmany(LOAD_BATCH):
            chunks.append(np.array(rows, dtype=np.int64))
    finally:
        cursor.close()
    return np.concatenate(chunks) if chunks else np.zeros((0, 3), dtype=np.int64)


def vote_matrix(consultation: Consultation) -> tuple["VoteMatrix", list[int]]:
    """The current votes of the consultation as a voter × proposal matrix (keyed by voter
    id and proposal id), and the proposals that may not be voted on now. As Polis does,
    their votes stay in the matrix and the analysis leaves them out (see
    `consult.voting.opinions.analyse`, `excluded_items`)."""
    from consult.voting.opinions import VoteMatrix

    columns = _vote_columns(consultation)
    votable = set(db.session.execute(select(Proposal.id).where(
        Proposal.consultation_id == consultation.id, _published_source())).scalars())
    excluded = sorted(set(columns[:, 1].tolist()) - votable)
    matrix = VoteMatrix.from_arrays(columns[:, 0], columns[:, 1], columns[:, 2].astype("int8"))
    return matrix, excluded


def opinion_groups(consultation: Consultation) -> "OpinionAnalysis":
    """Polis-style opinion groups of the consultation's voters (deterministic)."""
    from consult.voting.opinions import analyse

    matrix, excluded = vote_matrix(consultation)
    return analyse(matrix, min_votes=consultation.min_votes_for_groups, excluded_items=excluded)


def external_ids(consultation: Consultation) -> tuple[dict[int, str], dict[int, str]]:
    """Voter id → participant id, proposal id → statement id, for imported conversations
    (ours where nothing was imported)."""
    voters = dict(db.session.execute(select(Voter.id, func.coalesce(Voter.external_id, "")).where(
        Voter.consultation_id == consultation.id)).all())
    proposals = dict(db.session.execute(select(Proposal.id, func.coalesce(
        Proposal.external_id, "")).where(Proposal.consultation_id == consultation.id)).all())
    return ({k: v or str(k) for k, v in voters.items()},
            {k: v or str(k) for k, v in proposals.items()})



@dataclass
class Picture:
    """The opinion map drawn on the server: points and group centres in a square of
    side SIZE (SVG user units), one colour class per group."""

    points: list[tuple[float, float, int]]
    centres: list[tuple[float, float, int, int]]
    shown: int
    total: int


PICTURE_SIZE = 400
#: Beyond this many participants, an even sample of them is drawn (the groups stay whole).
PICTURE_MAX_POINTS = 5000


def opinion_picture(analysis: "OpinionAnalysis") -> Picture | None:
    if not analysis.groups:
        return None
    group_of = analysis.group_of()
    xs, ys = zip(*analysis.coordinates)
    low, high = (min(xs), min(ys)), (max(xs), max(ys))
    scale = (PICTURE_SIZE - 40) / max(high[0] - low[0], high[1] - low[1], 1e-9)

    def place(x: float, y: float) -> tuple[float, float]:
        return (round(20 + (x - low[0]) * scale, 1), round(20 + (high[1] - y) * scale, 1))

    step = max(1, len(analysis.participants) // PICTURE_MAX_POINTS)
    points = [(*place(*analysis.coordinates[i]), group_of[analysis.participants[i]])
              for i in range(0, len(analysis.participants), step)]
    centres = [(*place(*group.centre), group.id, len(group.members)) for group in analysis.groups]
    return Picture(points, centres, len(points), len(analysis.participants))


# Polis interchange ------------------------------------------------------------------


def _from_milliseconds(timestamp: int) -> datetime:
    return datetime.utcfromtimestamp(timestamp / 1000) if timestamp else utcnow()


def _to_milliseconds(moment: datetime) -> int:
    return int((moment - datetime(1970, 1, 1)).total_seconds() * 1000)


def import_polis(consultation: Consultation, export: polis_files.PolisExport,
                 actor: User | None = None) -> tuple[int, int, int]:
    """Put a Polis conversation into the consultation: each comment becomes a statement
    (rejected ones kept but out of the vote and the analysis), each participant a voter,
    each latest vote a vote. All or nothing; refused if the consultation already has
    items to vote on. Returns (statements, voters, votes)."""
    if db.session.execute(select(Proposal.id).where(
            Proposal.consultation_id == consultation.id).limit(1)).first() is not None:
        raise VotingError(_l("This consultation already has items to vote on; import into "
                             "a new one."))
    proposals = {comment.id: Proposal(
        consultation_id=consultation.id, kind=ProposalKind.IMPORTED, text=comment.body,
        status=ProposalStatus.REJECTED if comment.moderated == polis_files.REJECTED
        else ProposalStatus.PUBLISHED,
        external_id=str(comment.id), external_author_id=str(comment.author_id),
        created_at=_from_milliseconds(comment.timestamp)) for comment in export.comments}
    voter_keys = sorted({vote.voter_id for vote in export.votes}
                        | {comment.author_id for comment in export.comments})
    voters = {key: Voter(consultation_id=consultation.id, external_id=str(key))
              for key in voter_keys}
    try:
        db.session.add_all([*proposals.values(), *voters.values()])
        db.session.flush()
        rows = [{"voter_id": voters[v.voter_id].id, "proposal_id": proposals[v.comment_id].id,
                 "value": v.value, "cast_at": _from_milliseconds(v.timestamp)}
                for v in export.votes]
        if rows:
            db.session.execute(Vote.__table__.insert(), rows)
            db.session.execute(VoteHistory.__table__.insert(), rows)
        audit.record("votes.imported", object_type="consultation", object_id=consultation.id,
                     consultation_id=consultation.id, actor=actor,
                     details={"statements": len(proposals), "voters": len(voters),
                              "votes": len(rows)})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(proposals), len(voters), len(rows)


def export_polis(consultation: Consultation, directory,
                 analysis: "OpinionAnalysis | None" = None) -> tuple[int, int]:
    """Write the consultation's statements and current votes as a Polis export
    (comments.csv, votes.csv, participants-votes.csv with our opinion groups)."""
    voter_ids, proposal_ids = external_ids(consultation)
    proposals = db.session.execute(select(Proposal).where(
        Proposal.consultation_id == consultation.id).order_by(Proposal.id)).scalars().all()
    ballot_text = {b.proposal.id: b.text for b in ballots(consultation, None)}
    moderated = {ProposalStatus.PUBLISHED: polis_files.ACCEPTED,
                 ProposalStatus.PENDING: polis_files.UNMODERATED,
                 ProposalStatus.REJECTED: polis_files.REJECTED}
    comments = [polis_files.Comment(
        id=int(proposal_ids[p.id]), author_id=int(p.external_author_id or -1),
        body=ballot_text.get(p.id, p.text), moderated=moderated[p.status],
        timestamp=_to_milliseconds(p.created_at)) for p in proposals]
    votes = [polis_files.Vote(voter_id=int(voter_ids[voter]), comment_id=int(proposal_ids[item]),
                              value=value, timestamp=_to_milliseconds(cast_at))
             for voter, item, value, cast_at in db.session.execute(
                 select(Vote.voter_id, Vote.proposal_id, Vote.value, Vote.cast_at)
                 .join(Voter, Voter.id == Vote.voter_id)
                 .where(Voter.consultation_id == consultation.id))]
    groups = {} if analysis is None else {int(voter_ids[member]): group
                                         for member, group in analysis.group_of().items()}
    polis_files.write_export(directory, comments, votes, groups)
    return len(comments), len(votes)
