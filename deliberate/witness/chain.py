"""The network's witness log as a hash chain, and checking it offline. Pure.

Every vote that ends, every version that is ratified and every formal objection that ends adds
one entry::

    {"seq": 0, "kind": "vote", "ref": 7, "at": "2026-12-06T20:15:00Z",
     "payload": {"vote_id": 7, "final": "closed", "record_head": "<hash of the record's last entry>",
                 "record_url": "/votes/7/record.jsonl"},
     "prev": "<hash of the previous entry, 64 zeros for the first>", "hash": "…"}

    {"seq": 1, "kind": "version", "ref": 5, "at": "…",
     "payload": {"standard_id": 3, "standard": "member-data-rights", "version_id": 5, "number": "1.1",
                 "content_hash": "<sha256 of the version's text>",
                 "changelog_hash": "<hash of the version's entry in the standard's changelog>"},
     "prev": "…", "hash": "…"}

    {"seq": 2, "kind": "objection", "ref": 4, "at": "…",
     "payload": {"objection_id": 4, "final": "decided", "record_head": "<hash of the record's entry then>",
                 "record_url": "/objections/4/record.jsonl"},
     "prev": "…", "hash": "…"}

``hash`` is SHA-256 over the canonical JSON of the entry without ``hash``: the same canonical form
as the ballot records (deliberate.voting.ledger). The log is served as JSON lines, one canonical
entry per line. Whoever keeps a copy can later check that the log they fetch *extends* it: the
old entries are still there, byte for byte, and only new ones follow.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from deliberate import hashchain
from deliberate.voting.ledger import LedgerError, canonical

KINDS = ("vote", "version", "objection")
FINALS = ("closed", "cancelled")
# How a formal objection ended (deliberate.appeals): its record may then only gain minority opinions.
OBJECTION_FINALS = ("decided", "settled", "withdrawn")
ENTRY_KEYS = frozenset({"seq", "kind", "ref", "at", "payload", "prev", "hash"})
VOTE_KEYS = frozenset({"vote_id", "final", "record_head", "record_url"})
VERSION_KEYS = frozenset({"standard_id", "standard", "version_id", "number", "content_hash", "changelog_hash"})
OBJECTION_KEYS = frozenset({"objection_id", "final", "record_head", "record_url"})
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
# A kind a later version of Deliberate may write: its entry keeps its place in the chain (links,
# hashes, order, times are checked as for any entry); its content is for that later version to check.
_LATER_KIND = re.compile(r"[a-z][a-z_]{0,31}")
# A record's address is a plain path on the log's own site: nothing that could name another host.
_RECORD_PATH = re.compile(r"/[A-Za-z0-9._~/-]{0,500}")


class WitnessError(ValueError):
    """An entry cannot be built from what was given, or a log cannot be read."""


def vote_payload(vote_id: int, final: str, record_head: str, record_url: str) -> dict[str, Any]:
    """The payload of a vote's entry: how it ended and the hash its published record ends in."""
    return _ended("vote_id", vote_id, final, FINALS, record_head, record_url)


def objection_payload(objection_id: int, final: str, record_head: str, record_url: str) -> dict[str, Any]:
    """The payload of a formal objection's entry: how it ended and the hash of its record's last
    entry then (minority opinions may follow it in the record, nothing else)."""
    return _ended("objection_id", objection_id, final, OBJECTION_FINALS, record_head, record_url)


def _ended(id_name: str, ident: int, final: str, finals: tuple[str, ...], record_head: str,
           record_url: str) -> dict[str, Any]:
    if final not in finals:
        raise WitnessError(f"final must be one of {', '.join(finals)}")
    if not _HEX64.match(record_head or ""):
        raise WitnessError("record_head must be 64 lowercase hex characters")
    if not _RECORD_PATH.fullmatch(record_url) or record_url.startswith("//"):
        raise WitnessError("record_url must be a plain path from the site's root, starting with /")
    return {id_name: ident, "final": final, "record_head": record_head, "record_url": record_url}


def version_payload(standard_id: int, standard: str, version_id: int, number: str, content_hash: str,
                    changelog_hash: str) -> dict[str, Any]:
    """The payload of a ratified version's entry: its text's hash and its changelog entry's hash."""
    for name, value in (("content_hash", content_hash), ("changelog_hash", changelog_hash)):
        if not _HEX64.match(value or ""):
            raise WitnessError(f"{name} must be 64 lowercase hex characters")
    return {"standard_id": standard_id, "standard": standard, "version_id": version_id, "number": number,
            "content_hash": content_hash, "changelog_hash": changelog_hash}


