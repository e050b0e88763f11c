"""The record of a formal objection: a hash chain of every step, checkable offline. Pure.

An entry, as served at ``/objections/<id>/record.jsonl`` (one canonical JSON object a line)::

    {"seq": 0, "kind": "filed", "at": "2026-12-07T10:00:00Z",
     "payload": {"objection": 4, "subject": "amendment:12", "coop": "kazi-riders", ...},
     "prev": "<hash of the previous entry, 64 zeros for the first>", "hash": "…"}

``hash`` is SHA-256 over the canonical JSON of the entry without ``hash`` (the canonical form of
the ballot records, deliberate.voting.ledger). The pattern is the witness log's
(deliberate/witness/chain.py): make_entry, verify, dumps, loads.

Co-ops appear by slug; people never appear (a step says "by": a co-op's slug or "steward"), so
erasing a person changes nothing here.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from deliberate import hashchain

from . import draw, tally

KINDS = ("filed", "mediation_note", "proposal", "withdrawn", "council_drawn", "ballot", "member_dismissed",
         "short_circuit", "decision_draft", "decided", "minority_opinion")
# After one of these, only minority opinions may follow.
ENDINGS = ("withdrawn", "short_circuit", "decided")
ENTRY_KEYS = frozenset({"seq", "kind", "at", "payload", "prev", "hash"})


class RecordError(ValueError):
    """An entry cannot be built from what was given, or a record cannot be read."""


def make_entry(prev_entry: Mapping[str, Any] | None, kind: str, payload: Mapping[str, Any],
               at: datetime | str) -> dict[str, Any]:
    """The next entry after ``prev_entry`` (None for the first)."""
    if kind not in KINDS:
        raise RecordError(f"unknown kind {kind!r}")
    return hashchain.next_entry(prev_entry, {"kind": kind}, payload, at, error=RecordError)


line = hashchain.line
dumps = hashchain.dumps
head = hashchain.head


def loads(text: str | bytes) -> list[dict[str, Any]]:
    """Parse a JSON-lines record; RecordError naming the line if one is not a JSON object."""
    return hashchain.loads(text, error=RecordError)


class Replay:
    """The council as the record builds it: draw order, size, dismissed members, ballots."""

    def __init__(self) -> None:
        self.order: list[str] = []
        self.size = 0
        self.dismissed: list[str] = []
        self.ballots: dict[str, dict[str, str]] = {}
        self.ended: str | None = None

    @property
    def council(self) -> list[str]:
        return draw.seated(self.order, self.size, self.dismissed)


def _step_problems(i: int, entry: Mapping[str, Any], state: Replay) -> list[str]:
    kind, payload = entry.get("kind"), entry.get("payload")
    if not isinstance(payload, Mapping):
        return [f"entry {i}: payload is not an object"]
    problems = []
    if i == 0 and kind != "filed":
        problems.append("entry 0: a record starts with 'filed'")
    if i > 0 and kind == "filed":
        problems.append(f"entry {i}: 'filed' appears again")
    if state.ended and kind != "minority_opinion":
        problems.append(f"entry {i}: '{kind}' after the objection ended ({state.ended})")
    if kind == "minority_opinion" and state.ended != "decided":
        problems.append(f"entry {i}: a minority opinion before the council decided")
    if kind == "council_drawn":
        if state.order:
            problems.append(f"entry {i}: the council was drawn twice")
        problems += [f"entry {i}: {p}" for p in draw.check_draw(
            str(payload.get("seed")), payload.get("eligible") or [], payload.get("order") or [],
            str(payload.get("witness_head")), str(payload.get("record_head")))]
        if payload.get("record_head") != entry.get("prev"):
            problems.append(f"entry {i}: the draw's record head is not the previous entry's hash")
        state.order = list(payload.get("order") or [])
        state.size = int(payload.get("size") or 0)
        if list(payload.get("council") or []) != state.council:
            problems.append(f"entry {i}: the council is not the first {state.size} of the draw order")
    elif kind == "ballot":
        voter = payload.get("coop")
        if voter not in state.council:
            problems.append(f"entry {i}: {voter!r} votes but does not sit on the council")
        elif payload.get("choice") not in tally.CHOICES:
            problems.append(f"entry {i}: unknown choice {payload.get('choice')!r}")
        else:
            state.ballots.setdefault(str(payload.get("question")), {})[voter] = payload["choice"]
    elif kind == "member_dismissed":
        member = payload.get("coop")
        question = f"dismiss:{member}"
        counted = tally.dismissal(state.council, str(member), state.ballots.get(question, {}))
        if not counted.passed:
            problems.append(f"entry {i}: {member!r} dismissed without a majority of the other members")
        state.dismissed.append(str(member))
        if list(payload.get("council") or []) != state.council:
            problems.append(f"entry {i}: the council after the dismissal is not the next in the draw order")
    elif kind == "decided":
        question = str(payload.get("question"))
        if not tally.decision(state.council, state.ballots.get(question, {})).passed:
            problems.append(f"entry {i}: the decision was not voted by a majority of the council")
        if payload.get("outcome") not in ("affirm", "overturn") or payload.get("finding") not in ("upheld", "overruled"):
            problems.append(f"entry {i}: a decision affirms or overturns, and upholds or overrules")
    elif kind == "short_circuit":
        question = str(payload.get("question"))
        votes = state.ballots.get(question, {})
        yes = [c for c in state.council if votes.get(c) == "yes"]
        no = [c for c in state.council if votes.get(c) == "no"]
        if no or len(yes) < tally.eighty_percent(len(state.council)) or not state.council:
            problems.append(f"entry {i}: the short circuit needs 80% yes and no nay of the council")
    if kind in ENDINGS:
        state.ended = str(kind)
    return problems


def verify(entries: Sequence[Mapping[str, Any]]) -> list[str]:
    """Check a whole record: fields, seq from 0, hashes and links, times never going back, the
    order of steps, the council's draw against its seed, dismissals and replacements, and each
    council outcome against the ballots before it. Empty list: the record holds."""
    problems: list[str] = []
    state = Replay()
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            continue
        problems += hashchain.field_problems(i, entry, ENTRY_KEYS) + hashchain.seq_problems(i, entry)
        if entry.get("kind") not in KINDS:
            problems.append(f"entry {i}: unknown kind {entry.get('kind')!r}")
            continue
        problems += hashchain.at_problems(i, entry)
        try:
            problems += _step_problems(i, entry, state)
        except (TypeError, ValueError) as error:
            problems.append(f"entry {i}: {error}")
    return hashchain.problems_with_links(entries, problems)


def replay(entries: Sequence[Mapping[str, Any]]) -> Replay:
    """The council state the record describes (for pages and the service), without checking."""
    state = Replay()
    for i, entry in enumerate(entries):
        try:
            _step_problems(i, entry, state)
        except (TypeError, ValueError):
            continue
    return state
