"""The registry's public record as a hash chain, and checking it offline. Pure.

Every declaration, every question on a declaration, every answer and every escalation of a
question to the formal objection process adds one entry::

    {"seq": 0, "kind": "declaration", "ref": 4, "at": "2026-12-06T20:15:00Z",
     "payload": {"declaration_id": 4, "standard": "platform-co-op-principles", "version": "2.0",
                 "version_hash": "<sha256 of the version's text>", "coop": "kazi-riders",
                 "delegate": "d-<32 hex: a pseudonym, never a name>", "stance": "adopts",
                 "reaffirms": null, "note": "",
                 "sections": [{"key": "member-ownership", "status": "met", "justification": "…",
                               "evidence_url": "https://…", "carried": false}, …]},
     "prev": "<hash of the previous entry, 64 zeros for the first>", "hash": "…"}

    {"seq": 1, "kind": "question", "ref": 2, "payload": {"question_id": 2, "declaration_id": 4,
     "coop": "dades-comunes", "delegate": "d-…", "section": "data-rights" | null, "reasons": "…"}, …}
    {"seq": 2, "kind": "answer", "ref": 2, "payload": {"question_id": 2, "declaration_id": 4,
     "coop": "kazi-riders", "delegate": "d-…", "answer": "…"}, …}
    {"seq": 3, "kind": "escalation", "ref": 2, "payload": {"question_id": 2, "declaration_id": 4,
     "coop": "dades-comunes", "delegate": "d-…"}, …}

``hash`` is SHA-256 over the canonical JSON of the entry without ``hash``, as in the ballot
records and the witness log (deliberate.voting.ledger). Served as JSON lines at /registry.jsonl;
``flask registry verify FILE`` (or ``python -m deliberate.registry.chain FILE``) recomputes every
hash without the database.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from deliberate import hashchain

from .codes import STANCES, STATUSES

KINDS = ("declaration", "question", "answer", "escalation")
ENTRY_KEYS = frozenset({"seq", "kind", "ref", "at", "payload", "prev", "hash"})
PAYLOAD_KEYS = {
    "declaration": frozenset({"declaration_id", "standard", "version", "version_hash", "coop", "delegate", "stance",
                              "reaffirms", "note", "sections"}),
    "question": frozenset({"question_id", "declaration_id", "coop", "delegate", "section", "reasons"}),
    "answer": frozenset({"question_id", "declaration_id", "coop", "delegate", "answer"}),
    "escalation": frozenset({"question_id", "declaration_id", "coop", "delegate"}),
}
# The id each kind's ``ref`` repeats.
REF_KEY = {"declaration": "declaration_id", "question": "question_id", "answer": "question_id",
           "escalation": "question_id"}
SECTION_KEYS = frozenset({"key", "status", "justification", "evidence_url", "carried"})
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_DELEGATE = re.compile(r"^d-[0-9a-f]{32}$")


class RegistryChainError(ValueError):
    """An entry cannot be built from what was given, or a record cannot be read."""


def make_entry(prev_entry: Mapping[str, Any] | None, kind: str, ref: int, payload: Mapping[str, Any],
               at: datetime | str) -> dict[str, Any]:
    """The next entry after ``prev_entry`` (None for the first)."""
    if kind not in KINDS:
        raise RegistryChainError(f"unknown kind {kind!r}")
    entry = hashchain.next_entry(prev_entry, {"kind": kind, "ref": ref}, payload, at, error=RegistryChainError)
    problems = _payload_problems(0, kind, ref, entry["payload"])
    if problems:
        raise RegistryChainError(problems[0].split(": ", 1)[1])
    return entry


line = hashchain.line
dumps = hashchain.dumps


def loads(text: str | bytes) -> list[dict[str, Any]]:
    """Parse a JSON-lines record; RegistryChainError naming the line if one is not a JSON object."""
    return hashchain.loads(text, error=RegistryChainError)


def _payload_problems(i: int, kind: Any, ref: Any, payload: Any) -> list[str]:
    if kind not in KINDS:
        return [f"entry {i}: unknown kind {kind!r}"]
    if not isinstance(payload, Mapping):
        return [f"entry {i}: payload is not an object"]
    keys = PAYLOAD_KEYS[kind]
    if set(payload) != keys:
        return [f"entry {i}: a {kind} payload has {sorted(keys)}, not {sorted(payload)}"]
    problems = []
    if payload[REF_KEY[kind]] != ref or isinstance(ref, bool) or not isinstance(ref, int):
        problems.append(f"entry {i}: {REF_KEY[kind]} must equal ref")
    if not (isinstance(payload["coop"], str) and payload["coop"]):
        problems.append(f"entry {i}: coop must name the co-op")
    if not (isinstance(payload["delegate"], str) and _DELEGATE.match(payload["delegate"])):
        problems.append(f"entry {i}: delegate must be a pseudonym d-<32 hex>")
    if kind == "declaration":
        if payload["stance"] not in STANCES:
            problems.append(f"entry {i}: stance must be one of {', '.join(STANCES)}")
        if not _HEX64.match(str(payload["version_hash"])):
            problems.append(f"entry {i}: version_hash must be 64 lowercase hex characters")
        sections = payload["sections"]
        if not isinstance(sections, list) or not all(
                isinstance(s, Mapping) and set(s) == SECTION_KEYS and s["status"] in STATUSES for s in sections):
            problems.append(f"entry {i}: each section needs {sorted(SECTION_KEYS)} and a known status")
        elif len({s["key"] for s in sections}) != len(sections):
            problems.append(f"entry {i}: a section is declared twice")
    return problems


def verify(entries: Sequence[Mapping[str, Any]]) -> list[str]:
    """Check a whole record: fields, seq from 0, each hash recomputes, each prev is the previous
    entry's hash, times never go backwards, every payload has its kind's fields, nothing appears
    twice, and every question, answer and escalation refers to something earlier in the record.
    Returns the problems found, earliest first; an empty list means the record holds."""
    problems: list[str] = []
    seen: set[tuple[Any, Any]] = set()
    declarations: set[Any] = set()
    questions: set[Any] = set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            continue
        problems += hashchain.field_problems(i, entry, ENTRY_KEYS) + hashchain.seq_problems(i, entry)
        problems += hashchain.at_problems(i, entry)
        kind, ref, payload = entry.get("kind"), entry.get("ref"), entry.get("payload")
        found = _payload_problems(i, kind, ref, payload)
        problems += found
        if found:
            continue
        if (kind, ref) in seen:
            problems.append(f"entry {i}: {kind} {ref} is already in the record")
        seen.add((kind, ref))
        if kind == "declaration":
            declarations.add(ref)
            if payload["reaffirms"] is not None and payload["reaffirms"] not in declarations:
                problems.append(f"entry {i}: it re-affirms declaration {payload['reaffirms']}, not earlier in the record")
        elif kind == "question":
            questions.add(ref)
            if payload["declaration_id"] not in declarations:
                problems.append(f"entry {i}: question on declaration {payload['declaration_id']}, "
                                f"not earlier in the record")
        elif ref not in questions:
            problems.append(f"entry {i}: {kind} of question {ref}, not earlier in the record")
    return hashchain.problems_with_links(entries, problems)


head = hashchain.head


def check_file(data: bytes) -> tuple[int, list[str]]:
    """(number of entries, problems) for the bytes of an exported record."""
    try:
        entries = loads(data)
    except RegistryChainError as error:
        return 0, [str(error)]
    return len(entries), verify(entries)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m deliberate.registry.chain FILE...``: 0 when every record holds, 1 otherwise, 2 on a read error."""
    names = list(sys.argv[1:] if argv is None else argv)
    if not names:
        print("usage: python -m deliberate.registry.chain FILE [FILE...]", file=sys.stderr)
        return 2
    status = 0
    for name in names:
        try:
            with open(name, "rb") as handle:
                data = handle.read()
        except OSError as error:
            print(f"{name}: cannot read: {error}", file=sys.stderr)
            return 2
        count, problems = check_file(data)
        if problems:
            status = 1
            print(f"{name}: FAILED ({len(problems)} problem(s))")
            for problem in problems[:20]:
                print(f"  {problem}")
        else:
            print(f"{name}: OK: {count} entries, head {head(loads(data))}")
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
