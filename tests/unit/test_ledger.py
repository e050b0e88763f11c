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
    canonical,
    closed_data,
    delegate_pseudonym,
    dumps_jsonl,
    entry_hash,
    format_at,
    hash_text,
    loads_jsonl,
    make_entry,
    objection_data,
    objection_resolved_data,
    opened_data,
    receipt,
    replay,
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
    pseudonym = delegate_pseudonym(KEY, 12, 4711)
    assert pseudonym.startswith("d-") and pseudonym != delegate_pseudonym(KEY, 13, 4711)


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
    assert f"entry 1: ballot at {at} {phrase}" in problems(entries)


def test_invalid_choice_for_the_method():
    entries = record(events=[("ballot", ballot_data("coop-1", None, "consent", None, None))],
                     close=False)
    assert "entry 1: invalid ballot" in problems(entries)


def test_reordered_entries():
    entries = record(events=ballots("for", "against", "for"))
    entries[1], entries[2] = entries[2], entries[1]
    assert "entry 1: seq is 2, expected 1" in problems(entries)


def test_cut_off_tail_still_verifies_but_shows_open():
    entries = record(events=ballots("for", "against"))[:-1]
    report = verify(entries)
    assert report.ok and not report.closed
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
