"""Unit tests for deliberate.voting.ledger: the hash-chained ballot record and its verifier."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction as F
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deliberate.voting.ledger import (
    GENESIS,
    LedgerError,
    ballot_data,
    ballot_receipt,
    cancelled_data,
    canonical,
    closed_data,
    delegate_pseudonym,
    dumps_jsonl,
    entry_hash,
    find_receipt,
    format_at,
    hash_text,
    loads_jsonl,
    make_entry,
    objection_data,
    objection_resolved_data,
    opened_data,
    receipt,
    replay,
    seal,
    verify,
    verify_chain,
)
from deliberate.voting.rules import PRESETS, STATUS_QUO, Rule, tally

KEY = b"test-secret-key-0123456789abcdef"
OPENS, CLOSES = "2025-05-01T09:00:00Z", "2025-05-08T09:00:00Z"
FIRST_BALLOT = datetime(2025, 5, 2, 9, 0, tzinfo=UTC)
SECRET_CONSENT = Rule("consent", quorum=F(1, 2), secret=True)


def coop(i: int) -> str:
    return f"coop-{i}"


def voter_id(i: int, secret: bool, vote_id: int = 12) -> str:
    """The id a co-op has in the record: itself, or its receipt in a secret vote."""
    return receipt(KEY, vote_id, coop(i)) if secret else coop(i)


def ballots(*choices: str, secret: bool = False) -> list[tuple[str, dict]]:
    """Ballot events: the i-th choice cast by co-op i through delegate d-i."""
    return [("ballot", ballot_data(voter_id(i, secret), f"d-{i}", choice, None, None))
            for i, choice in enumerate(choices)]


def record(rule: Rule = PRESETS["two-thirds"], events: list[tuple[str, dict]] | None = None,
           *, n: int = 10, alternatives: list[str] | None = None, close: bool = True,
           declared=None) -> list[dict]:
    """A record: opened, the events one second apart, and (if close) the recomputed result."""
    data = opened_data(12, {"kind": "amendment", "id": 3}, rule,
                       [{"voter": coop(i), "weight": 1} for i in range(n)], alternatives,
                       hash_text("Members own their data."), OPENS, CLOSES, rule.secret,
                       secret_key=KEY if rule.secret else None)
    entries = [make_entry(None, "opened", data, OPENS)]
    for k, (kind, event) in enumerate(events or []):
        entries.append(make_entry(entries[-1], kind, event, FIRST_BALLOT + timedelta(seconds=k)))
    if close:
        outcome = declared or replay(entries).recompute()
        entries.append(make_entry(entries[-1], "closed", closed_data(outcome), CLOSES))
        if rule.secret:
            entries = seal(entries)  # the only form in which a secret vote's record is published
    return entries


def rechain(entries: list[dict]) -> list[dict]:
    """What a forger would do: renumber and rehash everything so the chain holds again."""
    out: list[dict] = []
    for i, entry in enumerate(entries):
        entry = {k: v for k, v in entry.items() if k != "hash"}
        entry.update(seq=i, prev=out[-1]["hash"] if out else GENESIS)
        entry["hash"] = entry_hash(entry)
        out.append(entry)
    return out


def problems(entries: list[dict]) -> str:
    report = verify(entries)
    assert not report.ok
    return "\n".join(report.problems)


# --------------------------------------------------------------------------- building


def test_chain_builds_and_verifies():
    entries = record(events=ballots("for", "for", "for", "for", "for", "against", "abstain"))
    assert [e["seq"] for e in entries] == list(range(9))
    assert entries[0]["prev"] == GENESIS
    assert all(b["prev"] == a["hash"] for a, b in pairwise(entries))
    report = verify(entries)
    assert report.ok, report.problems
    assert report.summary() == ("OK: vote 12 — 9 entries, 7 ballots, result recomputed: "
                                "adopted")
    assert report.head == entries[-1]["hash"]
    assert report.recomputed.to_dict() == entries[-1]["data"]["outcome"]


def test_hash_is_sha256_of_canonical_json_without_hash():
    entry = record(close=False)[0]
    body = {k: v for k, v in entry.items() if k != "hash"}
    assert entry["hash"] == hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        .encode()).hexdigest()
    assert canonical({"b": "é", "a": [1]}) == '{"a":[1],"b":"é"}'.encode()


def test_make_entry_guards():
    with pytest.raises(LedgerError, match="first entry"):
        make_entry(None, "ballot", {}, OPENS)
    entries = record(events=ballots("for"))
    with pytest.raises(LedgerError, match="closed"):
        make_entry(entries[-1], "ballot", ballot_data("coop-1", None, "for", None, None), CLOSES)
    with pytest.raises(LedgerError, match="whole"):
        make_entry(entries[0], "ballot", {"share": 0.5}, OPENS)
    with pytest.raises(LedgerError, match="timezone-aware"):
        make_entry(entries[0], "ballot", {}, datetime(2025, 5, 1))
    with pytest.raises(LedgerError, match="UTC"):
        make_entry(entries[0], "ballot", {}, "2025-05-01T09:00:00+02:00")
    with pytest.raises(LedgerError, match="unknown entry type"):
        make_entry(entries[0], "comment", {}, OPENS)


def test_times_are_utc_iso():
    assert format_at(datetime(2025, 5, 1, 11, 0, tzinfo=timezone(timedelta(hours=2)))) == \
        "2025-05-01T09:00:00Z"
    assert format_at(datetime(2025, 5, 1, 9, 0, 0, 5, tzinfo=UTC)) == \
        "2025-05-01T09:00:00.000005Z"


def test_later_ballot_replaces_earlier():
    events = ballots("for", "against") + [
        ("ballot", ballot_data("coop-1", "d-7", "for", None, "changed our mind"))]
    state = replay(record(events=events, close=False))
    assert state.ballot_entries == 3 and len(state.ballots) == 2
    assert state.ballots["coop-1"]["choice"] == "for"
    assert state.ballots["coop-1"]["delegate"] == "d-7"
    assert [b.choice for b in state.ballot_inputs()] == ["for", "for"]


def test_replay_raises_on_bad_content():
    entries = record(events=[("ballot", ballot_data("stranger", None, "for", None, None))],
                     close=False)
    with pytest.raises(LedgerError, match="entry 1: voter stranger is not in the electorate"):
        replay(entries)


def test_record_holds_ids_not_names_or_emails():
    for bad in ("alice@example.org", "Alice Smith", ""):
        with pytest.raises(LedgerError, match="never holds names or emails"):
            ballot_data("coop-1", bad, "for", None, None)
    entries = record(events=ballots("for"), close=False)
    entries[1]["data"]["delegate"] = "Alice Smith"
    assert "is not a pseudonymous id" in problems(rechain(entries))
    pseudonym = delegate_pseudonym(KEY, 12, "coop-1", 4711)
    assert pseudonym.startswith("d-") and pseudonym != delegate_pseudonym(KEY, 13, "coop-1", 4711)


def test_opened_data_checks():
    rule = PRESETS["simple-majority"]
    args = ({"kind": "amendment", "id": 1}, rule, {"coop-1": 1}, None, hash_text("x"),
            OPENS, CLOSES)
    with pytest.raises(LedgerError, match="disagrees"):
        opened_data(1, *args, True)
    with pytest.raises(LedgerError, match="text_hash"):
        opened_data(1, *args[:4], "abc", OPENS, CLOSES, False)
    with pytest.raises(LedgerError, match="has no alternatives"):
        opened_data(1, *args[:3], ["A"], *args[4:], False)
    with pytest.raises(LedgerError, match="needs secret_key"):
        opened_data(1, args[0], SECRET_CONSENT, *args[2:], True)
    data = opened_data(1, *args, False)
    assert data["electorate"] == [{"voter": "coop-1", "weight": 1}] and data["coops"] is None


# --------------------------------------------------------------------------- tampering


def test_missing_ballot_breaks_the_chain():
    entries = record(events=ballots("for", "for", "for", "for", "against", "against"))
    del entries[3]
    text = problems(entries)
    assert "entry 3: seq is 4, expected 3" in text
    assert "entry 3: prev does not match the hash of entry 2" in text


def test_missing_ballot_in_a_rehashed_record_changes_the_result():
    entries = record(events=ballots("for", "for", "for", "for", "against", "against"))
    assert entries[-1]["data"]["outcome"]["passed"] is True  # exactly 2/3
    del entries[1]
    text = problems(rechain(entries))
    assert "declared result differs: declared passed=True, recomputed passed=False" in text


def test_declared_result_differs():
    entries = record(events=ballots("for", "against", "against"), close=False)
    honest = replay(entries).recompute()
    forged = dataclasses.replace(honest, passed=True)
    entries.append(make_entry(entries[-1], "closed", closed_data(forged), CLOSES))
    report = verify(entries)
    assert report.summary() == ("FAILED: declared result differs: declared passed=True, "
                                "recomputed passed=False")


def test_changed_counts_are_named():
    entries = record(events=ballots("for", "for", "against"))
    entries[-1]["data"]["outcome"]["counts"]["for"] = 3
    text = problems(rechain(entries))
    assert 'declared counts={"abstain": 0, "against": 1, "for": 3}' in text


def test_ineligible_voter():
    entries = record(events=ballots("for") + [
        ("ballot", ballot_data("coop-99", None, "for", None, None))], close=False)
    assert "entry 2: voter coop-99 is not in the electorate" in problems(entries)


def test_receipt_from_another_vote_is_ineligible_and_shortened():
    stray = receipt(KEY, 13, coop(1))
    entries = record(SECRET_CONSENT, ballots("consent", secret=True) + [
        ("ballot", ballot_data(stray, None, "consent", None, None))], close=False)
    assert f"entry 2: voter {stray[:10]}… is not in the electorate" in problems(entries)


def test_ballot_after_close():
    entries = record(events=ballots("for", "for"))
    late = {"seq": len(entries), "type": "ballot", "at": CLOSES, "prev": entries[-1]["hash"],
            "data": ballot_data("coop-5", "d-5", "against", None, None)}
    late["hash"] = entry_hash(late)
    assert f"entry {len(entries)}: ballot after the vote was closed (entry 3)" in problems(
        entries + [late])


@pytest.mark.parametrize(("at", "phrase"), [
    ("2025-04-30T09:00:00Z", "is before the vote opened"),
    ("2025-05-08T09:00:01Z", "is after the vote closed"),
])
def test_ballot_outside_the_voting_window(at, phrase):
    entries = record(close=False)
    entries.append(make_entry(entries[-1], "ballot",
                              ballot_data("coop-1", None, "for", None, None), at))
    entries[1]["at"] = at  # forged: make_entry never dates an entry before the one it follows
    assert f"entry 1: ballot at {at} {phrase}" in problems(rechain(entries))


def test_invalid_choice_for_the_method():
    entries = record(events=[("ballot", ballot_data("coop-1", None, "consent", None, None))],
                     close=False)
    assert "entry 1: invalid ballot" in problems(entries)


def test_reordered_entries():
    entries = record(events=ballots("for", "against", "for"))
    entries[1], entries[2] = entries[2], entries[1]
    assert "entry 1: seq is 2, expected 1" in problems(entries)


def test_cut_off_tail_fails_unless_open_records_are_allowed():
    entries = record(events=ballots("for", "against"))[:-1]
    report = verify(entries)
    assert not report.ok and report.final is None
    assert report.summary().startswith("FAILED: the record does not end with a 'closed' or "
                                       "'cancelled' entry")
    report = verify(entries, allow_open=True)
    assert report.ok and not report.closed and report.final is None
    assert report.summary() == "OK: vote 12 — 3 entries, 2 ballots, still open (no result " \
                               "declared yet)"


def test_empty_and_headless_records():
    assert verify([]).summary() == "FAILED: the record is empty"
    entries = record(events=ballots("for"))
    assert "entry 0: the record must start with an 'opened' entry" in problems(
        rechain(entries[1:]))


# --------------------------------------------------------------------------- consent objections


def test_objection_then_resolved_adopts():
    events = ballots("consent", "consent", "consent", "consent") + [
        ("objection", objection_data("coop-4", "d-4", "Conflicts with our bylaws, art. 3")),
        ("objection_resolved", objection_resolved_data("coop-4", "d-4", "resolved")),
    ]
    entries = record(Rule("consent", quorum=F(1, 2)), events)
    state = replay(entries)
    assert state.objections == {"coop-4": "resolved"}
    assert state.recompute().passed and state.recompute().counts["object_resolved"] == 1
    assert verify(entries).ok


def test_standing_objection_blocks_and_a_new_ballot_clears_it():
    rule = Rule("consent")
    events = ballots("consent") + [("objection", objection_data("coop-1", "d-1", "Too vague"))]
    assert not replay(record(rule, events)).recompute().passed
    events.append(("ballot", ballot_data("coop-1", "d-1", "stand_aside", None, None)))
    state = replay(record(rule, events))
    assert state.objections == {} and state.recompute().passed


@pytest.mark.parametrize(("rule", "events", "phrase"), [
    (Rule("consent"), [("objection_resolved", objection_resolved_data("coop-1", None,
                                                                       "withdrawn"))],
     "has no standing objection"),
    (PRESETS["simple-majority"], [("objection", objection_data("coop-1", None, "No"))],
     "objections belong to consent votes only"),
    (Rule("consent"), [("ballot", ballot_data("coop-1", None, "object", None, None))],
     "an objection needs a reason"),
])
def test_objection_problems(rule, events, phrase):
    assert phrase in problems(record(rule, events, close=False))


# --------------------------------------------------------------------------- ranked records


def test_ranked_record():
    rule = PRESETS["ranked"]
    events = [("ballot", ballot_data(coop(i), None, None, order, None))
              for i, order in enumerate([["A", "B"], ["A"], ["B", STATUS_QUO, "A"], [], ["A"]])]
    entries = record(rule, events, alternatives=["A", "B"])
    report = verify(entries)
    assert report.ok, report.problems
    assert report.summary().endswith("result recomputed: adopted A")
    bad = record(rule, [("ballot", ballot_data(coop(0), None, None, ["A", "Z"], None))],
                 alternatives=["A", "B"], close=False)
    assert "'Z' is not one of the options" in problems(bad)


# --------------------------------------------------------------------------- secret ballots


def test_receipts():
    r = receipt(KEY, 12, "coop-3")
    assert r.startswith("r-") and len(r) == 34
    assert r == receipt(KEY, 12, "coop-3")
    assert len({r, receipt(KEY, 13, "coop-3"), receipt(KEY, 12, "coop-4"),
                receipt(b"another-key-0123456789", 12, "coop-3")}) == 4
    with pytest.raises(LedgerError, match="16 bytes"):
        receipt(b"short", 12, "coop-3")


def test_secret_record_hides_who_voted_what():
    entries = record(SECRET_CONSENT, ballots("consent", "stand_aside", "consent", "consent",
                                             "consent", secret=True))
    assert verify(entries).ok
    opened = entries[0]["data"]
    receipts = [item["voter"] for item in opened["electorate"]]
    assert receipts == sorted(receipts) and all(r.startswith("r-") for r in receipts)
    assert opened["coops"] == sorted(coop(i) for i in range(10))
    text = dumps_jsonl(entries)
    for i in range(10):
        # A co-op id appears once, in the unlinked "coops" list, and nowhere else.
        assert text.count(f'"{coop(i)}"') == 1
    # Each co-op can find its own ballot with its receipt.
    mine = receipt(KEY, 12, coop(1))
    assert replay(entries).ballots[mine]["choice"] == "stand_aside"


def test_secret_record_listing_coops_is_refused():
    entries = record(SECRET_CONSENT, close=False)
    entries[0]["data"]["electorate"] = [{"voter": coop(i), "weight": 1} for i in range(10)]
    assert "must list receipts" in problems(rechain(entries))


# --------------------------------------------------------------------------- JSON lines


def test_jsonl_round_trip():
    entries = record(events=ballots("for", "against"))
    text = dumps_jsonl(entries)
    assert text.endswith("\n") and text.count("\n") == len(entries)
    assert loads_jsonl(text) == entries
    assert loads_jsonl(text.encode("utf-8")) == entries
    assert loads_jsonl(text.rstrip("\n")) == entries  # the final newline is optional


@pytest.mark.parametrize(("mangle", "message"), [
    (lambda lines: lines[:2] + ["{not json"] + lines[3:], "line 3: not valid JSON"),
    (lambda lines: [json.dumps(json.loads(lines[0]), indent=1).replace("\n", " ")] + lines[1:],
     "line 1: not in canonical form"),
    (lambda lines: lines[:1] + [""] + lines[1:], "line 2: empty line"),
    (lambda lines: lines[:1] + ["[1, 2]"] + lines[1:], "line 2: expected a JSON object"),
    (lambda lines: lines[:1] + ['{"a":1.5}'] + lines[1:], "line 2: not valid JSON"),
    (lambda lines: lines[:1] + ['{"a":NaN}'] + lines[1:], "line 2: not valid JSON"),
    (lambda lines: [line + "\r" for line in lines], "line 1: not in canonical form"),
])
def test_loads_jsonl_errors_name_the_line(mangle, message):
    lines = dumps_jsonl(record(events=ballots("for", "against"))).split("\n")[:-1]
    with pytest.raises(LedgerError) as info:
        loads_jsonl("\n".join(mangle(lines)) + "\n")
    assert str(info.value).startswith(message)


def test_loads_jsonl_reports_bad_utf8_by_line():
    blob = dumps_jsonl(record(events=ballots("for"))).encode("utf-8")
    second = blob.index(b"\n") + 5
    with pytest.raises(LedgerError, match="line 2: not valid UTF-8"):
        loads_jsonl(blob[:second] + b"\xff" + blob[second + 1:])


def test_non_strict_loading_accepts_reformatted_lines():
    entries = record(events=ballots("for"))
    pretty = "\n".join(json.dumps(e, ensure_ascii=True) for e in entries)
    assert loads_jsonl(pretty, strict=False) == entries
    assert verify(loads_jsonl(pretty, strict=False)).ok


def _flip_detected(blob: bytes) -> bool:
    try:
        entries = loads_jsonl(blob)
    except LedgerError:
        return True
    return not verify(entries).ok


def _tamper_target() -> bytes:
    """A record with every entry type, a secret electorate and non-ASCII text."""
    events = ballots("consent", "consent", "stand_aside", secret=True) + [
        ("objection", objection_data(voter_id(3, True), "d-3", "Clause 2 dépasse le mandat")),
        ("objection_resolved", objection_resolved_data(voter_id(3, True), "d-3", "withdrawn")),
        ("ballot", ballot_data(voter_id(1, True), "d-9", "stand_aside", None, "Nous relisons")),
    ]
    return dumps_jsonl(record(SECRET_CONSENT, events, n=6)).encode("utf-8")


TAMPER_TARGET = _tamper_target()


def test_tamper_target_is_valid():
    assert not _flip_detected(TAMPER_TARGET)


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_flipping_any_byte_is_detected(data):
    position = data.draw(st.integers(0, len(TAMPER_TARGET) - 1), label="position")
    original = TAMPER_TARGET[position]
    new = data.draw(st.integers(0, 255).filter(lambda b: b != original), label="byte")
    blob = TAMPER_TARGET[:position] + bytes([new]) + TAMPER_TARGET[position + 1:]
    assert _flip_detected(blob)


@pytest.mark.parametrize("mask", [0x01, 0x20])
def test_flipping_each_byte_is_detected_exhaustively(mask):
    undetected = []
    for position in range(len(TAMPER_TARGET)):
        blob = bytearray(TAMPER_TARGET)
        blob[position] ^= mask
        if not _flip_detected(bytes(blob)):
            undetected.append(position)
    assert undetected == []


# --------------------------------------------------------------------------- generic chains


def test_verify_chain_is_generic():
    changelog: list[dict] = []
    for version in ("1.0", "1.1", "2.0"):
        item = {"version": version, "parent": changelog[-1]["digest"] if changelog else GENESIS}
        item["digest"] = entry_hash(item, "digest")
        changelog.append(item)
    assert verify_chain(changelog, link_field="parent", hash_field="digest") == []
    changelog[1]["version"] = "1.2"
    assert verify_chain(changelog, link_field="parent", hash_field="digest") == [
        "entry 1: hash mismatch (a byte was changed)"]
    assert verify_chain(changelog[1:], link_field="parent", hash_field="digest")[0].startswith(
        "entry 0: parent must be 64 zeros")


# --------------------------------------------------------------------------- speed


def test_verify_10k_ballot_record_is_fast():
    rule = PRESETS["simple-majority"]
    n = 10_000
    choices = ("for", "against")
    entries = record(rule, [("ballot", ballot_data(coop(i), f"d-{i}", choices[i % 3 == 0], None,
                                                   None)) for i in range(n)], n=n)
    text = dumps_jsonl(entries)
    start = time.perf_counter()
    report = verify(loads_jsonl(text))
    assert time.perf_counter() - start < 10.0  # target 2 s (bench/tally.py); loose for CI
    assert report.ok and report.ballots == n
    assert report.recomputed == tally(rule, {coop(i): 1 for i in range(n)},
                                      replay(entries).ballot_inputs())


# --------------------------------------------------------------------------- a record ends (issue 14, 4)


def nonce(i: int) -> str:
    return f"{i:032x}"


def forged_ballot(entries: list[dict], at: str, choice: str = "for") -> list[dict]:
    """What a forger appends: a valid-looking ballot from a co-op that did not vote, rechained."""
    voters = {e["data"].get("voter") for e in entries[1:]}
    voter = next(coop(i) for i in range(10) if coop(i) not in voters)
    # Built after "opened" (make_entry refuses anything after a final entry), then rechained.
    forged = make_entry(entries[0], "ballot", ballot_data(voter, "d-x", choice, None, None), at)
    return rechain([*entries, forged])


def test_cancelled_record_ends_the_vote_without_a_result():
    entries = record(events=ballots("for", "against"), close=False)
    entries.append(make_entry(entries[-1], "cancelled",
                              cancelled_data("The amendment was withdrawn"), CLOSES))
    report = verify(entries)
    assert report.ok, report.problems
    assert (report.final, report.closed, report.recomputed, report.declared) == (
        "cancelled", False, None, None)
    assert report.summary() == ("OK: vote 12 — 4 entries, 2 ballots, cancelled, no result "
                                "(The amendment was withdrawn)")
    state = replay(entries)
    assert state.final == "cancelled" and state.has_ended and not state.is_closed
    assert state.cancelled_reason == "The amendment was withdrawn"


@pytest.mark.parametrize("final", ["closed", "cancelled"])
def test_nothing_may_follow_the_final_entry(final):
    entries = record(events=ballots("for"), close=False)
    data = closed_data(replay(entries).recompute()) if final == "closed" else cancelled_data("x")
    entries.append(make_entry(entries[-1], final, data, CLOSES))
    with pytest.raises(LedgerError, match=f"nothing can follow the '{final}' entry"):
        make_entry(entries[-1], "ballot", ballot_data(coop(5), None, "for", None, None), CLOSES)
    after = forged_ballot(entries, CLOSES)
    assert f"entry 3: ballot after the vote was {final} (entry 2)" in problems(after)
    assert f"entry 3: ballot after the vote was {final} (entry 2)" in problems_open(after)


def test_cancelled_data_needs_a_reason_and_nothing_else():
    for bad in ("", "   ", None):
        with pytest.raises(LedgerError, match="needs a reason"):
            cancelled_data(bad)
    entries = record(events=ballots("for"), close=False)
    entries.append(make_entry(entries[-1], "cancelled", {"reason": "x", "outcome": {}}, CLOSES))
    assert "a cancelled entry gives its reason, and nothing else" in problems(entries)


def test_attack_closed_line_removed():
    genuine = record(events=ballots("for", "for", "against"))
    attacked = genuine[:-1]
    assert "does not end with a 'closed' or 'cancelled' entry" in problems(attacked)
    # Passes only when the user says the vote is still open; it is then exactly an open record.
    assert verify(attacked, allow_open=True).ok
    assert attacked == record(events=ballots("for", "for", "against"), close=False)


def test_attack_closed_line_and_last_ballot_removed():
    attacked = record(events=ballots("for", "for", "against"))[:-2]
    assert "does not end with a 'closed' or 'cancelled' entry" in problems(attacked)
    assert verify(attacked, allow_open=True).ok
    assert attacked == record(events=ballots("for", "for"), close=False)


def test_attack_closed_line_removed_and_forged_ballot_appended():
    genuine = record(events=ballots("against", "against", "for"))
    last_ballot_at = genuine[-2]["at"]
    after_close = forged_ballot(genuine[:-1], "2025-05-08T09:00:01Z")
    text = problems(after_close)
    assert "does not end with a 'closed' or 'cancelled' entry" in text
    assert "is after the vote closed" in problems_open(after_close)
    backdated = forged_ballot(genuine[:-1], "2025-05-02T08:00:00Z")
    assert "does not end with a 'closed' or 'cancelled' entry" in problems(backdated)
    assert "never go backwards" in problems_open(backdated)
    # Dated inside the window and after the last ballot, it is a well-formed open record: it passes
    # only when the user explicitly checks a vote still open.
    inside = forged_ballot(genuine[:-1], "2025-05-07T09:00:00Z")
    assert inside[-1]["at"] > last_ballot_at
    assert "does not end with a 'closed' or 'cancelled' entry" in problems(inside)
    assert verify(inside, allow_open=True).ok


def problems_open(entries: list[dict]) -> str:
    report = verify(entries, allow_open=True)
    assert not report.ok
    return "\n".join(report.problems)


def test_times_never_go_backwards():
    entries = record(events=ballots("for", "for", "against"))
    entries[2] = {**entries[2], "at": "2025-05-01T10:00:00Z"}  # before entry 1, still in window
    text = problems(rechain(entries))
    assert ("entry 2: its time 2025-05-01T10:00:00Z is earlier than entry 1's (times in a record "
            "never go backwards)") in text
    # Equal times are fine (a sealed record gives every ballot the same time).
    entries = record(events=ballots("for", "for"))
    entries[2] = {**entries[2], "at": entries[1]["at"]}
    assert verify(rechain(entries)).ok


# --------------------------------------------------------------------------- receipts (issue 14, 5)


def test_nonce_in_ballot_and_objection_data():
    data = ballot_data("coop-1", None, "for", None, None, nonce=nonce(7))
    assert data["nonce"] == nonce(7) and "nonce" not in ballot_data("coop-1", None, "for", None,
                                                                      None)
    assert objection_data("coop-1", None, "No", nonce=nonce(8))["nonce"] == nonce(8)
    for bad in ("", "abc", nonce(1).upper() + "0", "g" * 32, 12):
        with pytest.raises(LedgerError, match="nonce must be 32 lowercase hex"):
            ballot_data("coop-1", None, "for", None, None, nonce=bad)
        with pytest.raises(LedgerError, match="nonce must be 32 lowercase hex"):
            objection_data("coop-1", None, "No", nonce=bad)


def test_records_with_and_without_nonces_verify():
    rule = Rule("consent")
    events = [("ballot", ballot_data(coop(0), None, "consent", None, None, nonce=nonce(0))),
              ("ballot", ballot_data(coop(1), None, "consent", None, None)),  # an older record
              ("objection", objection_data(coop(2), None, "Too vague", nonce=nonce(2)))]
    assert verify(record(rule, events)).ok


@pytest.mark.parametrize(("field", "value", "phrase"), [
    ("nonce", "XYZ", "nonce must be 32 lowercase hex"),
    ("nonce", None, "nonce must be 32 lowercase hex"),
    ("extra", 1, "fields must be voter, delegate"),
])
@pytest.mark.parametrize("kind", ["ballot", "objection"])
def test_bad_nonce_or_extra_field_fails(kind, field, value, phrase):
    data = (ballot_data(coop(0), None, "consent", None, None, nonce=nonce(0)) if kind == "ballot"
            else objection_data(coop(0), None, "No", nonce=nonce(0)))
    entries = record(Rule("consent"), [(kind, {**data, field: value})], close=False)
    assert phrase in problems_open(entries)


def test_ballot_receipt_is_the_hash_of_the_data():
    data = ballot_data("coop-1", None, "for", None, None, nonce=nonce(1))
    assert ballot_receipt(data) == hashlib.sha256(canonical(data)).hexdigest()
    assert ballot_receipt(data) != ballot_receipt({**data, "nonce": nonce(2)})


def test_find_receipt_says_found_and_counted():
    events = [("ballot", ballot_data(coop(0), None, "for", None, None, nonce=nonce(0))),
              ("ballot", ballot_data(coop(1), None, "against", None, None, nonce=nonce(1))),
              ("ballot", ballot_data(coop(0), None, "against", None, None, nonce=nonce(2)))]
    entries = record(PRESETS["simple-majority"], events)
    first, second, changed = (ballot_receipt(data) for _, data in events)
    found = find_receipt(entries, first)
    assert found.found and (found.entry, found.kind, found.voter) == (1, "ballot", coop(0))
    assert not found.counted  # replaced by the same co-op's later ballot
    assert find_receipt(entries, changed).counted and find_receipt(entries, second.upper()).counted
    absent = find_receipt(entries, "0" * 64)
    assert not absent.found and not absent.counted and absent.entry is None


def test_objection_receipt_stays_counted_when_resolved():
    data = objection_data(coop(1), None, "Clause 2", nonce=nonce(5))
    events = [("objection", data),
              ("objection_resolved", objection_resolved_data(coop(1), None, "resolved"))]
    entries = record(Rule("consent"), events)
    match = find_receipt(entries, ballot_receipt(data))
    assert match.found and match.kind == "objection" and match.counted


def test_delegate_pseudonym_is_keyed_on_vote_coop_and_person():
    one = delegate_pseudonym(KEY, 12, "coop-1", 4711)
    assert one == delegate_pseudonym(KEY, 12, "coop-1", 4711)
    # A delegate of two co-ops gets unrelated pseudonyms: the record cannot show both voted alike.
    assert len({one, delegate_pseudonym(KEY, 12, "coop-2", 4711),
                delegate_pseudonym(KEY, 13, "coop-1", 4711),
                delegate_pseudonym(KEY, 12, "coop-1", 4712)}) == 4
    assert delegate_pseudonym(KEY, 12, voter_ref="coop-1", person_id=4711) == one
    assert ballot_data("r-" + "a" * 32, None, "for", None, None)["delegate"] is None


# --------------------------------------------------------------------------- sealing (issue 14, 1)


def stored_secret(events: list[tuple[str, dict]], *, n: int = 6, final: str = "closed",
                  rule: Rule = SECRET_CONSENT, alternatives=None) -> list[dict]:
    """A secret vote's record as the app stores it: casting order, real times."""
    entries = record(rule, events, n=n, alternatives=alternatives, close=False)
    data = (closed_data(replay(entries).recompute()) if final == "closed"
            else cancelled_data("The draft changed"))
    entries.append(make_entry(entries[-1], final, data, "2025-05-08T09:00:05Z"))
    return entries


