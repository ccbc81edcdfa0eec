"""Opinion groups from votes (consult/voting/opinions.py) and Polis export files
(consult/voting/polis_files.py), checked against Polis's own groups on two real
conversations (Polis open data, CC BY 4.0, The Computational Democracy Project)."""
import json
import os
import random
import subprocess
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from consult.voting.opinions import VoteMatrix, analyse
from consult.voting.polis_files import Comment, Vote, read_export, write_export

POLIS_DATA = Path(__file__).resolve().parents[1] / "data" / "polis"
#: Adjusted Rand index against Polis's group-id measured for each conversation.
MEASURED_ARI = {"15-per-hour-seattle": 0.884, "brexit-consensus": 0.876}


@cache
def conversation(name: str):
    """The export, its vote matrix (every vote, rejected comments included) and the analysis."""
    export = read_export(POLIS_DATA / name)
    matrix = VoteMatrix.from_arrays(*export.vote_arrays())
    return export, matrix, analyse(matrix, excluded_items=export.rejected_comment_ids)


def agreement_with_polis(export, result) -> tuple[float, int]:
    reference = {p: g for p, g in export.reference_groups.items() if g is not None}
    ours = result.group_of()
    common = sorted(set(reference) & set(ours))
    return adjusted_rand_score([reference[p] for p in common], [ours[p] for p in common]), len(common)


@pytest.mark.parametrize("name", sorted(MEASURED_ARI))
def test_groups_match_polis_on_real_conversations(name, figure):
    export, _, result = conversation(name)
    polis_groups = {g for g in export.reference_groups.values() if g is not None}
    ari, compared = agreement_with_polis(export, result)
    figure(f"opinion groups, {name}: {result.n_groups} groups (Polis {len(polis_groups)}), "
           f"ARI vs Polis {ari:.3f} over {compared} participants")
    assert result.n_groups == len(polis_groups)
    assert ari >= 0.8
    assert round(ari, 3) == MEASURED_ARI[name]


def test_same_votes_in_any_order_give_the_same_result():
    export, matrix, result = conversation("brexit-consensus")
    rows = [(v.voter_id, v.comment_id, v.value, v.timestamp) for v in export.votes]
    # Stale votes too: the latest timestamp must win wherever it sits in the input.
    rows += [(p, c, -v or 1, t - 1000) for p, c, v, t in rows[::7]]
    random.Random(3).shuffle(rows)
    shuffled = VoteMatrix.from_votes(rows)
    again = analyse(shuffled, excluded_items=export.rejected_comment_ids)
    assert again.to_dict() == result.to_dict()
    p, i, v, t = (np.array(column) for column in zip(*reversed(rows)))
    from_arrays = analyse(VoteMatrix.from_arrays(p, i, v, timestamps=t), excluded_items=export.rejected_comment_ids)
    assert from_arrays.to_dict() == result.to_dict()
    assert json.loads(json.dumps(result.to_dict())) == result.to_dict()


def test_a_fresh_process_gives_the_same_result():
    code = (
        "import json, sys\n"
        "from consult.voting.opinions import VoteMatrix, analyse\n"
        "from consult.voting.polis_files import read_export\n"
        "export = read_export(sys.argv[1])\n"
        "matrix = VoteMatrix.from_arrays(*export.vote_arrays())\n"
        "print(json.dumps(analyse(matrix, excluded_items=export.rejected_comment_ids).to_dict()))\n"
    )
    name = "15-per-hour-seattle"
    out = subprocess.run([sys.executable, "-c", code, str(POLIS_DATA / name)], check=True, capture_output=True,
                         text=True, cwd=Path(__file__).resolve().parents[2], env={**os.environ, "PYTHONHASHSEED": "7"})
    assert json.loads(out.stdout) == json.loads(json.dumps(conversation(name)[2].to_dict()))


