"""The network's proxy record: every change of every proxy, hash-chained, checkable offline. Pure.

Same shape and canonical form as the witness log (deliberate/witness/chain.py)::

    {"seq": 0, "kind": "given", "ref": 3, "at": "2026-12-07T09:00:00Z",
     "payload": {"proxy_id": 3, "giver": "coop-kazi-riders", "holder": "coop-mesa-data",
                 "scope": "standard", "standard_id": 2, "vote_id": null,
                 "ends_at": "2027-03-01T00:00:00Z"},
     "prev": "<hash of the previous entry, 64 zeros for the first>", "hash": "…"}

    {"seq": 1, "kind": "accepted", "ref": 3, "at": "…", "payload": {"proxy_id": 3}, "prev": "…", "hash": "…"}

Kinds: ``given`` (starts a proxy, state offered), ``accepted``, ``declined``, ``revoked``,
``expired`` (states.py says which may follow which). ``hash`` is SHA-256 over the canonical JSON of
the entry without ``hash``. Co-ops are named as in the ballot records ("coop-<slug>"), never people.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from deliberate import hashchain
from deliberate.voting.ledger import LedgerError, format_at, parse_at

from .resolution import ProxyTerms
from .states import KIND_OF_ACTION, RECORD_KINDS, SCOPES, ProxyStateError, check_scope, next_state

ENTRY_KEYS = frozenset({"seq", "kind", "ref", "at", "payload", "prev", "hash"})
GIVEN_KEYS = frozenset({"proxy_id", "giver", "holder", "scope", "standard_id", "vote_id", "ends_at"})
CHANGE_KEYS = frozenset({"proxy_id"})
ACTION_OF_KIND = {kind: action for action, kind in KIND_OF_ACTION.items()}


class ProxyRecordError(ValueError):
    """An entry cannot be built from what was given, or a record cannot be read."""


def coop_ref(slug: str) -> str:
    """How the record names a co-op: "coop-<slug>", as the ballot records do."""
    return f"coop-{slug}"


def given_payload(proxy_id: int, giver: str, holder: str, scope: str, standard_id: int | None,
                  vote_id: int | None, ends_at: datetime | str) -> dict[str, Any]:
    """The payload of a ``given`` entry. ``giver`` and ``holder`` are record names (coop_ref)."""
    if giver == holder:
        raise ProxyRecordError("a co-op cannot give its vote to itself")
    try:
        check_scope(scope, standard_id, vote_id)
    except ProxyStateError as error:
        raise ProxyRecordError(str(error)) from None
    return {"proxy_id": proxy_id, "giver": giver, "holder": holder, "scope": scope,
            "standard_id": standard_id, "vote_id": vote_id,
            "ends_at": format_at(ends_at) if isinstance(ends_at, datetime) else ends_at}


def make_entry(prev_entry: Mapping[str, Any] | None, kind: str, ref: int, payload: Mapping[str, Any],
               at: datetime | str) -> dict[str, Any]:
    """The next entry after ``prev_entry`` (None for the first). Times never go backwards: an
    ``at`` earlier than the previous entry's is replaced by it (as in the ballot records)."""
    if kind not in RECORD_KINDS:
        raise ProxyRecordError(f"unknown kind {kind!r}")
    return hashchain.next_entry(prev_entry, {"kind": kind, "ref": ref}, payload, at, error=ProxyRecordError,
                                clamp_at=True)


dumps = hashchain.dumps
head = hashchain.head


def loads(text: str | bytes) -> list[dict[str, Any]]:
    """Parse a JSON-lines record; ProxyRecordError naming the line if one is not a JSON object."""
    return hashchain.loads(text, error=ProxyRecordError)