def secret_events(*pairs: tuple[int, str]) -> list[tuple[str, dict]]:
    return [("ballot", ballot_data(voter_id(i, True), None, choice, None, None, nonce=nonce(k)))
            for k, (i, choice) in enumerate(pairs)]


def test_seal_sorts_by_voter_coarsens_times_and_rechains():
    events = secret_events((3, "consent"), (0, "stand_aside"), (3, "stand_aside"), (1, "consent"))
    stored = stored_secret(events)
    sealed = seal(stored)
    assert sealed[0] == stored[0]
    middle = sealed[1:-1]
    voters = [e["data"]["voter"] for e in middle]
    assert voters == sorted(voters)
    mine = [e["data"]["choice"] for e in middle if e["data"]["voter"] == voter_id(3, True)]
    assert mine == ["consent", "stand_aside"]  # a voter's own entries keep their order
    assert {e["at"] for e in sealed[1:]} == {stored[-1]["at"]}
    assert sealed[-1]["type"] == "closed" and sealed[-1]["data"] == stored[-1]["data"]
    assert verify_chain(sealed) == [] and [e["seq"] for e in sealed] == list(range(len(sealed)))
    assert sorted(ballot_receipt(e["data"]) for e in middle) == sorted(
        ballot_receipt(e["data"]) for e in stored[1:-1])
    assert seal(sealed) == sealed
    report = verify(sealed)
    assert report.ok, report.problems
    assert report.head == sealed[-1]["hash"] and report.final == "closed"


