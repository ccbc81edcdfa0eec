"""A real Polis conversation in and out: `flask consult import-polis`, `opinion-groups`,
`export-polis`, and the opinion groups on the results page."""
import csv
import json
from datetime import datetime
from pathlib import Path

import pytest
from sklearn.metrics import adjusted_rand_score

from consult.extensions import db
from consult.models import Consultation, Proposal, Role, Vote, Voter, VoteValue
from consult.voting import services as voting
from consult.voting import polis_files
from tests.conftest import log_in

POLIS = Path(__file__).resolve().parents[1] / "data" / "polis"
BREXIT = POLIS / "brexit-consensus"


def test_a_polis_conversation_goes_in_is_grouped_and_comes_out_the_same(runner, tmp_path):
    result = runner.invoke(args=["consult", "import-polis", str(BREXIT), "--slug", "brexit"])
    assert result.exit_code == 0, result.output
    original = polis_files.read_export(BREXIT)
    assert f"{len(original.comments)} statements" in result.output
    assert f"{len(original.votes)} votes" in result.output
    consultation = db.session.execute(db.select(Consultation).filter_by(slug="brexit")).scalar_one()
    assert consultation.title == "Can there be consensus on Brexit?"
    rejected = db.session.query(Proposal).filter_by(status="rejected").count()
    assert rejected == len(original.rejected_comment_ids)

    printed = runner.invoke(args=["consult", "opinion-groups", "brexit", "--json"])
    groups = json.loads(printed.output)
    polis_groups = {g for g in original.reference_groups.values() if g is not None}
    assert len(groups["groups"]) == len(polis_groups)
    members = {m for g in groups["groups"] for m in g["members"]}
    assert members <= {str(p) for p in original.reference_groups}
    assert all(i["item"] not in {str(c) for c in original.rejected_comment_ids}
               for g in groups["groups"] for i in g["representative"])
    assert runner.invoke(args=["consult", "opinion-groups", "brexit", "--json"]).output == printed.output

    exported = runner.invoke(args=["consult", "export-polis", "brexit", str(tmp_path)])
    assert exported.exit_code == 0, exported.output
    again = polis_files.read_export(tmp_path)
    assert {(v.voter_id, v.comment_id, v.value) for v in again.votes} == {
        (v.voter_id, v.comment_id, v.value) for v in original.votes}
    assert [(c.id, c.body, c.author_id) for c in again.comments] == [
        (c.id, c.body, c.author_id) for c in original.comments]
    assert again.rejected_comment_ids == original.rejected_comment_ids
    assert sum(g is not None for g in again.reference_groups.values()) == len(members)

    twice = runner.invoke(args=["consult", "import-polis", str(BREXIT), "--slug", "brexit"])
    assert twice.exit_code != 0 and "Nothing imported" in twice.output
    assert db.session.query(Vote).count() == len(original.votes)


def csv_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_an_imported_conversation_exports_back_the_same_rows(runner, tmp_path):
    source = POLIS / "15-per-hour-seattle"  # votes changed, a comment left unmoderated
    assert runner.invoke(args=["consult", "import-polis", str(source), "--slug", "seattle"]).exit_code == 0
    exported = runner.invoke(args=["consult", "export-polis", "seattle", str(tmp_path)])
    assert exported.exit_code == 0, exported.output

    original_votes = csv_rows(source / "votes.csv")
    assert len(original_votes) == 2995 and len(polis_files.read_export(source).votes) == 2872
    assert f"{len(original_votes)} votes" in exported.output
    assert csv_rows(tmp_path / "votes.csv") == original_votes  # every row, changed votes too
    assert (tmp_path / "votes.csv").read_bytes() == (source / "votes.csv").read_bytes()

    by_id = {row["comment-id"]: row for row in csv_rows(source / "comments.csv")}
    again = {row["comment-id"]: row for row in csv_rows(tmp_path / "comments.csv")}
    assert again == by_id  # moderated, agrees, disagrees, timestamp and datetime as imported
    assert again["53"]["moderated"] == "0"
    assert again["48"]["agrees"] == "38" and again["48"]["datetime"] == "Wed Jun 18 11:53:44 WIB 2014"


