"""The hash chain the public records share (deliberate.hashchain), tested directly, and once through
each record that uses it."""
from __future__ import annotations

import copy
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from deliberate import hashchain
from deliberate.appeals import record as appeals_record
from deliberate.proxies import chain as proxy_chain
from deliberate.registry import chain as registry_chain
from deliberate.voting.ledger import GENESIS, canonical, entry_hash
from deliberate.witness import chain as witness_chain

T0 = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
KEYS = frozenset({"seq", "kind", "at", "payload", "prev", "hash"})
# Characters str.splitlines() breaks on that the canonical form (UTF-8, not \u escapes) leaves raw
# inside strings, and a carriage return (which JSON escapes).
LINE_BREAKERS = "a\u2028b\u2029c\x85d\re"


class ChainError(ValueError):
    pass


def _chain(n: int = 3, payload: dict | None = None) -> list[dict]:
    entries: list[dict] = []
    for i in range(n):
        entries.append(hashchain.next_entry(entries[-1] if entries else None, {"kind": "step"},
                                            payload or {"n": i}, T0 + timedelta(minutes=i), error=ChainError))
    return entries


def _problems(entries: list) -> list[str]:
    own: list[str] = []
    for i, entry in enumerate(entries):
        if isinstance(entry, dict):
            own += hashchain.field_problems(i, entry, KEYS) + hashchain.seq_problems(i, entry)
            own += hashchain.at_problems(i, entry)
    return hashchain.problems_with_links(entries, own)


def test_entries_link_and_hash_as_the_ballot_records_do():
    entries = _chain()
    assert entries[0]["seq"] == 0 and entries[0]["prev"] == GENESIS
    for before, after in zip(entries, entries[1:]):
        assert after["seq"] == before["seq"] + 1 and after["prev"] == before["hash"]
    for entry in entries:
        assert entry["hash"] == entry_hash(entry)
        assert hashchain.line(entry) == canonical(entry).decode()
    assert _problems(entries) == []
    assert hashchain.head(entries) == entries[-1]["hash"] and hashchain.head([]) == GENESIS


def test_a_round_trip_is_exact_and_ends_each_line_with_a_newline():
    entries = _chain()
    text = hashchain.dumps(entries)
    assert text.endswith("\n") and text.count("\n") == len(entries)
    assert hashchain.loads(text, error=ChainError) == entries
    assert hashchain.loads(text.rstrip("\n"), error=ChainError) == entries  # the final newline is optional
    assert hashchain.loads(text.encode(), error=ChainError) == entries
    assert hashchain.loads(text.replace("\n", "\r\n"), error=ChainError) == entries  # saved with CRLF
    assert hashchain.loads(text.replace("\n", "\n\n"), error=ChainError) == entries  # blank lines passed over


@pytest.mark.parametrize("text", ["", "\n", b"", "\n \n"])
def test_empty_input_is_an_empty_record(text):
    assert hashchain.loads(text, error=ChainError) == []
    assert _problems([]) == []


def test_a_line_breaking_character_inside_a_string_does_not_split_the_line():
    entries = _chain(2, {"note": LINE_BREAKERS})
    text = hashchain.dumps(entries)
    assert "\u2028" in text and "\r" not in text  # UTF-8, not escaped; a CR is escaped by JSON
    assert text.count("\n") == 2 and len(text.splitlines()) > 2  # what splitlines() would have cut
    assert hashchain.loads(text, error=ChainError) == entries
    assert _problems(hashchain.loads(text, error=ChainError)) == []


def test_a_lone_carriage_return_between_entries_does_not_end_a_line():
    lines = hashchain.dumps(_chain(2)).split("\n")
    with pytest.raises(ChainError, match="line 1: not JSON"):
        hashchain.loads(lines[0] + "\r" + lines[1] + "\n", error=ChainError)


def test_a_tampered_byte_is_found():
    entries = _chain()
    text = hashchain.dumps(entries).replace('"n":1', '"n":7')
    assert _problems(hashchain.loads(text, error=ChainError)) == ["entry 1: hash mismatch (a byte was changed)"]


def test_a_reordered_line_is_found():
    lines = hashchain.dumps(_chain()).splitlines(keepends=True)
    lines[1], lines[2] = lines[2], lines[1]
    problems = _problems(hashchain.loads("".join(lines), error=ChainError))
    assert "entry 1: prev does not match the hash of entry 0 (an entry was removed, inserted or reordered)" in problems
    assert "entry 1: seq is 2, expected 1 (entries missing, added or out of order)" in problems
    assert any("never go backwards" in p for p in problems)