def test_groups_are_numbered_by_size_and_coordinates_are_given():
    _, _, result = conversation("15-per-hour-seattle")
    sizes = [len(g.members) for g in result.groups]
    assert sizes == sorted(sizes, reverse=True)
    assert [g.id for g in result.groups] == list(range(result.n_groups))
    assert len(result.coordinates) == len(result.participants) == sum(sizes)
    position = dict(zip(result.participants, result.coordinates))
    for group in result.groups:
        assert list(group.members) == sorted(group.members)
        centre = np.mean([position[m] for m in group.members], axis=0)
        assert group.centre == pytest.approx(tuple(centre))


def test_latest_vote_counts():
    with_times = VoteMatrix.from_votes([(1, "a", 1, 10), (1, "a", -1, 30), (1, "a", 0, 20), (2, "a", 1, 5)])
    assert with_times.vote(1, "a") == -1
    assert with_times.vote(2, "a") == 1
    assert with_times.n_votes == 2
    in_order = VoteMatrix.from_votes([(1, "a", 1), (1, "b", 0), (1, "a", -1)])
    assert in_order.vote(1, "a") == -1
    assert in_order.vote(1, "b") == 0
    assert in_order.vote(1, "c") is None


def test_reader_keeps_the_latest_vote(tmp_path):
    write_export(tmp_path, [Comment(0, 9, "Ice cream", 1), Comment(1, 9, "Soup", 1)], [])
    (tmp_path / "votes.csv").write_text(
        "timestamp,datetime,comment-id,voter-id,vote\n"
        "300,,0,5,-1\n"
        "100,,0,5,1\n"
        "200,,0,5,0\n"
        "50,,1,5,1\n"
    )
    votes = read_export(tmp_path).votes
    assert [(v.voter_id, v.comment_id, v.value, v.timestamp) for v in votes] == [(5, 0, -1, 300), (5, 1, 1, 50)]


def test_rejected_comments_are_left_out():
    export, _, result = conversation("15-per-hour-seattle")
    rejected = export.rejected_comment_ids
    assert len(rejected) == 23
    reported = {c.item for c in result.consensus} | {r.item for g in result.groups for r in g.representative}
    assert reported and not reported & rejected
    voted = {v.comment_id for v in export.votes}
    assert {c.item for c in result.consensus} == voted - rejected


def test_rejected_comments_count_as_passes_only_in_the_stretch_of_positions():
    export, matrix, result = conversation("15-per-hour-seattle")
    dropped = analyse(VoteMatrix.from_arrays(*export.vote_arrays(without_rejected=True)))
    assert dropped.participants == result.participants
    n_items, n_rejected = len(matrix.items) - 23, 23
    accepted_votes = {}
    for vote in export.votes:
        if vote.comment_id not in export.rejected_comment_ids:
            accepted_votes[vote.voter_id] = accepted_votes.get(vote.voter_id, 0) + 1
    for participant, with_rejected, without in zip(result.participants, result.coordinates, dropped.coordinates):
        n = accepted_votes[participant]
        ratio = np.sqrt((n_items + n_rejected) / (n + n_rejected)) / np.sqrt(n_items / n)
        assert with_rejected == pytest.approx(tuple(ratio * np.array(without)), abs=1e-9)


def test_participants_with_too_few_votes_are_not_clustered():
    export, matrix, result = conversation("brexit-consensus")
    counts = {}
    for vote in export.votes:
        counts[vote.voter_id] = counts.get(vote.voter_id, 0) + 1
    assert set(result.participants) == {p for p, n in counts.items() if n >= 7}
    assert len(result.participants) < len(counts)
    stricter = analyse(matrix, min_votes=20)
    assert set(stricter.participants) == {p for p, n in counts.items() if n >= 20}


@pytest.mark.parametrize("votes", [
    [],
    [(1, "a", 1), (2, "a", -1), (3, "a", 1), (4, "a", -1), (5, "a", 0)],  # one item
    [(p, i, 1 if p % 2 else -1) for p in range(3) for i in range(10)],  # three participants
    [(p, i, 1) for p in range(20) for i in range(10)],  # everybody agrees on everything
    [(p, (p + i) % 10, (-1) ** (p + i)) for p in range(20) for i in range(6)],  # six votes each
])
def test_degenerate_inputs_give_no_groups(votes):
    result = analyse(VoteMatrix.from_votes(votes))
    assert result.n_groups == 0
    assert result.groups == ()
    json.dumps(result.to_dict())


