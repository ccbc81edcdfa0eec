"""Read and write the CSV files of a Polis conversation export.

A Polis export directory holds:

- ``comments.csv``: timestamp, datetime, comment-id, author-id, agrees, disagrees,
  moderated (1 accepted, 0 unmoderated, -1 rejected), comment-body;
- ``votes.csv``: timestamp, datetime, comment-id, voter-id, vote (1 agree, -1 disagree,
  0 pass), one row per vote cast: a voter who changed his mind appears several times
  for one comment and the latest timestamp counts;
- ``participants-votes.csv`` (optional here): participant, group-id (empty when Polis
  did not cluster the participant), n-comments, n-votes, n-agree, n-disagree, then one
  column per comment id holding the participant's vote.

``read_export(directory)`` gives a :class:`PolisExport` of plain values: every vote row
as cast (``history``) and the latest vote per (voter, comment) (``votes``);
``write_export(directory, ...)`` writes the same three files back from plain values, so
that a conversation read and written again gives the same rows. Malformed files raise
``ValueError`` naming the file and the line.
"""
import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

COMMENTS_FILE = "comments.csv"
VOTES_FILE = "votes.csv"
PARTICIPANTS_FILE = "participants-votes.csv"

COMMENT_COLUMNS = ("timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees",
                   "moderated", "comment-body")
VOTE_COLUMNS = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
PARTICIPANT_COLUMNS = ("participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")
#: Columns the reader needs; the others (datetime, agrees, disagrees, ...) may be absent.
REQUIRED_COMMENT_COLUMNS = ("timestamp", "comment-id", "author-id", "moderated", "comment-body")
REQUIRED_VOTE_COLUMNS = ("timestamp", "comment-id", "voter-id", "vote")
REQUIRED_PARTICIPANT_COLUMNS = ("participant", "group-id")

AGREE, PASS, DISAGREE = 1, 0, -1
REJECTED, UNMODERATED, ACCEPTED = -1, 0, 1


@dataclass(frozen=True)
class Comment:
    """A statement participants vote on."""

    id: int
    author_id: int
    body: str
    moderated: int
    timestamp: int = 0
    datetime: str = ""


@dataclass(frozen=True)
class Vote:
    """A participant's vote on a comment: 1 agree, -1 disagree, 0 pass."""

    voter_id: int
    comment_id: int
    value: int
    timestamp: int = 0
    datetime: str = ""


@dataclass(frozen=True)
class PolisExport:
    """A conversation: its comments, the latest vote per (voter, comment), and the groups
    Polis assigned (participant id to group id, None when not clustered; None when the
    export has no participants-votes.csv). ``history`` holds every row of votes.csv, in
    the file's order, changed votes included."""

    comments: tuple[Comment, ...]
    votes: tuple[Vote, ...]
    reference_groups: dict[int, int | None] | None = None
    history: tuple[Vote, ...] = ()

    @property
    def rejected_comment_ids(self) -> frozenset[int]:
        """Comments a moderator rejected: they take no part in an analysis."""
        return frozenset(c.id for c in self.comments if c.moderated == REJECTED)

    def vote_arrays(self, without_rejected: bool = False
                    ) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
        """(voter ids, comment ids, values) as integer arrays, for ``VoteMatrix.from_arrays``.

        For an analysis as Polis makes it, keep the votes on rejected comments here and pass
        ``rejected_comment_ids`` to ``analyse`` as ``excluded_items``.
        """
        # NumPy loads with the first analysis, not with the app (docs/benchmarks.md).
        import numpy as np

        rejected = self.rejected_comment_ids if without_rejected else frozenset()
        kept = [v for v in self.votes if v.comment_id not in rejected]
        return (np.fromiter((v.voter_id for v in kept), dtype=np.int64, count=len(kept)),
                np.fromiter((v.comment_id for v in kept), dtype=np.int64, count=len(kept)),
                np.fromiter((v.value for v in kept), dtype=np.int8, count=len(kept)))


def read_export(directory: str | Path) -> PolisExport:
    """Read comments.csv, votes.csv and, when present, participants-votes.csv."""
    directory = Path(directory)
    comments = read_comments(directory / COMMENTS_FILE)
    history = read_vote_rows(directory / VOTES_FILE, {c.id for c in comments})
    participants = directory / PARTICIPANTS_FILE
    groups = read_reference_groups(participants) if participants.exists() else None
    return PolisExport(comments=comments, votes=latest_votes(history), reference_groups=groups,
                       history=history)


def read_comments(path: Path) -> tuple[Comment, ...]:
    """The comments of comments.csv, by id."""
    comments: dict[int, Comment] = {}
    for line, row in _rows(path, REQUIRED_COMMENT_COLUMNS):
        comment = Comment(
            id=_integer(row, "comment-id", path, line),
            author_id=_integer(row, "author-id", path, line),
            body=row["comment-body"] or "",
            moderated=_integer(row, "moderated", path, line),
            timestamp=_integer(row, "timestamp", path, line),
            datetime=row.get("datetime") or "",
        )
        if comment.moderated not in (REJECTED, UNMODERATED, ACCEPTED):
            raise ValueError(f"{path.name}, line {line}: moderated must be -1, 0 or 1, "
                             f"not {comment.moderated}")
        if comment.id in comments:
            raise ValueError(f"{path.name}, line {line}: comment-id {comment.id} appears twice")
        comments[comment.id] = comment
    return tuple(comments[i] for i in sorted(comments))


