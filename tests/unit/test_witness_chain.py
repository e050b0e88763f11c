"""The witness log's chain (deliberate/witness/chain.py): building entries, verifying a log, and
telling whether one log extends another."""
from __future__ import annotations

import copy
import hashlib
import json

import pytest

from deliberate.voting.ledger import GENESIS, canonical
from deliberate.witness import chain

HEAD = "ab" * 32


def build(n: int = 3) -> list[dict]:
    entries: list[dict] = []
    for i in range(n):
        if i % 2:
            payload = chain.version_payload(1, "member-data-rights", i, f"1.{i}", "cd" * 32, "ef" * 32)
            kind = "version"
        else:
            payload = chain.vote_payload(i, "closed", HEAD, f"/votes/{i}/record.jsonl")
            kind = "vote"
        entries.append(chain.make_entry(entries[-1] if entries else None, kind, i, payload,
                                        f"2026-12-06T20:0{i}:00Z"))
    return entries


def test_an_entry_is_hashed_like_a_ballot_record_entry():
    entry = build(1)[0]
    body = {k: v for k, v in entry.items() if k != "hash"}
    assert entry["hash"] == hashlib.sha256(canonical(body)).hexdigest()
    assert entry["prev"] == GENESIS and entry["seq"] == 0 and set(entry) == chain.ENTRY_KEYS


def test_a_built_log_verifies_and_round_trips_through_json_lines():
    entries = build(4)
    assert chain.verify(entries) == []
    text = chain.dumps(entries)
    assert text.count("\n") == 4 and chain.loads(text) == entries
    assert text.splitlines()[0] == canonical(entries[0]).decode()
    assert chain.head(entries) == entries[-1]["hash"] and chain.head([]) == GENESIS


def change_payload(entries):
    entries[1]["payload"]["number"] = "9.9"


def change_head(entries):
    entries[0]["payload"]["record_head"] = "00" * 32


def drop_middle(entries):
    del entries[1]


def swap(entries):
    entries[0], entries[1] = entries[1], entries[0]


def time_backwards(entries):
    entries[2]["at"] = "2026-12-05T00:00:00Z"


def duplicate_vote(entries):
    entries[2]["ref"] = entries[2]["payload"]["vote_id"] = 0


def extra_field(entries):
    entries[0]["note"] = "hello"


@pytest.mark.parametrize("tamper, expected", [
    (change_payload, "entry 1: hash mismatch"),
    (change_head, "entry 0: hash mismatch"),
    (drop_middle, "seq is 2, expected 1"),
    (swap, "entry 0: seq is 1"),
    (time_backwards, "entry 2: its time 2026-12-05T00:00:00Z is earlier than entry 1's"),
    (duplicate_vote, "entry 2: vote 0 is already in the log"),
    (extra_field, "entry 0: fields are"),
])
def test_tampering_is_found(tamper, expected):
    entries = build(3)
    tamper(entries)
    problems = chain.verify(entries)
    assert any(expected in p for p in problems), problems


def test_a_re_chained_log_verifies_but_does_not_extend_the_old_one():
    old = build(3)
    forged: list[dict] = []
    for entry in old:
        payload = dict(entry["payload"])
        if entry["seq"] == 0:
            payload["record_head"] = "00" * 32
        forged.append(chain.make_entry(forged[-1] if forged else None, entry["kind"], entry["ref"], payload,
                                       entry["at"]))
    assert chain.verify(forged) == []
    assert chain.first_difference(old, forged) == 0 and not chain.extends(old, forged)


@pytest.mark.parametrize("old, new, expected", [
    (0, 3, None), (2, 3, None), (3, 3, None), (3, 2, 2), (3, 0, 0),
])
def test_first_difference_by_length(old, new, expected):
    entries = build(3)
    assert chain.first_difference(entries[:old], entries[:new]) == expected


def test_a_log_that_only_grew_extends_the_copy_kept_earlier():
    entries = build(3)
    kept = copy.deepcopy(entries[:2])
    assert chain.extends(kept, entries)
    # Key order does not matter (canonical form); values do.
    kept[0] = json.loads(json.dumps(kept[0], sort_keys=False))
    assert chain.extends(kept, entries)
    kept[1] = {**kept[1], "at": "2026-12-06T20:01:00.000Z"}
    assert chain.first_difference(kept, entries) == 1


@pytest.mark.parametrize("call, message", [
    (lambda: chain.vote_payload(1, "open", HEAD, "/votes/1/record.jsonl"), "final"),
    (lambda: chain.vote_payload(1, "closed", "xyz", "/votes/1/record.jsonl"), "record_head"),
    (lambda: chain.vote_payload(1, "closed", HEAD, "https://elsewhere/x"), "record_url"),
    (lambda: chain.version_payload(1, "s", 1, "1.0", "nope", HEAD), "content_hash"),
    (lambda: chain.make_entry(None, "comment", 1, {}, "2026-12-06T20:00:00Z"), "unknown kind"),
    (lambda: chain.make_entry(None, "vote", 1, {}, "yesterday"), "ISO-8601"),
    (lambda: chain.make_entry(None, "vote", 1, {"x": float("nan")}, "2026-12-06T20:00:00Z"), "canonical JSON"),
])
def test_what_cannot_be_an_entry_is_refused(call, message):
    with pytest.raises(chain.WitnessError, match=message):
        call()