def test_votes_must_be_agree_disagree_or_pass():
    with pytest.raises(ValueError, match="-1, 0 or 1"):
        VoteMatrix.from_votes([(1, "a", 2)])
    with pytest.raises(ValueError, match="same length"):
        VoteMatrix.from_arrays([1, 2], ["a"], [1, 1])


def two_camps() -> list[tuple[str, str, int]]:
    """Ten 'north' and ten 'south' participants: they split on s1..s6, all agree with
    c1, c2, all disagree with c3; each skips one item and half of them pass on one."""
    stance = {"s1": 1, "s2": 1, "s3": 1, "s4": 1, "s5": -1, "s6": -1}
    items = [*stance, "c1", "c2", "c3"]
    votes = []
    for camp, sign in (("north", 1), ("south", -1)):
        for n in range(10):
            participant = f"{camp}-{n:02}"
            skipped = items[(n + (3 if camp == "south" else 0)) % len(items)]
            for item in items:
                if item == skipped:
                    continue
                if item in stance:
                    value = stance[item] * sign
                else:
                    value = -1 if item == "c3" else 1
                if n % 2 and item == items[n % len(items)]:
                    value = 0
                votes.append((participant, item, value))
    return votes


def test_two_obvious_camps_their_dividing_items_and_their_consensus():
    result = analyse(VoteMatrix.from_votes(two_camps()))
    assert result.n_groups == 2
    camps = sorted(result.groups, key=lambda g: g.members[0])
    assert [g.members[0].split("-")[0] for g in camps] == ["north", "south"]
    assert all(len({m.split("-")[0] for m in g.members}) == 1 and len(g.members) == 10 for g in camps)
    north_stance = {"s1": "agree", "s2": "agree", "s3": "agree", "s4": "agree", "s5": "disagree", "s6": "disagree"}
    flip = {"agree": "disagree", "disagree": "agree"}
    for group, stance in ((camps[0], north_stance), (camps[1], {k: flip[v] for k, v in north_stance.items()})):
        assert group.representative
        for item in group.representative:
            assert item.item in stance and item.direction == stance[item.item]
            assert item.significant and item.z > 1.2816 and item.p_value < 0.1
            assert item.group_probability > 0.5 > item.rest_probability and item.ratio > 1
    assert {c.item for c in result.consensus_by("agree")[:2]} == {"c1", "c2"}
    assert result.consensus_by("disagree")[0].item == "c3"
    assert result.consensus[0].item in {"c1", "c2"}
    divided = [c for c in result.consensus if c.item.startswith("s")]
    assert max(c.agree for c in divided) < min(c.agree for c in result.consensus if c.item in ("c1", "c2"))


def test_ten_thousand_participants_in_three_camps_are_found(figure):
    rng = np.random.default_rng(0)
    participants, items = 10_000, 1_000
    camp = rng.integers(0, 3, participants)
    leaning = rng.choice([0.15, 0.85], size=(3, items))
    per_participant = rng.integers(50, 200, participants)
    who = np.repeat(np.arange(participants), per_participant)
    what = rng.integers(0, items, len(who))
    values = np.where(rng.random(len(who)) < leaning[camp[who], what], 1, -1)
    result = analyse(VoteMatrix.from_arrays(who, what, values))
    found = result.group_of()
    ari = adjusted_rand_score(camp, [found[p] for p in range(participants)])
    figure(f"opinion groups: {participants:,} participants × {items:,} items, {len(who):,} votes, "
           f"ARI vs generated camps {ari:.3f} (timings: bench/opinions.py)")
    assert result.n_groups == 3 and ari > 0.95


# Polis export files


def write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


