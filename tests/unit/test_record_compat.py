"""Records closed before the Schulze 2011 change still verify, with the tally of their time.

The data file was written by the code of commit 84f20aa (winning votes alone): on this weighted
profile it found no single winner (a1 and a3 tied), where Schulze's 2011 order adopts a1.
"""
from __future__ import annotations

from pathlib import Path

from deliberate.voting import ledger, rules

OLD = Path(__file__).parent / "data" / "ranked-closed-before-2026-12.jsonl"


def _entries():
    return ledger.loads_jsonl(OLD.read_bytes())


def test_a_ranked_record_closed_before_the_change_still_verifies():
    report = ledger.verify(_entries())
    assert report.ok, report.problems
    assert report.recomputed.passed is False and "a1, a3 tie" in report.recomputed.explanation


def test_todays_tally_of_the_same_ballots_differs():
    state = ledger.replay(_entries())
    assert rules.tally(state.rule, state.electorate, state.ballot_inputs(), state.alternatives).winner == "a1"


def test_a_record_cannot_claim_the_old_method_for_another_result():
    entries = _entries()
    closed = dict(entries[-1])
    outcome = dict(closed["data"]["outcome"])
    outcome["passed"], outcome["winner"] = True, "a1"
    closed["data"] = {"outcome": outcome}
    forged = entries[:-1] + [ledger.make_entry(entries[-2], "closed", closed["data"], closed["at"])]
    report = ledger.verify(forged)
    assert not report.ok and any("declared result differs" in p for p in report.problems)


def _secret_record(nonces: bool) -> list[dict]:
    """A secret vote's record as stored, in casting order (not sorted by voter)."""
    from datetime import datetime, timedelta, timezone

    key, t0 = b"k" * 32, datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
    refs = [f"coop-c{n}" for n in range(3)]
    voters = sorted((ledger.receipt(key, 9, ref) for ref in refs), reverse=True)  # cast out of sorted order
    rule = rules.Rule("majority", secret=True)
    entries = [ledger.make_entry(None, "opened", ledger.opened_data(9, {"kind": "admission", "id": 1}, rule,
                                 {ref: 1 for ref in refs}, None, ledger.hash_text("text"), t0,
                                 t0 + timedelta(days=7), True, secret_key=key), t0)]
    for n, (voter, choice) in enumerate([(voters[0], "for"), (voters[1], "against")]):
        data = ledger.ballot_data(voter, None, choice, None, None, nonce=f"{n:032x}" if nonces else None)
        entries.append(ledger.make_entry(entries[-1], "ballot", data, t0 + timedelta(hours=n + 1)))
    outcome = ledger.replay(entries).recompute()
    entries.append(ledger.make_entry(entries[-1], "closed", ledger.closed_data(outcome), t0 + timedelta(days=7)))
    return entries


def test_a_secret_record_that_ended_before_sealing_existed_verifies_as_published():
    """Before receipts (no nonce) a secret record was published in casting order: it stays valid
    as it was, so that the copies others kept and the changelog citing its head still hold."""
    old = _secret_record(nonces=False)
    assert sorted(e["data"]["voter"] for e in old[1:-1]) != [e["data"]["voter"] for e in old[1:-1]]
    assert ledger.verify(old).ok


def test_a_secret_record_with_receipts_must_be_sealed():
    new = _secret_record(nonces=True)
    assert not ledger.verify(new).ok and ledger.verify(ledger.seal(new)).ok
