"""The rules of the vote phase: what may be voted on, one current vote per voter and
item, summit delegates' codes, participants' statements, results and opinion groups.

The vote code deals with proposals only (`consult.models.Proposal`); published
recommendations and measures become proposals through `sync_proposals`."""
import json
import random
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from consult import audit
from consult.extensions import db, insert_or_update
from consult.models import (
    Consultation,
    DelegateCode,
    DraftStatus,
    Measure,
    Orientation,
    ParticipantCategory,
    Phase,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Recommendation,
    Region,
    User,
    Vote,
    Voter,
    VoteHistory,
    VoteResults,
    VoteValue,
    utcnow,
)
from consult.queue import on_commit
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
    missing = [(kind, item_id) for kind, item_id in wanted if (kind, item_id) not in have]
    for kind, item_id in missing:
        column = "recommendation_id" if kind == "r" else "measure_id"
        insert_or_update(Proposal, {
            "consultation_id": consultation.id, column: item_id, "text": "",
            "kind": ProposalKind.RECOMMENDATION if kind == "r" else ProposalKind.MEASURE,
            "status": ProposalStatus.PUBLISHED, "created_at": utcnow()}, [column])
    if missing:
        results_changed(consultation.id)
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


#: Blocks (a recommendation with its measures, or a statement) on one page of the ballot.
BALLOT_PAGE_SIZE = 10


def ballot_blocks(consultation: Consultation, voter: Voter | None,
                  order_key: str | None = None) -> list[list[Ballot]]:
    """Everything the consultation puts to the vote now, with the voter's votes, in
    blocks: a recommendation followed by its measures, or one statement. Blocks come in
    the document's order (statements after, oldest first), or in an order of the
    person's own when the consultation shuffles, stable for `order_key` (the same
    before and after their first vote); the parts of a block are never shuffled."""
    place: dict[tuple[str, int], tuple[int, int, str, str]] = {}
    block = 0
    for o in orientations(consultation, published_only=True):
        for r in o.recommendations:
            place[("r", r.recommendation.id)] = (block, 0, r.number, r.recommendation.text)
            for position, m in enumerate(r.measures, start=1):
                place[("m", m.measure.id)] = (block, position, m.number, m.measure.text)
            block += 1
    proposals = db.session.execute(
        select(Proposal).where(Proposal.consultation_id == consultation.id, _published_source())
        .order_by(Proposal.id)).scalars().all()
    mine = {} if voter is None else dict(db.session.execute(
        select(Vote.proposal_id, Vote.value).where(Vote.voter_id == voter.id)).all())
    blocks: dict[int, list[tuple[int, Ballot]]] = {}
    for proposal in proposals:
        if proposal.recommendation_id is not None:
            key = place[("r", proposal.recommendation_id)]
        elif proposal.measure_id is not None:
            key = place[("m", proposal.measure_id)]
        else:
            block += 1
            key = (block, 0, "", proposal.text)
        index, position, number, text = key
        blocks.setdefault(index, []).append(
            (position, Ballot(proposal, number, text, mine.get(proposal.id))))
    result = [[ballot for _, ballot in sorted(blocks[index], key=lambda part: part[0])]
              for index in sorted(blocks)]
    if consultation.shuffle_votes and order_key is not None:
        random.Random(f"{consultation.id}:{order_key}").shuffle(result)
    return result


def ballots(consultation: Consultation, voter: Voter | None,
            order_key: str | None = None) -> list[Ballot]:
    """The items of `ballot_blocks`, one after the other."""
    return [ballot for block in ballot_blocks(consultation, voter, order_key) for ballot in block]


@dataclass
class BallotPage:
    """One page of the ballot, and how far the voter is on the whole ballot."""

    blocks: list[list[Ballot]]
    number: int
    pages: int
    answered: int
    total: int

    def following(self) -> dict[int, int]:
        """Each item's next one on this page, by proposal id (the last one has none)."""
        ids = [ballot.proposal.id for block in self.blocks for ballot in block]
        return dict(zip(ids, ids[1:]))


