"""The published ballot record: exported, verified offline (also by the `deliberate verify`
command), tamper-evident, and free of names; the `votes` command group."""
from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from deliberate.extensions import db
from deliberate.voting import closing, ledger, objections, queries, services
from deliberate.voting.models import Vote

T0 = datetime(2031, 3, 2, 9, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def closed_vote(steward, make_coop, make_delegate):
    """A closed secret consent vote with ballots, an objection withdrawn and one standing, over 6 co-ops."""
    delegates = [make_delegate(name=f"Named Person {i}", email=f"named{i}@example.org") for i in range(6)]
    applicant = make_coop("applicant")
    vote = services.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id, rule_preset="consent",
                              secret=True, closes_at=T0 + timedelta(days=7), now=T0)
    at = T0 + timedelta(hours=1)
    services.cast_ballot(actor=delegates[0], vote=vote, choice="consent", note="Our GA said yes", now=at)
    services.cast_ballot(actor=delegates[1], vote=vote, choice="stand_aside", now=at)
    withdrawn = objections.raise_objection(actor=delegates[2], vote=vote, argument="Fees unclear", now=at)
    objections.withdraw_objection(actor=delegates[2], objection=withdrawn, now=at + timedelta(hours=1))
    objections.raise_objection(actor=delegates[3], vote=vote, argument="Not a platform co-op", paramount=True, now=at)
    closing.close_vote(actor=services.SYSTEM, vote=vote, now=T0 + timedelta(days=7))
    return db.session.get(Vote, vote.id), delegates


def verify_file(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deliberate.verify_cli", "verify", str(path)], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def test_the_stored_result_is_what_the_offline_verifier_recomputes(closed_vote, tmp_path):
    vote, _delegates = closed_vote
    assert vote.passed is False and vote.result["counts"] == {"consent": 1, "stand_aside": 1, "object": 1,
                                                               "object_resolved": 1}
    text = queries.export_ledger(vote)
    report = ledger.verify(ledger.loads_jsonl(text))
    assert report.ok and report.closed and report.recomputed.to_dict() == vote.result == report.declared
    path = tmp_path / f"vote-{vote.id}.jsonl"
    path.write_bytes(text.encode("utf-8"))
    done = verify_file(path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"OK: vote {vote.id}") and "rejected" in done.stdout


@pytest.mark.parametrize("where", ["ballot", "closed", "opened"])
def test_a_changed_byte_makes_verify_exit_1(closed_vote, tmp_path, where):
    vote, _delegates = closed_vote
    lines = queries.export_ledger(vote).splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if f'"type":"{where}"' in line)
    line = lines[index]
    position = line.index('"hash":"') + len('"hash":"') + 5 if where == "closed" else line.index('"at":"') + 20
    flipped = "1" if line[position] != "1" else "2"
    lines[index] = line[:position] + flipped + line[position + 1:]
    path = tmp_path / "tampered.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    done = verify_file(path)
    assert done.returncode == 1 and done.stdout.startswith("FAILED:"), done.stdout


def test_a_secret_record_holds_receipts_never_coops_names_or_notes(closed_vote):
    vote, delegates = closed_vote
    text = queries.export_ledger(vote)
    entries = ledger.loads_jsonl(text)
    opened = entries[0]["data"]
    receipts = {m.voter for m in queries.electorate(vote)}
    assert {e["voter"] for e in opened["electorate"]} == receipts and all(r.startswith("r-") for r in receipts)
    assert sorted(opened["coops"]) == sorted(f"coop-{m.coop.slug}" for m in queries.electorate(vote))
    ballots = [e for e in entries if e["type"] == "ballot"]
    assert all(e["data"]["voter"] in receipts and e["data"]["note"] is None for e in ballots)
    for person in delegates:
        assert person.name not in text and person.email not in text
    assert "Our GA said yes" not in text and vote.secret_key not in text
    # Each co-op can find its own receipt in the record.
    for ballot in queries.ballots(vote):
        assert ballot.receipt in text
        mine = [e for e in entries if e["type"] in ("ballot", "objection") and e["data"]["voter"] == ballot.receipt]
        assert ledger.ballot_receipt(mine[-1]["data"]) == ballot.receipt_hash


def test_the_votes_export_command(app, closed_vote, tmp_path):
    vote, _delegates = closed_vote
    runner = app.test_cli_runner()
    out = tmp_path / "record.jsonl"
    result = runner.invoke(args=["votes", "export", str(vote.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == queries.export_ledger(vote)
    assert verify_file(out).returncode == 0
    printed = runner.invoke(args=["votes", "export", str(vote.id)])
    assert printed.exit_code == 0 and printed.output == queries.export_ledger(vote)
    missing = runner.invoke(args=["votes", "export", "999999"])
    assert missing.exit_code != 0 and "No vote" in missing.output


def test_the_votes_close_due_command(app, steward, make_coop, make_delegate):
    delegate = make_delegate()
    applicant = make_coop("applicant")
    vote = services.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id,
                              closes_at=T0 + timedelta(days=7), now=T0)
    services.cast_ballot(actor=delegate, vote=vote, choice="for", now=T0 + timedelta(hours=1))
    runner = app.test_cli_runner()
    early = runner.invoke(args=["votes", "close-due", "--now", "2031-03-05T09:00"])
    assert early.exit_code == 0 and "Closed 0 vote(s)" in early.output
    result = runner.invoke(args=["votes", "close-due", "--now", "2031-03-09T09:00"])
    assert result.exit_code == 0 and f"Closed 1 vote(s): {vote.id}" in result.output, result.output
    db.session.rollback()
    assert db.session.get(Vote, vote.id).state == "closed"
    bad = runner.invoke(args=["votes", "close-due", "--now", "next tuesday"])
    assert bad.exit_code != 0