def read_vote_rows(path: Path, comment_ids: set[int]) -> tuple[Vote, ...]:
    """Every vote row of votes.csv, in the file's order."""
    rows = []
    for line, row in _rows(path, REQUIRED_VOTE_COLUMNS):
        vote = Vote(
            voter_id=_integer(row, "voter-id", path, line),
            comment_id=_integer(row, "comment-id", path, line),
            value=_integer(row, "vote", path, line),
            timestamp=_integer(row, "timestamp", path, line),
            datetime=row.get("datetime") or "",
        )
        if vote.value not in (AGREE, PASS, DISAGREE):
            raise ValueError(f"{path.name}, line {line}: vote must be -1, 0 or 1, not {vote.value}")
        if vote.comment_id not in comment_ids:
            raise ValueError(f"{path.name}, line {line}: vote on comment-id {vote.comment_id}, "
                             f"which is not in {COMMENTS_FILE}")
        rows.append(vote)
    return tuple(rows)


def latest_votes(votes: Iterable[Vote]) -> tuple[Vote, ...]:
    """The latest vote of each voter on each comment, by (voter, comment).

    Of two votes with the same timestamp the later one in ``votes`` counts.
    """
    latest: dict[tuple[int, int], Vote] = {}
    for vote in votes:
        key = (vote.voter_id, vote.comment_id)
        previous = latest.get(key)
        if previous is None or vote.timestamp >= previous.timestamp:
            latest[key] = vote
    return tuple(latest[key] for key in sorted(latest))


def read_reference_groups(path: Path) -> dict[int, int | None]:
    """Participant id to the group-id Polis assigned, None when he was not clustered."""
    groups: dict[int, int | None] = {}
    for line, row in _rows(path, REQUIRED_PARTICIPANT_COLUMNS):
        participant = _integer(row, "participant", path, line)
        if participant in groups:
            raise ValueError(f"{path.name}, line {line}: participant {participant} appears twice")
        groups[participant] = _integer(row, "group-id", path, line) if (row["group-id"] or "").strip() else None
    return groups


def write_export(directory: str | Path, comments: Iterable[Comment], votes: Iterable[Vote],
                 groups: Mapping[int, int | None] | None = None) -> None:
    """Write comments.csv, votes.csv and participants-votes.csv into ``directory``.

    ``votes`` are the vote rows as cast, changed votes included (or only the latest
    ones, when no history is kept). As in Polis, a comment's agree and disagree counts
    count every row, and the participants' vote columns hold each one's latest vote;
    ``groups`` maps participant ids to a group id (None or missing: not clustered).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    comments = sorted(comments, key=lambda c: c.id)
    votes = sorted(votes, key=lambda v: (v.comment_id, v.voter_id, v.timestamp))
    groups = groups or {}
    agrees: dict[int, int] = {}
    disagrees: dict[int, int] = {}
    for vote in votes:
        if vote.value == AGREE:
            agrees[vote.comment_id] = agrees.get(vote.comment_id, 0) + 1
        elif vote.value == DISAGREE:
            disagrees[vote.comment_id] = disagrees.get(vote.comment_id, 0) + 1

    with open(directory / COMMENTS_FILE, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COMMENT_COLUMNS)
        for c in comments:
            writer.writerow([c.timestamp, c.datetime, c.id, c.author_id, agrees.get(c.id, 0),
                             disagrees.get(c.id, 0), c.moderated, c.body])

    with open(directory / VOTES_FILE, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(VOTE_COLUMNS)
        for v in votes:
            writer.writerow([v.timestamp, v.datetime, v.comment_id, v.voter_id, v.value])

    by_participant: dict[int, dict[int, int]] = {}
    for vote in latest_votes(votes):
        by_participant.setdefault(vote.voter_id, {})[vote.comment_id] = vote.value
    authored: dict[int, int] = {}
    for c in comments:
        authored[c.author_id] = authored.get(c.author_id, 0) + 1
    comment_ids = [c.id for c in comments]
    with open(directory / PARTICIPANTS_FILE, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*PARTICIPANT_COLUMNS, *comment_ids])
        for participant in sorted(set(by_participant) | set(groups)):
            cast = by_participant.get(participant, {})
            group = groups.get(participant)
            values = list(cast.values())
            writer.writerow([
                participant, "" if group is None else group, authored.get(participant, 0), len(values),
                values.count(AGREE), values.count(DISAGREE),
                *("" if cast.get(i) is None else cast[i] for i in comment_ids),
            ])


def _rows(path: Path, required: tuple[str, ...]) -> Iterable[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV file whose header has the ``required`` columns."""
    if not path.exists():
        raise ValueError(f"{path.name}: file not found in {path.parent}")
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [column for column in required if column not in (reader.fieldnames or ())]
            if missing:
                raise ValueError(f"{path.name}, line 1: missing column(s) {', '.join(missing)}")
            for row in reader:
                if None in row:
                    raise ValueError(
                        f"{path.name}, line {reader.line_num}: more cells than columns")
                yield reader.line_num, row
    except UnicodeDecodeError:
        raise ValueError(f"{path.name} is not a text file in UTF-8") from None


def _integer(row: dict[str, str], column: str, path: Path, line: int) -> int:
    text = row[column]
    try:
        return int((text or "").strip())
    except ValueError:
        raise ValueError(f"{path.name}, line {line}: {column} must be an integer, not {text!r}") from None