def valid_files(directory: Path) -> None:
    write(directory, "comments.csv",
          "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
          "1,,0,7,1,0,1,First\n"
          "2,,1,7,0,1,-1,\"Second, with a comma\"\n")
    write(directory, "votes.csv", "timestamp,datetime,comment-id,voter-id,vote\n3,,0,7,1\n4,,1,8,-1\n")


@pytest.mark.parametrize("file, text, message", [
    ("comments.csv", "timestamp,comment-id,author-id,moderated\n1,0,7,1\n",
     "comments.csv, line 1: missing column(s) comment-body"),
    ("comments.csv", "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
     "1,,zero,7,0,0,1,Hello\n", "comments.csv, line 2: comment-id must be an integer, not 'zero'"),
    ("comments.csv", "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
     "1,,0,7,0,0,1,Hello\n1,,0,7,0,0,1,Again\n", "comments.csv, line 3: comment-id 0 appears twice"),
    ("votes.csv", "timestamp,datetime,comment-id,vote\n3,,0,1\n",
     "votes.csv, line 1: missing column(s) voter-id"),
    ("votes.csv", "timestamp,datetime,comment-id,voter-id,vote\n3,,0,7,1\n4,,1,8,yes\n",
     "votes.csv, line 3: vote must be an integer, not 'yes'"),
    ("votes.csv", "timestamp,datetime,comment-id,voter-id,vote\n3,,0,7,2\n",
     "votes.csv, line 2: vote must be -1, 0 or 1, not 2"),
    ("votes.csv", "timestamp,datetime,comment-id,voter-id,vote\n3,,0,7,1\n\n5,,42,7,1\n",
     "votes.csv, line 4: vote on comment-id 42, which is not in comments.csv"),
    ("votes.csv", "timestamp,datetime,comment-id,voter-id,vote\n3,,0,7,1,9\n",
     "votes.csv, line 2: more cells than columns"),
    ("participants-votes.csv", "participant,n-votes\n7,1\n",
     "participants-votes.csv, line 1: missing column(s) group-id"),
    ("participants-votes.csv", "participant,group-id\n7,x\n",
     "participants-votes.csv, line 2: group-id must be an integer, not 'x'"),
])
def test_reader_refuses_malformed_files(tmp_path, file, text, message):
    valid_files(tmp_path)
    write(tmp_path, file, text)
    with pytest.raises(ValueError) as refused:
        read_export(tmp_path)
    assert str(refused.value) == message


def test_reader_needs_both_files(tmp_path):
    valid_files(tmp_path)
    (tmp_path / "votes.csv").unlink()
    with pytest.raises(ValueError, match="votes.csv: file not found"):
        read_export(tmp_path)


def test_reading_what_was_written_gives_the_same_data(tmp_path):
    export = read_export(POLIS_DATA / "15-per-hour-seattle")
    write_export(tmp_path, export.comments, export.history, export.reference_groups)
    again = read_export(tmp_path)
    assert again == export
    assert any("," in c.body or '"' in c.body for c in again.comments)


def test_written_files_have_polis_shapes(tmp_path):
    comments = [Comment(0, 7, "=1+1, \"quoted\"\nnew line", 1, 100, "Mon"), Comment(3, 8, "Other", -1)]
    votes = [Vote(7, 0, 1, 5), Vote(8, 0, -1, 6), Vote(8, 3, 0, 7)]
    write_export(tmp_path, comments, votes, {7: 1, 9: None})
    assert (tmp_path / "comments.csv").read_text().splitlines()[:2] == [
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body",
        '100,Mon,0,7,1,1,1,"=1+1, ""quoted""',
    ]
    assert (tmp_path / "participants-votes.csv").read_text().splitlines() == [
        "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0,3",
        "7,1,1,1,1,0,1,",
        "8,,1,2,0,1,-1,0",
        "9,,0,0,0,0,,",
    ]
    again = read_export(tmp_path)
    assert again.comments == tuple(comments)
    assert again.votes == tuple(votes)
    assert again.reference_groups == {7: 1, 8: None, 9: None}