def test_seal_refuses_a_record_that_has_not_ended():
    with pytest.raises(LedgerError, match="only an ended vote's record is sealed"):
        seal(stored_secret(secret_events((1, "consent")))[:-1])
    with pytest.raises(LedgerError, match="must start with 'opened'"):
        seal(stored_secret(secret_events((1, "consent")))[1:])
    with pytest.raises(LedgerError, match="only an ended vote's record is sealed"):
        seal(stored_secret([])[:1])


@pytest.mark.parametrize("final", ["closed", "cancelled"])
def test_an_ended_secret_record_must_be_sealed(final):
    stored = stored_secret(secret_events((3, "consent"), (0, "stand_aside")), final=final)
    text = problems(stored)
    assert ("entry 1: a secret vote's record is published sealed: every ballot bears the final "
            "entry's time") in text
    assert verify(seal(stored)).ok
    # Times coarsened but the casting order kept (voter 3 before voter 0): still refused.
    assert voter_id(3, True) > voter_id(0, True)
    unsorted = rechain([stored[0], *({**e, "at": stored[-1]["at"]} for e in stored[1:])])
    assert "entry 2: a secret vote's record is published sealed: ballots are sorted by voter" in (
        problems(unsorted))
    # The stored record of a secret vote still open is checked as it is (with allow_open).
    assert verify(stored[:-1], allow_open=True).ok