@pytest.mark.parametrize("text, message", [
    ("not json\n", "line 1: not JSON"),
    ("[1, 2]\n", "line 1: not a JSON object"),
    (b"\xff\xfe", "not UTF-8"),
])
def test_unreadable_logs_name_the_line(text, message):
    with pytest.raises(chain.WitnessError, match=message):
        chain.loads(text)


def test_the_chain_module_is_pure():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(chain))
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {m for m in modules if m.split(".")[0] in ("flask", "sqlalchemy", "werkzeug")}


def later_kind_entry(prev, kind="registry_change", payload=None):
    """An entry of a kind a later version of Deliberate may write (make_entry refuses unknown kinds)."""
    from deliberate import hashchain

    payload = {"declaration_id": 3, "record_head": HEAD} if payload is None else payload
    return hashchain.next_entry(prev, {"kind": kind, "ref": 3}, payload, "2026-12-06T20:05:00Z",
                                error=chain.WitnessError)


def test_an_entry_of_a_kind_this_version_does_not_know_keeps_its_place_in_the_chain():
    """A witness running this version must not cry wolf when a later server writes a new kind of
    entry: the chain (links, hashes, order, times) is checked as for any entry, its content is not,
    and the client says so."""
    entries = build(2)
    entries.append(later_kind_entry(entries[-1]))
    entries.append(chain.make_entry(entries[-1], "version", 9, chain.version_payload(
        1, "member-data-rights", 9, "2.0", "cd" * 32, "ef" * 32), "2026-12-06T20:06:00Z"))
    assert chain.verify(entries) == []
    assert chain.unknown_kinds(entries) == {"registry_change": 1}
    tampered = copy.deepcopy(entries)
    tampered[2]["payload"]["declaration_id"] = 4
    assert any("entry 2: hash mismatch" in p for p in chain.verify(tampered))
    for kind in ("Registry!", "registry; drop table", 7, None):  # a name a later version would never write
        odd = build(1)
        odd.append(later_kind_entry(odd[-1], kind=kind))
        assert any(f"entry 1: unknown kind {kind!r}" in p for p in chain.verify(odd)), kind
    odd = build(1)
    odd.append(later_kind_entry(odd[-1]))
    odd[1]["payload"] = ["not", "an", "object"]
    assert any("entry 1: payload is not an object" in p for p in chain.verify(odd))


def test_the_witness_command_says_what_it_could_not_check(tmp_path):
    import io

    from deliberate.witness import client

    entries = [chain.make_entry(None, "version", 1, chain.version_payload(
        1, "member-data-rights", 1, "1.0", "cd" * 32, "ef" * 32), "2026-12-06T20:00:00Z")]
    entries.append(later_kind_entry(entries[-1]))
    out, err = io.StringIO(), io.StringIO()
    code = client.run("https://coops.example/witness.jsonl", tmp_path / "kept.jsonl",
                      fetcher=lambda url: chain.dumps(entries).encode(), out=out, err=err)
    assert code == client.OK, err.getvalue()
    assert "1 entry of a kind this version does not know (registry_change)" in out.getvalue()
    assert "its place in the chain is checked, not its content" in out.getvalue()


def objection_steps():
    """A formal objection's record: filed, withdrawn, then a (later) minority opinion."""
    from deliberate.appeals import record

    steps = [record.make_entry(None, "filed", {"objection": 4, "subject": "amendment:1", "coop": "kazi"},
                               "2026-12-07T10:00:00Z")]
    steps.append(record.make_entry(steps[-1], "withdrawn", {"by": "kazi", "note": ""}, "2026-12-07T11:00:00Z"))
    return steps


def test_an_objection_entry_is_checked_like_a_vote_entry():
    steps = objection_steps()
    payload = chain.objection_payload(4, "withdrawn", steps[-1]["hash"], "/objections/4/record.jsonl")
    entries = build(1)
    entries.append(chain.make_entry(entries[-1], "objection", 4, payload, "2026-12-07T11:00:00Z"))
    assert chain.verify(entries) == [] and chain.unknown_kinds(entries) == {}
    for bad in ({"final": "closed"}, {"objection_id": 5}, {"record_url": "https://elsewhere.example/x"}):
        odd = build(1)
        odd.append(chain.make_entry(odd[-1], "objection", 4, {**payload, **bad}, "2026-12-07T11:00:00Z"))
        assert any("an objection entry needs" in p for p in chain.verify(odd)), bad
    with pytest.raises(chain.WitnessError):
        chain.objection_payload(4, "closed", steps[-1]["hash"], "/objections/4/record.jsonl")


def test_the_witness_checks_an_objection_record_against_its_entry():
    from deliberate.appeals import record
    from deliberate.witness import client

    steps = objection_steps()
    entry = {"seq": 7, "payload": chain.objection_payload(4, "withdrawn", steps[-1]["hash"],
                                                          "/objections/4/record.jsonl")}
    assert client.check_objection_record(entry, record.dumps(steps).encode()) == []
    # What the client must refuse: the witnessed step rewritten, or another step after the end.
    rewritten = [steps[0], record.make_entry(steps[0], "withdrawn", {"by": "kazi", "note": "changed"},
                                             "2026-12-07T11:00:00Z")]
    assert any("does not hold" in p for p in client.check_objection_record(entry, record.dumps(rewritten).encode()))
    extended = steps + [record.make_entry(steps[-1], "mediation_note", {"by": "steward", "note": "late"},
                                          "2026-12-07T12:00:00Z")]
    said = client.check_objection_record(entry, record.dumps(extended).encode())
    assert said, said
    assert client.check_objection_record(entry, b"not json\n")[0].startswith("formal objection 4: its record cannot be read")