def test_votes_cast_here_are_exported_with_a_datetime(runner, tmp_path):
    runner.invoke(args=["consult", "import-polis", str(BREXIT), "--slug", "brexit"])
    consultation = db.session.execute(db.select(Consultation).filter_by(slug="brexit")).scalar_one()
    consultation.opens_at = consultation.synthesis_at = consultation.vote_at = datetime(2020, 1, 1)
    voter = db.session.execute(db.select(Voter).filter_by(external_id="3")).scalar_one()
    statement = db.session.execute(db.select(Proposal).filter_by(external_id="0")).scalar_one()
    before = next(v.value for v in polis_files.read_export(BREXIT).votes
                  if v.voter_id == 3 and v.comment_id == 0)
    changed = VoteValue.AGREE if before != VoteValue.AGREE else VoteValue.DISAGREE
    voting.cast_vote(consultation, voter, statement, changed)
    runner.invoke(args=["consult", "export-polis", "brexit", str(tmp_path)])
    rows = [row for row in csv_rows(tmp_path / "votes.csv")
            if row["voter-id"] == "3" and row["comment-id"] == "0"]
    assert [int(row["vote"]) for row in rows] == [before, changed]
    assert rows[-1]["datetime"].endswith(f" UTC {rows[-1]['datetime'][-4:]}")
    assert all(row["datetime"] for row in csv_rows(tmp_path / "votes.csv"))
    latest = {(v.voter_id, v.comment_id): v.value for v in polis_files.read_export(tmp_path).votes}
    assert latest[(3, 0)] == changed


def test_a_malformed_export_imports_nothing(runner, tmp_path):
    (tmp_path / "comments.csv").write_text(
        (BREXIT / "comments.csv").read_text(encoding="utf-8"), encoding="utf-8")
    votes = (BREXIT / "votes.csv").read_text(encoding="utf-8").splitlines()
    votes[40] = votes[40].rsplit(",", 1)[0] + ",2"
    (tmp_path / "votes.csv").write_text("\n".join(votes), encoding="utf-8")
    result = runner.invoke(args=["consult", "import-polis", str(tmp_path), "--slug", "casse"])
    assert result.exit_code != 0 and "votes.csv, line 41" in result.output
    assert db.session.query(Consultation).filter_by(slug="casse").count() == 0
    assert db.session.query(Voter).count() == db.session.query(Proposal).count() == 0


def test_the_results_page_draws_the_opinion_groups(app, runner, make_user):
    runner.invoke(args=["consult", "import-polis", str(BREXIT), "--slug", "brexit"])
    consultation = db.session.execute(db.select(Consultation).filter_by(slug="brexit")).scalar_one()
    make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),))
    client = app.test_client()
    log_in(client, "com@example.org")
    page = client.get("/c/brexit/results", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert page.count("a3,3 0 1,0 6,0a3,3") > 150 and "Group B" in page and "<svg" in page
    assert "What sets this group apart" in page


@pytest.mark.parametrize("name", ["15-per-hour-seattle", "brexit-consensus"])
def test_through_the_database_the_groups_match_polis(runner, name, figure):
    runner.invoke(args=["consult", "import-polis", str(POLIS / name), "--slug", name])
    groups = json.loads(runner.invoke(args=["consult", "opinion-groups", name, "--json"]).output)
    reference = polis_files.read_export(POLIS / name).reference_groups
    ours = {int(m): g["id"] for g in groups["groups"] for m in g["members"]}
    both = [p for p in ours if reference.get(p) is not None]
    ari = adjusted_rand_score([reference[p] for p in both], [ours[p] for p in both])
    polis_count = len({g for g in reference.values() if g is not None})
    figure(f"opinion groups via the database, {name}: {len(groups['groups'])} groups "
           f"(Polis {polis_count}), ARI {ari:.3f} over {len(both)} participants")
    assert len(groups["groups"]) == polis_count and ari >= 0.8