def test_a_public_record_is_not_sealed():
    entries = record(events=ballots("for", "against"))
    assert verify(entries).ok and entries[1]["at"] != entries[-1]["at"]


@st.composite
def secret_histories(draw):
    """A secret vote of 4-7 co-ops: random casting order, changed ballots, objections and their
    withdrawal or resolution, under consent, majority or ranked rules."""
    method = draw(st.sampled_from(["consent", "majority", "ranked"]))
    rule = Rule(method, quorum=F(1, 2), secret=True)
    alternatives = ["A", "B"] if method == "ranked" else None
    n = draw(st.integers(4, 7))
    standing: set[int] = set()
    events: list[tuple[str, dict]] = []
    for k in range(draw(st.integers(0, 18))):
        i = draw(st.integers(0, n - 1))
        voter = voter_id(i, True)
        action = draw(st.sampled_from(["ballot", "ballot", "objection", "withdrawn", "resolved"]))
        if method == "consent" and action == "objection":
            events.append(("objection", objection_data(voter, None, f"reason {k}", nonce=nonce(k))))
            standing.add(i)
        elif method == "consent" and action in ("withdrawn", "resolved") and i in standing:
            events.append(("objection_resolved", objection_resolved_data(voter, None, action)))
            standing.discard(i)
        elif method == "ranked":
            ranking = draw(st.permutations(["A", "B", STATUS_QUO]))[:draw(st.integers(0, 3))]
            events.append(("ballot", ballot_data(voter, None, None, ranking, None, nonce=nonce(k))))
        else:
            choices = ("consent", "stand_aside") if method == "consent" else ("for", "against",
                                                                                "abstain")
            events.append(("ballot", ballot_data(voter, None, draw(st.sampled_from(choices)), None,
                                                 None, nonce=nonce(k))))
            standing.discard(i)
    final = draw(st.sampled_from(["closed", "closed", "cancelled"]))
    return stored_secret(events, n=n, final=final, rule=rule, alternatives=alternatives)