def _given_problem(entry: Mapping[str, Any], payload: Mapping[str, Any]) -> str:
    if set(payload) != GIVEN_KEYS:
        return f"a given entry's payload has {sorted(GIVEN_KEYS)}, not {sorted(payload)}"
    if payload["proxy_id"] != entry.get("ref"):
        return "proxy_id differs from ref"
    for name in ("giver", "holder"):
        if not isinstance(payload[name], str) or not payload[name].startswith("coop-"):
            return f"{name} must name a co-op as coop-<slug>"
    if payload["giver"] == payload["holder"]:
        return "a co-op cannot give its vote to itself"
    if payload["scope"] not in SCOPES:
        return f"unknown scope {payload['scope']!r}"
    for name in ("standard_id", "vote_id"):
        value = payload[name]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            return f"{name} must be a number or null"
    try:
        check_scope(payload["scope"], payload["standard_id"], payload["vote_id"])
        parse_at(payload["ends_at"])
    except (ProxyStateError, LedgerError) as error:
        return str(error)
    return ""


def _walk(entries: Sequence[Any]) -> tuple[dict[Any, dict[str, Any]], list[str]]:
    """Replay the record: each proxy's terms and state, and the problems found on the way."""
    proxies: dict[Any, dict[str, Any]] = {}
    problems: list[str] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            problems.append(f"entry {i}: not an object")
            continue
        wrong_fields = hashchain.field_problems(i, entry, ENTRY_KEYS)
        if wrong_fields:
            problems += wrong_fields
            continue
        kind, ref, payload = entry["kind"], entry["ref"], entry["payload"]
        problems += hashchain.seq_problems(i, entry)
        try:
            at = parse_at(entry["at"])
        except LedgerError as error:
            problems.append(f"entry {i}: {error}")
            continue
        if kind not in RECORD_KINDS:
            problems.append(f"entry {i}: unknown kind {kind!r}")
            continue
        if isinstance(ref, bool) or not isinstance(ref, int) or not isinstance(payload, Mapping):
            problems.append(f"entry {i}: ref must be a proxy's number and payload an object")
            continue
        if kind == "given":
            problem = _given_problem(entry, payload)
            if not problem and ref in proxies:
                problem = f"proxy {ref} was already given (entry {proxies[ref]['given_at']})"
            if problem:
                problems.append(f"entry {i}: {problem}")
                continue
            proxies[ref] = {**payload, "state": "offered", "given_at": i, "ends": parse_at(payload["ends_at"])}
            continue
        if set(payload) != CHANGE_KEYS or payload.get("proxy_id") != ref:
            problems.append(f"entry {i}: a {kind} entry's payload is {{proxy_id}} equal to ref")
            continue
        if ref not in proxies:
            problems.append(f"entry {i}: proxy {ref} is {kind} but was never given")
            continue
        proxy = proxies[ref]
        try:
            state = next_state(proxy["state"], ACTION_OF_KIND[kind])
        except ProxyStateError as error:
            problems.append(f"entry {i}: proxy {ref}: {error}")
            continue
        if kind == "expired" and at < proxy["ends"]:
            problems.append(f"entry {i}: proxy {ref} expired at {entry['at']}, before its end date {proxy['ends_at']}")
            continue
        if kind == "accepted" and at >= proxy["ends"]:
            problems.append(f"entry {i}: proxy {ref} was accepted after its end date {proxy['ends_at']}")
            continue
        proxy["state"] = state
    return proxies, problems


def verify(entries: Sequence[Mapping[str, Any]]) -> list[str]:
    """Check a whole record: fields, seq from 0, each hash recomputes and each prev is the previous
    entry's hash, times never go backwards, each proxy is given once and then changes only as
    states.TRANSITIONS allows (accepted before its end date, expired not before it). Returns the
    problems, earliest first; an empty list means the record holds."""
    return hashchain.problems_with_links(entries, _walk(entries)[1])


def replay(entries: Sequence[Mapping[str, Any]]) -> list[ProxyTerms]:
    """The proxies the record describes, in their last state, co-ops named as in the record
    (ProxyTerms with string giver and holder). ProxyRecordError on the first problem."""
    proxies, problems = _walk(entries)
    if problems:
        raise ProxyRecordError(problems[0])
    return [ProxyTerms(id=ref, giver=p["giver"], holder=p["holder"], scope=p["scope"], ends_at=p["ends"],
                       state=p["state"], standard_id=p["standard_id"], vote_id=p["vote_id"])
            for ref, p in sorted(proxies.items())]
