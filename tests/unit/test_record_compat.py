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