@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(stored=secret_histories())
def test_sealed_record_verifies_and_replays_to_the_stored_outcome(stored):
    sealed = seal(stored)
    report = verify(sealed)
    assert report.ok, report.problems
    assert report.final == stored[-1]["type"] and report.head == sealed[-1]["hash"]
    assert all(e["at"] == stored[-1]["at"] for e in sealed[1:])
    assert sealed[0] == stored[0] and sealed[-1]["data"] == stored[-1]["data"]
    before, after = replay(stored), replay(sealed)
    assert after.ballots == before.ballots and after.objections == before.objections
    if stored[-1]["type"] == "closed":
        assert after.recompute().to_dict() == before.recompute().to_dict() == stored[-1]["data"][
            "outcome"]
    receipts = [ballot_receipt(e["data"]) for e in stored if e["type"] in ("ballot", "objection")]
    for r in receipts:
        assert find_receipt(sealed, r).counted == find_receipt(stored, r).counted
    if len(stored) > 2:
        assert not verify(stored).ok  # the casting order is never what verifies


def test_make_entry_never_dates_an_entry_before_the_previous_one():
    # Two requests race for the vote's lock: the one that took its time first is appended second.
    entries = record(close=False)
    first = make_entry(entries[-1], "ballot", ballot_data(coop(0), None, "for", None, None),
                       "2025-05-02T09:00:00.250000Z")
    second = make_entry(first, "ballot", ballot_data(coop(1), None, "for", None, None),
                        datetime(2025, 5, 2, 9, 0, 0, 100000, tzinfo=UTC))
    assert second["at"] == "2025-05-02T09:00:00.250000Z"
    later = make_entry(second, "ballot", ballot_data(coop(2), None, "for", None, None),
                       "2025-05-02T09:00:01Z")
    assert later["at"] == "2025-05-02T09:00:01Z"
    assert verify([*entries, first, second, later], allow_open=True).ok
