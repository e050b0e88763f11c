"""The hash chain the platform's public records share, and their JSON-lines form. Pure.

The witness log (deliberate.witness.chain), the registry's record (deliberate.registry.chain),
a formal objection's record (deliberate.appeals.record) and the proxy record
(deliberate.proxies.chain) are all one construction::

    {"seq": 0, "kind": "…", …their own fields…, "at": "2026-12-07T10:00:00Z", "payload": {…},
     "prev": "<hash of the previous entry, 64 zeros for the first>", "hash": "…"}

``hash`` is SHA-256 over the canonical JSON of the entry without ``hash``: the canonical form,
hashing and link check of the ballot records (deliberate.voting.ledger), which this module reuses
rather than repeats. Each record keeps its own kinds, payloads and replay rules; this module holds
what they have in common: building the next link, serving and reading JSON lines, and the checks
every entry of every chain passes (fields, seq, time, links, hashes, times never going back).

The ballot records themselves read their exports more strictly (each line must be byte for byte
canonical) and are left to deliberate.voting.record_format.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from deliberate.voting.ledger import (
    GENESIS,
    LedgerError,
    by_entry,
    canonical,
    dumps_jsonl,
    entry_hash,
    format_at,
    parse_at,
    time_order_problems,
    verify_chain,
)

__all__ = ["GENESIS", "at_problems", "dumps", "field_problems", "head", "line", "loads", "next_entry",
           "problems_with_links", "seq_problems"]


def next_entry(prev_entry: Mapping[str, Any] | None, fields: Mapping[str, Any], payload: Mapping[str, Any],
               at: datetime | str, *, error: type[Exception], clamp_at: bool = False) -> dict[str, Any]:
    """The entry after ``prev_entry`` (None for the first): ``seq``, the record's own ``fields``
    (its kind, its ref…), ``at``, a JSON-only copy of ``payload`` (what is hashed is exactly what a
    reader will parse back), ``prev`` and ``hash``. A time that is not ISO-8601 UTC or a payload that
    is not canonical JSON raises ``error``. With ``clamp_at``, an ``at`` earlier than the previous
    entry's is replaced by it (times never go backwards, as in the ballot records)."""
    at_text = format_at(at) if isinstance(at, datetime) else at
    try:
        if clamp_at and prev_entry is not None and parse_at(at_text) < parse_at(prev_entry["at"]):
            at_text = prev_entry["at"]
        parse_at(at_text)
        entry: dict[str, Any] = {
            "seq": 0 if prev_entry is None else prev_entry["seq"] + 1,
            **fields,
            "at": at_text,
            "payload": json.loads(canonical(dict(payload))),
            "prev": GENESIS if prev_entry is None else prev_entry["hash"],
        }
    except LedgerError as exc:
        raise error(str(exc)) from None
    entry["hash"] = entry_hash(entry)
    return entry


def line(entry: Mapping[str, Any]) -> str:
    """One entry as a record serves it: canonical JSON, no newline."""
    return canonical(dict(entry)).decode("utf-8")


def dumps(entries: Sequence[Mapping[str, Any]]) -> str:
    """A record as JSON lines (each line canonical, each ending in a newline)."""
    return dumps_jsonl(entries)


def loads(text: str | bytes, *, error: type[Exception], noun: str = "record") -> list[dict[str, Any]]:
    """Parse a JSON-lines record; ``error`` naming the line if one is not a JSON object, or saying
    the ``noun`` ("record", "log") is not UTF-8. Blank lines are passed over.

    Lines end at "\\n" only: the canonical form writes text as UTF-8, not \\u escapes, so U+2028,
    U+2029 and U+0085 stand unescaped inside JSON strings, and splitlines() would cut them in two.
    A "\\r" before the "\\n" (a file saved with CRLF endings) is JSON white space."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise error(f"the {noun} is not UTF-8 text") from None
    entries = []
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise error(f"line {number}: not JSON ({exc})") from None
        if not isinstance(value, dict):
            raise error(f"line {number}: not a JSON object")
        entries.append(value)
    return entries


def head(entries: Sequence[Mapping[str, Any]]) -> str:
    """The hash of the last entry (64 zeros for an empty record)."""
    return str(entries[-1]["hash"]) if entries else GENESIS


def field_problems(i: int, entry: Mapping[str, Any], keys: frozenset[str]) -> list[str]:
    """The entry has exactly ``keys``."""
    if set(entry) == keys:
        return []
    return [f"entry {i}: fields are {sorted(map(str, entry))}, expected {sorted(keys)}"]


def seq_problems(i: int, entry: Mapping[str, Any]) -> list[str]:
    """The entry's seq is its position (so a missing, added or moved entry shows)."""
    seq = entry.get("seq")
    if seq == i and not isinstance(seq, bool):
        return []
    return [f"entry {i}: seq is {seq!r}, expected {i} (entries missing, added or out of order)"]


def at_problems(i: int, entry: Mapping[str, Any]) -> list[str]:
    """The entry's time is ISO-8601 UTC."""
    try:
        parse_at(entry.get("at"))
    except LedgerError as exc:
        return [f"entry {i}: {exc}"]
    return []


def problems_with_links(entries: Sequence[Any], own: list[str], *, noun: str = "record") -> list[str]:
    """A whole chain's problems, earliest entry first: each hash recomputes and each prev is the
    previous entry's hash (the ballot records' link check), the record's ``own`` problems, and
    times never going backwards. An empty list means the chain holds."""
    return by_entry(verify_chain(entries) + own + time_order_problems(entries, noun=noun))