def ballot_page(blocks: list[list[Ballot]], number: int | None) -> BallotPage:
    """Page `number` (from 1; out of range: the nearest page) of BALLOT_PAGE_SIZE blocks."""
    pages = max(1, -(-len(blocks) // BALLOT_PAGE_SIZE))
    number = min(max(number or 1, 1), pages)
    items = [ballot for block in blocks for ballot in block]
    return BallotPage(blocks=blocks[(number - 1) * BALLOT_PAGE_SIZE:number * BALLOT_PAGE_SIZE],
                      number=number, pages=pages, total=len(items),
                      answered=sum(ballot.vote is not None for ballot in items))


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
    results_changed(voter.consultation_id)
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
    results_changed(consultation.id)
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
        select(ParticipantCategory.shown_name, func.count(DelegateCode.id),
               func.count(DelegateCode.used_at), func.count(DelegateCode.revoked_at))
        .join(DelegateCode.category).where(DelegateCode.consultation_id == consultation.id)
        .group_by(ParticipantCategory.shown_name).order_by(ParticipantCategory.shown_name)).all()
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
    results_changed(statement.consultation_id)
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
    for column, attribute in ((ParticipantCategory.shown_name, "by_category"),
                              (Region.shown_name, "by_region")):
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

    @property
    def outlines(self) -> list[tuple[int, str]]:
        """Each group's points as one SVG path of small discs (two arcs each), written
        here in one pass: a template loop over thousands of circles took longer than the
        rest of the results page. Plain text, escaped by the template like any other."""
        discs = defaultdict(list)
        for x, y, group in self.points:
            discs[int(group) % 5].append(f"M{float(x) - 3:.1f},{float(y):.1f}" + _DISC)
        return sorted((group, "".join(parts)) for group, parts in discs.items())


#: The rest of a disc of radius 3 once at its leftmost point: two half-circle arcs.
_DISC = "a3,3 0 1,0 6,0a3,3 0 1,0 -6,0"


PICTURE_SIZE = 400
#: Beyond this many participants, an even sample of them is drawn (the groups stay whole):
#: 2,500 points already fill the 400-unit square.
PICTURE_MAX_POINTS = 2500


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


# Stored results ---------------------------------------------------------------------
#
# The results pages read what the worker last computed (`VoteResults`), so a page costs
# a few queries whatever the number of votes. What changes the results calls
# `results_changed` in its transaction; the computation follows RESULTS_INTERVAL_SECONDS
# after the commit, at most one waiting at a time, and a sweep catches up on the rest.

#: Items listed under "agreement across groups".
AGREEMENT_SHOWN = 5


@dataclass
class GroupSummary:
    """An opinion group as the results pages show it."""

    id: int
    size: int
    centre: tuple[float, float]
    #: What `consult.voting.opinions.RepresentativeItem` holds, as plain records.
    representative: list[SimpleNamespace]


@dataclass
class StoredResults:
    """The results as last computed: `stale` when votes have changed since."""

    computed_at: datetime
    seconds: float
    stale: bool
    voters: int
    items: list[ItemResult]
    groups: list[GroupSummary]
    #: What `consult.voting.opinions.ItemConsensus` holds, as plain records.
    agreement: list[SimpleNamespace]
    picture: Picture | None


def results_changed(consultation_id: int) -> None:
    """Mark the stored results out of date (in the caller's transaction) and, unless a
    computation is waiting already, queue one RESULTS_INTERVAL_SECONDS after the
    commit."""
    from consult.voting.tasks import refresh_results

    marked = db.session.execute(update(VoteResults).where(
        VoteResults.consultation_id == consultation_id, VoteResults.stale.is_(False)
    ).values(stale=True)).rowcount
    if not marked:
        marked = insert_or_update(VoteResults, {"consultation_id": consultation_id,
                                                "stale": True}, ["consultation_id"]).rowcount
    if marked:
        on_commit(refresh_results, consultation_id,
                  delay=current_app.config["RESULTS_INTERVAL_SECONDS"])


def _plain(value):
    """numpy's integers and floats as JSON numbers."""
    return value.item()


def compute_results(consultation: Consultation) -> dict:
    """Everything the results pages show, as plain data."""
    analysis = opinion_groups(consultation)
    picture = opinion_picture(analysis)
    return {
        "voters": voter_count(consultation),
        "items": [{
            "proposal": item.ballot.proposal.id,
            "overall": vars(item.overall),
            "by_category": {name: vars(t) for name, t in item.by_category.items()},
            "by_region": {name: vars(t) for name, t in item.by_region.items()},
            "consensus": item.consensus, "divisive": item.divisive,
        } for item in results(consultation)],
        "groups": [{"id": g.id, "size": len(g.members), "centre": g.centre,
                    "representative": [vars(r) for r in g.representative]}
                   for g in analysis.groups],
        "agreement": [vars(c) for c in analysis.consensus_by("agree")[:AGREEMENT_SHOWN]],
        "picture": None if picture is None else vars(picture),
    }


def refresh_results(consultation_id: int, force: bool = False) -> None:
    """Compute and store a consultation's results, unless they are up to date (or
    `force`). They are marked up to date before the votes are read, so that a vote cast
    meanwhile marks them out of date again."""
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        return
    insert_or_update(VoteResults, {"consultation_id": consultation_id}, ["consultation_id"])
    stored = db.session.get(VoteResults, consultation_id)
    if not (force or stored.stale or stored.data is None):
        db.session.commit()
        return
    stored.stale = False
    db.session.commit()
    started = time.perf_counter()
    data = json.dumps(compute_results(consultation), default=_plain, separators=(",", ":"))
    stored.data, stored.computed_at = data, utcnow()
    stored.seconds = round(time.perf_counter() - started, 3)
    db.session.commit()


def due_for_refresh() -> list[int]:
    """Consultations whose stored results should be computed now: out of date for longer
    than the interval (their task was lost), or being voted on and older than
    RESULTS_REFRESH_SECONDS (a vote committed while a computation was starting)."""
    config = current_app.config
    now = utcnow()
    late = now - timedelta(seconds=config["RESULTS_INTERVAL_SECONDS"] + 60)
    old = now - timedelta(seconds=config["RESULTS_REFRESH_SECONDS"])
    rows = db.session.execute(select(VoteResults.consultation_id, VoteResults.stale,
                                     VoteResults.computed_at, Consultation)
                              .join(Consultation)).all()
    return [cid for cid, stale, computed_at, consultation in rows
            if computed_at is None or (stale and computed_at < late)
            or (consultation.phase_at(now) is Phase.VOTE and computed_at < old)]


def stored_results(consultation: Consultation) -> StoredResults | None:
    """The results as last computed, with the items as they are now (an item put to
    the vote since shows no votes yet); None before the first computation."""
    stored = db.session.get(VoteResults, consultation.id)
    if stored is None or stored.data is None:
        return None
    data = json.loads(stored.data)
    tallies = {row["proposal"]: row for row in data["items"]}
    items = []
    for ballot in ballots(consultation, None):
        row = tallies.get(ballot.proposal.id)
        if row is None:
            items.append(ItemResult(ballot, Tally()))
            continue
        items.append(ItemResult(
            ballot, Tally(**row["overall"]),
            {name: Tally(**t) for name, t in row["by_category"].items()},
            {name: Tally(**t) for name, t in row["by_region"].items()},
            row["consensus"], row["divisive"]))
    items.sort(key=lambda i: (i.ballot.number == "", i.ballot.number, i.ballot.proposal.id))
    picture = data["picture"]
    return StoredResults(
        computed_at=stored.computed_at, seconds=stored.seconds or 0.0, stale=stored.stale,
        voters=data["voters"], items=items,
        groups=[GroupSummary(g["id"], g["size"], tuple(g["centre"]),
                             [SimpleNamespace(**r) for r in g["representative"]])
                for g in data["groups"]],
        agreement=[SimpleNamespace(**c) for c in data["agreement"]],
        picture=None if picture is None else Picture(
            picture["points"], picture["centres"], picture["shown"], picture["total"]))


def results_now(consultation: Consultation) -> StoredResults | None:
    """The stored results; before the first computation, one is queued at once (done
    there and then where tasks run as they are queued) and None is returned while it is
    under way."""
    from consult.voting.tasks import refresh_results as refresh_task

    found = stored_results(consultation)
    if found is None:
        results_changed(consultation.id)
        on_commit(refresh_task, consultation.id)
        db.session.commit()
        found = stored_results(consultation)
    return found


# Polis interchange ------------------------------------------------------------------


EPOCH = datetime(1970, 1, 1)
#: Longest datetime text kept from an import (the column's size); a longer one is
#: written again from the timestamp.
EXTERNAL_DATETIME_LENGTH = 64


def _from_milliseconds(timestamp: int) -> datetime:
    return EPOCH + timedelta(milliseconds=timestamp) if timestamp else utcnow()


def _to_milliseconds(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def _polis_datetime(kept: str | None, moment: datetime) -> str:
    """The datetime column: as imported, else the moment in Polis's own format (UTC)."""
    return kept or f"{moment:%a %b %d %H:%M:%S} UTC {moment:%Y}"


def _kept_datetime(text: str) -> str | None:
    return text if text and len(text) <= EXTERNAL_DATETIME_LENGTH else None


def import_polis(consultation: Consultation, export: polis_files.PolisExport,
                 actor: User | None = None) -> tuple[int, int, int]:
    """Put a Polis conversation into the consultation: each comment becomes a statement
    (rejected ones kept but out of the vote and the analysis; unmoderated ones shown,
    as Polis shows them, but left undecided), each participant a voter, each latest
    vote a vote, and every vote row, changed ones included, the history. All or
    nothing; refused if the consultation already has items to vote on. Returns
    (statements, voters, votes)."""
    if db.session.execute(select(Proposal.id).where(
            Proposal.consultation_id == consultation.id).limit(1)).first() is not None:
        raise VotingError(_l("This consultation already has items to vote on; import into "
                             "a new one."))
    now = utcnow()
    proposals = {comment.id: Proposal(
        consultation_id=consultation.id, kind=ProposalKind.IMPORTED, text=comment.body,
        status=ProposalStatus.REJECTED if comment.moderated == polis_files.REJECTED
        else ProposalStatus.PUBLISHED,
        decided_at=None if comment.moderated == polis_files.UNMODERATED else now,
        external_id=str(comment.id), external_author_id=str(comment.author_id),
        external_datetime=_kept_datetime(comment.datetime),
        created_at=_from_milliseconds(comment.timestamp)) for comment in export.comments}
    history = export.history or export.votes
    voter_keys = sorted({vote.voter_id for vote in history}
                        | {comment.author_id for comment in export.comments})
    voters = {key: Voter(consultation_id=consultation.id, external_id=str(key))
              for key in voter_keys}
    try:
        db.session.add_all([*proposals.values(), *voters.values()])
        db.session.flush()
        rows = [{"voter_id": voters[v.voter_id].id, "proposal_id": proposals[v.comment_id].id,
                 "value": v.value, "cast_at": _from_milliseconds(v.timestamp)}
                for v in export.votes]
        cast = [{"voter_id": voters[v.voter_id].id, "proposal_id": proposals[v.comment_id].id,
                 "value": v.value, "cast_at": _from_milliseconds(v.timestamp),
                 "external_datetime": _kept_datetime(v.datetime)}
                for v in sorted(history, key=lambda v: v.timestamp)]
        if rows:
            db.session.execute(Vote.__table__.insert(), rows)
            db.session.execute(VoteHistory.__table__.insert(), cast)
        audit.record("votes.imported", object_type="consultation", object_id=consultation.id,
                     consultation_id=consultation.id, actor=actor,
                     details={"statements": len(proposals), "voters": len(voters),
                              "votes": len(rows), "cast": len(cast)})
        results_changed(consultation.id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(proposals), len(voters), len(rows)


def _polis_moderated(proposal: Proposal) -> int:
    """Polis's moderated value: an imported statement no one decided on stays 0."""
    if proposal.status == ProposalStatus.REJECTED:
        return polis_files.REJECTED
    if proposal.status == ProposalStatus.PENDING or (
            proposal.kind == ProposalKind.IMPORTED and proposal.decided_at is None):
        return polis_files.UNMODERATED
    return polis_files.ACCEPTED


def _votes_as_cast(consultation: Consultation) -> list[tuple[int, int, int, datetime, str | None]]:
    """(voter, proposal, value, cast at, datetime as imported) of every vote cast in the
    consultation, changed ones included, then the current votes the history lacks."""
    history = db.session.execute(
        select(VoteHistory.voter_id, VoteHistory.proposal_id, VoteHistory.value,
               VoteHistory.cast_at, VoteHistory.external_datetime)
        .join(Voter, Voter.id == VoteHistory.voter_id)
        .where(Voter.consultation_id == consultation.id).order_by(VoteHistory.id)).all()
    recorded = {(voter, proposal) for voter, proposal, *_ in history}
    current = db.session.execute(
        select(Vote.voter_id, Vote.proposal_id, Vote.value, Vote.cast_at)
        .join(Voter, Voter.id == Vote.voter_id)
        .where(Voter.consultation_id == consultation.id)).all()
    return [*map(tuple, history), *((voter, proposal, value, cast_at, None)
                                    for voter, proposal, value, cast_at in current
                                    if (voter, proposal) not in recorded)]


def export_polis(consultation: Consultation, directory,
                 analysis: "OpinionAnalysis | None" = None) -> tuple[int, int]:
    """Write the consultation's statements and every vote cast as a Polis export
    (comments.csv, votes.csv, participants-votes.csv with our opinion groups); an
    imported conversation comes out as it went in. Returns (statements, vote rows)."""
    voter_ids, proposal_ids = external_ids(consultation)
    proposals = db.session.execute(select(Proposal).where(
        Proposal.consultation_id == consultation.id).order_by(Proposal.id)).scalars().all()
    ballot_text = {b.proposal.id: b.text for b in ballots(consultation, None)}
    comments = [polis_files.Comment(
        id=int(proposal_ids[p.id]), author_id=int(p.external_author_id or -1),
        body=ballot_text.get(p.id, p.text), moderated=_polis_moderated(p),
        timestamp=_to_milliseconds(p.created_at),
        datetime=_polis_datetime(p.external_datetime, p.created_at)) for p in proposals]
    votes = [polis_files.Vote(voter_id=int(voter_ids[voter]), comment_id=int(proposal_ids[item]),
                              value=value, timestamp=_to_milliseconds(cast_at),
                              datetime=_polis_datetime(kept, cast_at))
             for voter, item, value, cast_at, kept in _votes_as_cast(consultation)]
    groups = {} if analysis is None else {int(voter_ids[member]): group
                                         for member, group in analysis.group_of().items()}
    polis_files.write_export(directory, comments, votes, groups)
    return len(comments), len(votes)