def make_entry(prev_entry: Mapping[str, Any] | None, kind: str, ref: int, payload: Mapping[str, Any],
               at: datetime | str) -> dict[str, Any]:
    """The next entry after ``prev_entry`` (None for the first)."""
    if kind not in KINDS:
        raise WitnessError(f"unknown kind {kind!r}")
    return hashchain.next_entry(prev_entry, {"kind": kind, "ref": ref}, payload, at, error=WitnessError)


line = hashchain.line
dumps = hashchain.dumps


def loads(text: str | bytes) -> list[dict[str, Any]]:
    """Parse a JSON-lines log; WitnessError naming the line if one is not a JSON object."""
    return hashchain.loads(text, error=WitnessError, noun="log")


def _entry_problems(i: int, entry: Mapping[str, Any]) -> list[str]:
    problems = hashchain.field_problems(i, entry, ENTRY_KEYS) + hashchain.seq_problems(i, entry)
    kind, payload = entry.get("kind"), entry.get("payload")
    if kind not in KINDS and not (isinstance(kind, str) and _LATER_KIND.fullmatch(kind)):
        problems.append(f"entry {i}: unknown kind {kind!r}")
    elif not isinstance(payload, Mapping):
        problems.append(f"entry {i}: payload is not an object")
    elif kind not in KINDS:
        pass  # a later version's kind: see unknown_kinds
    else:
        keys = {"vote": VOTE_KEYS, "version": VERSION_KEYS, "objection": OBJECTION_KEYS}[kind]
        if set(payload) != keys:
            problems.append(f"entry {i}: a {kind} payload has {sorted(keys)}, not {sorted(payload)}")
        elif kind == "objection" and (payload["final"] not in OBJECTION_FINALS
                                      or not _HEX64.match(str(payload["record_head"]))
                                      or payload["objection_id"] != entry.get("ref")
                                      or not _is_record_path(payload["record_url"])):
            problems.append(f"entry {i}: an objection entry needs final decided/settled/withdrawn, a 64-hex "
                            f"record_head, objection_id equal to ref and record_url a plain path on this site")
        elif kind == "vote" and (payload["final"] not in FINALS or not _HEX64.match(str(payload["record_head"]))
                                 or payload["vote_id"] != entry.get("ref") or not _is_record_path(payload["record_url"])):
            problems.append(f"entry {i}: a vote entry needs final closed/cancelled, a 64-hex record_head, "
                            f"vote_id equal to ref and record_url a plain path on this site")
    return problems + hashchain.at_problems(i, entry)


def unknown_kinds(entries: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """How many entries of each kind this version does not know (written by a later version):
    ``verify`` checks their place in the chain, not their content."""
    found: dict[str, int] = {}
    for entry in entries:
        kind = entry.get("kind") if isinstance(entry, Mapping) else None
        if isinstance(kind, str) and kind not in KINDS:
            found[kind] = found.get(kind, 0) + 1
    return found


def _is_record_path(value: Any) -> bool:
    return isinstance(value, str) and bool(_RECORD_PATH.fullmatch(value)) and not value.startswith("//")


def verify(entries: Sequence[Mapping[str, Any]]) -> list[str]:
    """Check a whole log: fields, seq from 0, each hash recomputes, each prev is the previous
    entry's hash, times never go backwards, and no vote or version appears twice. Returns the
    problems found, earliest first; an empty list means the log holds."""
    problems: list[str] = []
    seen: set[tuple[Any, Any]] = set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            continue
        problems += _entry_problems(i, entry)
        key = (entry.get("kind"), entry.get("ref"))
        if not (isinstance(key[0], str) and isinstance(key[1], int)):
            continue  # reported by _entry_problems
        if key in seen:
            problems.append(f"entry {i}: {key[0]} {key[1]} is already in the log")
        seen.add(key)
    return hashchain.problems_with_links(entries, problems, noun="log")


def first_difference(old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]) -> int | None:
    """Where ``new`` stops extending ``old``: the seq of the first entry of ``old`` that ``new``
    lacks or holds differently; None when ``old`` is a prefix of ``new`` (equal canonical bytes)."""
    for i, entry in enumerate(old):
        if i >= len(new):
            return i
        try:
            if canonical(dict(entry)) != canonical(dict(new[i])):
                return i
        except LedgerError:
            return i
    return None


def extends(old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]) -> bool:
    """True when ``new`` keeps every entry of ``old`` unchanged, in order, and only adds after it."""
    return first_difference(old, new) is None


head = hashchain.head