def test_a_bad_prev_is_found_even_when_rehashed():
    entries = _chain()
    entries[2] = copy.deepcopy(entries[2])
    entries[2]["prev"] = "f" * 64
    entries[2]["hash"] = entry_hash(entries[2])
    assert _problems(entries) == ["entry 2: prev does not match the hash of entry 1 "
                                  "(an entry was removed, inserted or reordered)"]
    first = dict(entries[0], prev="1" * 64)
    first["hash"] = entry_hash(first)
    assert _problems([first])[0] == "entry 0: prev must be 64 zeros (the start of the record is missing)"


def test_a_gap_in_seq_is_found():
    entries = _chain(4)
    problems = _problems(entries[:1] + entries[2:])
    assert "entry 1: seq is 2, expected 1 (entries missing, added or out of order)" in problems
    assert "entry 1: prev does not match the hash of entry 0 (an entry was removed, inserted or reordered)" in problems


def test_fields_and_times_are_checked():
    entry = dict(_chain(1)[0], extra=1, at="yesterday", seq=True)
    assert hashchain.field_problems(0, entry, KEYS) == [
        f"entry 0: fields are {sorted(entry)}, expected {sorted(KEYS)}"]
    assert hashchain.seq_problems(0, entry) == [
        "entry 0: seq is True, expected 0 (entries missing, added or out of order)"]
    assert hashchain.at_problems(0, entry) == ["entry 0: time 'yesterday' is not ISO-8601"]


@pytest.mark.parametrize("text, message", [
    ("not json\n", "line 1: not JSON"),
    ('{"a": 1}\n[1]\n', "line 2: not a JSON object"),
    ("[" * 100_000, "line 1: not JSON"),
    (b"\xff\xfe", "the log is not UTF-8 text"),
])
def test_unreadable_text_raises_the_callers_error_in_its_words(text, message):
    with pytest.raises(ChainError, match=message):
        hashchain.loads(text, error=ChainError, noun="log")


def test_times_and_payloads_that_cannot_be_hashed_raise_the_callers_error():
    with pytest.raises(ChainError, match="not ISO-8601"):
        hashchain.next_entry(None, {"kind": "step"}, {}, "yesterday", error=ChainError)
    with pytest.raises(ChainError, match="canonical JSON"):
        hashchain.next_entry(None, {"kind": "step"}, {"x": float("nan")}, T0, error=ChainError)


def test_clamp_at_keeps_times_from_going_backwards():
    first = hashchain.next_entry(None, {"kind": "step"}, {}, T0, error=ChainError)
    earlier = T0 - timedelta(hours=1)
    assert hashchain.next_entry(first, {"kind": "step"}, {}, earlier, error=ChainError, clamp_at=True)["at"] == first["at"]
    assert hashchain.next_entry(first, {"kind": "step"}, {}, earlier, error=ChainError)["at"] == "2026-12-07T09:00:00Z"


def _witness() -> list[dict]:
    payload = witness_chain.vote_payload(1, "closed", "a" * 64, "/votes/1/record.jsonl")
    entry = witness_chain.make_entry(None, "vote", 1, payload, T0)
    return [entry, witness_chain.make_entry(entry, "version", 5, witness_chain.version_payload(
        3, LINE_BREAKERS, 5, "1.1", "b" * 64, "c" * 64), T0)]


def _registry() -> list[dict]:
    return [registry_chain.make_entry(None, "declaration", 4, {
        "declaration_id": 4, "standard": "s", "version": "2.0", "version_hash": "e" * 64, "coop": "kazi",
        "delegate": "d-" + "1" * 32, "stance": "adopts", "reaffirms": None, "note": LINE_BREAKERS, "sections": []}, T0)]


def _appeals() -> list[dict]:
    return [appeals_record.make_entry(None, "filed", {"objection": 1, "reasons": LINE_BREAKERS}, T0)]


def _proxies() -> list[dict]:
    given = proxy_chain.given_payload(3, "coop-a" + LINE_BREAKERS, "coop-b", "network", None, None, T0 + timedelta(days=30))
    return [proxy_chain.make_entry(None, "given", 3, given, T0)]


@pytest.mark.parametrize("module, make", [
    (witness_chain, _witness), (registry_chain, _registry), (appeals_record, _appeals), (proxy_chain, _proxies),
])
def test_every_record_reads_back_text_holding_line_separators(module, make):
    entries = make()
    text = module.dumps(entries)
    assert module.loads(text) == entries and module.verify(module.loads(text)) == []


def test_the_module_imports_neither_flask_nor_sqlalchemy():
    code = ("import sys; import deliberate.hashchain; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_babel')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[]", (done.stdout, done.stderr)
