"""Reading and checking a ballot record: replay (what the record says), verify (whether it holds
together and ends where it should) and receipts. Pure (standard library and the voting rules).

The record's format (entries, hashing, sealing) is in record_format; callers import both through
deliberate.voting.ledger. See docs/ballot-record.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from deliberate.voting.record_format import (
    _HEX64,
    _ID,
    _NONCE,
    CAST_TYPES,
    ENTRY_KEYS,
    ENTRY_TYPES,
    FINAL_TYPES,
    GENESIS,
    OBJECTION_ENDINGS,
    RECEIPT_PREFIX,
    LedgerError,
    ballot_receipt,
    entry_hash,
    no_cycle_collection,
    parse_at,
)
from deliberate.voting.rules import (
    BallotInput,
    Outcome,
    Rule,
    RuleError,
    check_ballot,
    options_for,
    tally,
)

BALLOT_FIELDS = frozenset({"voter", "delegate", "choice", "ranking", "note"})
OBJECTION_FIELDS = frozenset({"voter", "delegate", "reason"})
SEALED = "a secret vote's record is published sealed"

# --------------------------------------------------------------------------- replay


@dataclass(frozen=True)
class ReplayState:
    """What a record says: the vote's terms and each voter's final ballot.

    `ballots` maps voter -> final ballot data (an "objection" entry is stored as an "object"
    ballot with its reason as note); `objections` maps voter -> "standing" | "resolved" for
    voters whose final ballot is an objection; `declared` is the closed entry's outcome dict;
    `final` is the type of the record's final entry ("closed", "cancelled", or None while the
    vote is open) and `cancelled_reason` the reason a cancelled vote gives.
    """

    vote_id: Any
    rule: Rule
    electorate: dict[str, int]
    alternatives: tuple[str, ...]
    opened: dict[str, Any]
    ballots: dict[str, dict[str, Any]]
    objections: dict[str, str]
    entries: int
    ballot_entries: int
    declared: dict[str, Any] | None
    final: str | None = None
    cancelled_reason: str | None = None

    @property
    def is_closed(self) -> bool:
        """True once the record ends with a "closed" entry."""
        return self.final == "closed"

    @property
    def has_ended(self) -> bool:
        """True once the record ends with "closed" or "cancelled"."""
        return self.final is not None

    def ballot_inputs(self) -> list[BallotInput]:
        """Final ballots as tally inputs, sorted by voter (the order never changes the result)."""
        inputs = []
        for voter in sorted(self.ballots):
            data = self.ballots[voter]
            ranking = data.get("ranking")
            inputs.append(BallotInput(
                voter=voter,
                choice=data.get("choice"),
                ranking=None if ranking is None else tuple(ranking),
                weight=self.electorate.get(voter, 1),
                objection_resolved=self.objections.get(voter) == "resolved",
            ))
        return inputs

    def recompute(self) -> Outcome:
        """The outcome that rules.tally gives for the final ballots (for a ranked record closed
        before December 2026, which declares "winning votes" alone, the tally of that time)."""
        details = (self.declared or {}).get("details")
        if self.rule.method == "ranked" and isinstance(details, dict) and details.get("strength") == "winning votes":
            from .rules import count_ballots
            from .schulze_winning_votes import tally_ranked_winning_votes
            counts = count_ballots(self.rule, self.electorate, self.ballot_inputs(), self.alternatives)
            return tally_ranked_winning_votes(self.rule, counts)
        return tally(self.rule, self.electorate, self.ballot_inputs(), self.alternatives)


def _is_mapping(value: Any) -> bool:
    """isinstance(value, Mapping), quick for the dicts a parsed record holds (an ABC check
    costs more than a ballot's other checks together)."""
    return type(value) is dict or isinstance(value, Mapping)


def _short(voter: Any) -> str:
    """Long receipts are shortened in messages, like "r-ab12cd34…"."""
    text = str(voter)
    return text[:10] + "…" if len(text) > 16 else text


class _Walk:
    """The state of a record read entry by entry, and the content problems found on the way."""

    def __init__(self, rule: Rule, electorate: dict[str, int], alternatives: tuple[str, ...],
                 opens_at: datetime, closes_at: datetime | None, *, coarse: bool) -> None:
        self.rule, self.electorate, self.alternatives = rule, electorate, alternatives
        self.options = options_for(rule, alternatives)
        self.opens_at, self.closes_at = opens_at, closes_at
        # A sealed secret record gives every ballot the closing time: no window to check.
        self.coarse = coarse
        self.ballots: dict[str, dict[str, Any]] = {}
        self.objections: dict[str, str] = {}
        self.declared: dict[str, Any] | None = None
        self.final: str | None = None
        self.final_index: int | None = None
        self.reason: str | None = None
        self.ballot_entries = 0
        # Voters that cast a ballot themselves: a ballot by proxy can no longer replace theirs.
        self.direct: set[str] = set()
        self.problems: list[str] = []

    def problem(self, i: int, text: str) -> None:
        self.problems.append(f"entry {i}: {text}")

    def step(self, i: int, entry: Any) -> None:
        """Read entry i: check its shape, then apply it."""
        if not _is_mapping(entry):
            return self.problem(i, "not an object")
        if entry.keys() != ENTRY_KEYS:
            keys = set(entry)
            missing, extra = sorted(ENTRY_KEYS - keys), sorted(map(str, keys - ENTRY_KEYS))
            return self.problem(i, f"fields wrong (missing {missing or 'none'}, unexpected "
                                   f"{extra or 'none'})")
        kind, data = entry["type"], entry["data"]
        if kind not in ENTRY_TYPES:
            return self.problem(i, f"unknown type {kind!r}")
        if not _is_mapping(data):
            return self.problem(i, "data must be an object")
        try:
            at: datetime | None = parse_at(entry["at"])
        except LedgerError as exc:
            self.problem(i, str(exc))
            at = None
        if self.final_index is not None:
            ended = "closed" if self.final == "closed" else "cancelled"
            return self.problem(i, f"{kind} after the vote was {ended} (entry {self.final_index})")
        if kind == "opened":
            if i:
                self.problem(i, "the vote was already opened")
            return None
        if kind in FINAL_TYPES:
            return self.end(i, kind, data)
        voter = data.get("voter")
        if not isinstance(voter, str) or voter not in self.electorate:
            return self.problem(i, f"voter {_short(voter)} is not in the electorate")
        for name in ("voter", "delegate"):
            value = data.get(name)
            if value is not None and (not isinstance(value, str) or not _ID.fullmatch(value)):
                self.problem(i, f"{name} {_short(value)} is not a pseudonymous id")
        if at is not None and kind in CAST_TYPES:
            self.check_window(i, kind, entry["at"], at)
        if kind == "ballot":
            self.ballot(i, voter, data)
        elif kind == "objection":
            self.objection(i, voter, data)
        else:
            self.resolved(i, voter, data)
        return None

    def end(self, i: int, kind: str, data: Mapping[str, Any]) -> None:
        """A "closed" or "cancelled" entry: the vote has ended."""
        self.final, self.final_index = kind, i
        if kind == "closed":
            declared = data.get("outcome")
            if not isinstance(declared, dict):
                self.problem(i, "closed entry has no outcome")
                declared = {}
            self.declared = declared
            return
        reason = data.get("reason")
        if set(data) != {"reason"} or not isinstance(reason, str) or not reason.strip():
            self.problem(i, "a cancelled entry gives its reason, and nothing else")
        else:
            self.reason = reason

    def check_window(self, i: int, kind: str, text: str, at: datetime) -> None:
        if at < self.opens_at:
            self.problem(i, f"{kind} at {text} is before the vote opened")
        elif not self.coarse and self.closes_at is not None and at > self.closes_at:
            self.problem(i, f"{kind} at {text} is after the vote closed")

    def ballot(self, i: int, voter: str, data: Mapping[str, Any]) -> None:
        self.ballot_entries += 1
        problem = _check_ballot_entry(self.rule, data, self.options) or self.proxy_problem(voter, data)
        if problem:
            return self.problem(i, problem)
        if "proxy" not in data:
            self.direct.add(voter)
        self.ballots[voter] = dict(data)
        if data["choice"] == "object":
            self.objections[voter] = "standing"
        else:
            self.objections.pop(voter, None)
        return None

    def proxy_problem(self, voter: str, data: Mapping[str, Any]) -> str:
        """A ballot cast by proxy ("proxy": the holder co-op) is valid only in a public vote, from
        a co-op of the electorate other than the voter, and only while the voter has not cast a
        ballot itself (a direct ballot always overrides the proxy). See docs/proxies.md."""
        if "proxy" not in data:
            return ""
        holder = data["proxy"]
        if self.rule.secret:
            return "a secret vote's record never names a proxy"
        if not isinstance(holder, str) or holder not in self.electorate:
            return f"the proxy {_short(holder)} is not in the electorate"
        if holder == voter:
            return "a co-op cannot be its own proxy"
        if voter in self.direct:
            return f"{_short(voter)} already voted itself: a ballot by proxy cannot replace it"
        return ""

    def objection(self, i: int, voter: str, data: Mapping[str, Any]) -> None:
        self.ballot_entries += 1
        self.direct.add(voter)
        reason = data.get("reason")
        if self.rule.method != "consent":
            return self.problem(i, "objections belong to consent votes only")
        problem = _check_fields(data, OBJECTION_FIELDS, "objection fields must be voter, "
                                                        "delegate, reason")
        if problem:
            return self.problem(i, problem)
        if not isinstance(reason, str) or not reason.strip():
            return self.problem(i, "an objection needs a reason")
        self.ballots[voter] = {"voter": voter, "delegate": data.get("delegate"),
                               "choice": "object", "ranking": None, "note": reason}
        self.objections[voter] = "standing"
        return None

    def resolved(self, i: int, voter: str, data: Mapping[str, Any]) -> None:
        if self.objections.get(voter) != "standing":
            self.problem(i, f"objection_resolved for {_short(voter)}, who has no standing "
                            f"objection")
        elif data.get("how") not in OBJECTION_ENDINGS:
            self.problem(i, "how must be 'withdrawn' or 'resolved'")
        else:
            self.objections[voter] = "resolved"

    def state(self, opened: Mapping[str, Any], entries: int) -> ReplayState:
        return ReplayState(
            vote_id=opened.get("vote_id"), rule=self.rule, electorate=self.electorate,
            alternatives=self.alternatives, opened=dict(opened), ballots=self.ballots,
            objections=self.objections, entries=entries, ballot_entries=self.ballot_entries,
            declared=self.declared, final=self.final, cancelled_reason=self.reason,
        )


def _walk(entries: Sequence[Any]) -> tuple[ReplayState | None, list[str]]:
    """Interpret the entries in order, collecting every content problem (not hashes)."""
    if not entries:
        return None, ["the record is empty"]
    first = entries[0]
    if not _is_mapping(first) or first.get("type") != "opened":
        return None, ["entry 0: the record must start with an 'opened' entry"]
    try:
        terms = _read_opened(first.get("data"))
    except (LedgerError, RuleError) as exc:
        return None, [f"entry 0: {exc}"]
    last = entries[-1]
    ended = _is_mapping(last) and last.get("type") in FINAL_TYPES
    walk = _Walk(*terms, coarse=_published_sealed(terms[0], ended, entries))
    for i, entry in enumerate(entries):
        try:
            walk.step(i, entry)
        except Exception as exc:  # a tampered file must yield a reason, never a traceback
            walk.problem(i, f"malformed ({type(exc).__name__}: {exc})")
    return walk.state(first["data"], len(entries)), walk.problems


def _read_opened(data: Any) -> tuple[Rule, dict[str, int], tuple[str, ...], datetime,
                                     datetime | None]:
    """Check the opened entry's data and return (rule, electorate, alternatives, opens, closes)."""
    if not _is_mapping(data):
        raise LedgerError("opened data must be an object")
    rule_data: Any = data.get("rule")
    rule = Rule.from_dict(rule_data)
    secret = data.get("secret")
    if secret is not rule.secret:
        raise LedgerError(f"secret={secret!r} disagrees with the rule (secret={rule.secret})")
    listed = data.get("electorate")
    if not isinstance(listed, list):
        raise LedgerError("electorate must be a list")
    electorate: dict[str, int] = {}
    for item in listed:
        if not _is_mapping(item) or set(item) != {"voter", "weight"}:
            raise LedgerError("electorate items must be {voter, weight}")
        voter, weight = item["voter"], item["weight"]
        if not isinstance(voter, str) or voter in electorate:
            raise LedgerError(f"electorate voter {_short(voter)} is invalid or listed twice")
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 1:
            raise LedgerError(f"electorate weight of {_short(voter)} is invalid")
        electorate[voter] = weight
    coops = data.get("coops")
    if rule.secret:
        if not all(v.startswith(RECEIPT_PREFIX) for v in electorate):
            raise LedgerError("a secret vote's electorate must list receipts, not co-op ids")
        if not isinstance(coops, list) or len(coops) != len(electorate):
            raise LedgerError("a secret vote must list its co-ops, one per receipt")
    elif coops is not None:
        raise LedgerError("a public vote lists its co-ops in the electorate, not in 'coops'")
    alternatives = data.get("alternatives")
    if not isinstance(alternatives, list):
        raise LedgerError("alternatives must be a list")
    options_for(rule, alternatives)
    opens_at = parse_at(data.get("opens_at"))
    closes = data.get("closes_at")
    closes_at = None if closes is None else parse_at(closes)
    if not isinstance(data.get("text_hash"), str) or not _HEX64.fullmatch(data["text_hash"]):
        raise LedgerError("text_hash must be 64 lowercase hex characters")
    return rule, electorate, tuple(alternatives), opens_at, closes_at


def _check_fields(data: Mapping[str, Any], fields: frozenset[str], message: str) -> str:
    """The data's fields are exactly `fields`, plus an optional receipt nonce (records made
    before receipts have none); return a problem or ""."""
    if set(data) - {"nonce"} != fields:
        return message
    if "nonce" in data and not (isinstance(data["nonce"], str) and _NONCE.fullmatch(data["nonce"])):
        return "nonce must be 32 lowercase hex characters"
    return ""


def _check_ballot_entry(rule: Rule, data: Mapping[str, Any], options: Sequence[str]) -> str:
    """Return a problem with a ballot entry's data, or "" if it is valid for the method."""
    # A ballot cast by proxy also names the holder ("proxy"), checked by _Walk.proxy_problem.
    fields = {key: value for key, value in data.items() if key != "proxy"}
    problem = _check_fields(fields, BALLOT_FIELDS, "ballot fields must be voter, delegate, choice, "
                                                   "ranking, note (and a nonce, and a proxy)")
    if problem:
        return problem
    ranking = data["ranking"]
    if ranking is not None and not isinstance(ranking, list):
        return "ranking must be a list"
    note = data["note"]
    if note is not None and not isinstance(note, str):
        return "note must be text"
    ballot = BallotInput(voter=data["voter"], choice=data["choice"],
                         ranking=None if ranking is None else tuple(ranking))
    try:
        check_ballot(rule, ballot, options)
    except RuleError as exc:
        return f"invalid ballot: {exc}"
    if data["choice"] == "object" and not (note or "").strip():
        return "an objection needs a reason in its note"
    return ""


def replay(entries: Sequence[Mapping[str, Any]]) -> ReplayState:
    """Read a record into its final state (later ballots replace earlier ones).

    Checks content but not hashes, times' order or sealing (use verify for that); raises
    LedgerError on the first problem. Works on the stored record and on the sealed one alike.
    """
    state, problems = _walk(entries)
    if problems or state is None:
        raise LedgerError(problems[0] if problems else "the record is empty")
    return state


# --------------------------------------------------------------------------- verify


def verify_chain(entries: Sequence[Any], link_field: str = "prev",
                 hash_field: str = "hash") -> list[str]:
    """Check a hash chain: each entry's hash recomputes and links to the previous entry's hash
    (64 zeros for the first). Generic, so the standards changelog can use it too. Returns the
    problems found; an empty list means the chain holds."""
    problems: list[str] = []
    expected: Any = GENESIS
    for i, entry in enumerate(entries):
        if not _is_mapping(entry):
            problems.append(f"entry {i}: not an object")
            expected = None
            continue
        link, stored = entry.get(link_field), entry.get(hash_field)
        if expected is not None and link != expected:
            if i == 0:
                problems.append(f"entry 0: {link_field} must be 64 zeros (the start of the "
                                f"record is missing)")
            else:
                problems.append(f"entry {i}: {link_field} does not match the hash of entry "
                                f"{i - 1} (an entry was removed, inserted or reordered)")
        try:
            if stored != entry_hash(entry, hash_field):
                problems.append(f"entry {i}: hash mismatch (a byte was changed)")
        except LedgerError as exc:
            problems.append(f"entry {i}: {exc}")
        # Link the next entry to the hash as written, so one changed entry is reported once.
        expected = stored
    return problems


@dataclass(frozen=True)
class VerifyReport:
    """What verify found. `ok` is true when there are no problems; `recomputed` is the outcome
    recomputed from the final ballots (None unless the vote closed and it could be); `final` is
    "closed", "cancelled" or None (still open, or cut off); `head` the last entry's hash."""

    ok: bool
    problems: tuple[str, ...]
    vote_id: Any
    entries: int
    ballots: int
    ballot_entries: int
    closed: bool
    declared: dict[str, Any] | None
    recomputed: Outcome | None
    head: str | None
    final: str | None = None
    cancelled_reason: str | None = None

    def summary(self) -> str:
        """One line: "OK: vote 12 — 31 entries, 9 ballots, result recomputed: adopted",
        "OK: … cancelled, no result (reason)", "OK: … still open …" or
        "FAILED: <first problem>"."""
        if not self.ok:
            return f"FAILED: {self.problems[0]}"
        head = f"OK: vote {self.vote_id} — {self.entries} entries, {self.ballots} ballots, "
        if self.final == "cancelled":
            reason = self.cancelled_reason or ""
            reason = reason if len(reason) <= 80 else reason[:79] + "…"
            return head + f"cancelled, no result ({reason})"
        if self.recomputed is None:
            return head + "still open (no result declared yet)"
        return head + f"result recomputed: {result_word(self.recomputed)}"


def result_word(outcome: Outcome) -> str:
    """"adopted", "adopted B" (ranked), "rejected" or "rejected (quorum not met)"."""
    if outcome.passed:
        return f"adopted {outcome.winner}" if outcome.winner else "adopted"
    return "rejected" if outcome.quorum_met else "rejected (quorum not met)"


_COMPARED = ("passed", "winner", "quorum_met", "turnout", "electorate_size", "counts",
             "failed_only_on_quorum", "explanation", "details")


def _differences(declared: Mapping[str, Any], recomputed: Mapping[str, Any]) -> str:
    """Describe how a declared outcome differs from the recomputed one, field by field."""
    parts = []
    for name in _COMPARED:
        a, b = declared.get(name, "(missing)"), recomputed[name]
        if a != b:
            if isinstance(b, (dict, str)) and name in ("counts", "explanation", "details"):
                shown_a = json.dumps(a, sort_keys=True, ensure_ascii=False)
                shown_b = json.dumps(b, sort_keys=True, ensure_ascii=False)
                if len(shown_a) + len(shown_b) > 300:
                    parts.append(f"{name} differs")
                    continue
                parts.append(f"declared {name}={shown_a}, recomputed {name}={shown_b}")
            else:
                parts.append(f"declared {name}={a}, recomputed {name}={b}")
    extra = sorted(map(str, set(declared) - set(_COMPARED)))
    if extra:
        parts.append(f"declared has unexpected fields {extra}")
    return "; ".join(parts)


def time_order_problems(entries: Sequence[Any], noun: str = "record") -> list[str]:
    """Entry times never go backwards (an entry moved, or a back-dated one inserted). Shared by
    every hash chain of the platform (ballot records, the witness log)."""
    problems: list[str] = []
    latest: tuple[int, datetime] | None = None
    for i, entry in enumerate(entries):
        try:
            at = parse_at(entry.get("at"))
        except (AttributeError, LedgerError):
            continue  # reported by the walk
        if latest is not None and at < latest[1]:
            problems.append(f"entry {i}: its time {entry['at']} is earlier than entry "
                            f"{latest[0]}'s (times in a {noun} never go backwards)")
        else:
            latest = (i, at)
    return problems


def _published_sealed(rule: Rule, ended: bool, entries: Sequence[Any]) -> bool:
    """Whether this record must be in the sealed form (and its ballots' times are the close's, so
    no voting window can be checked on them): an ended secret vote's record written with receipts."""
    return rule.secret and ended and _carries_receipts(entries)


def _carries_receipts(entries: Sequence[Any]) -> bool:
    """Whether the record was written with receipts (a nonce in its ballots): every such secret
    record is published sealed. A secret record that ended before receipts and sealing existed
    was already published in casting order; re-sealing it would only look like a rewrite."""
    return any(_is_mapping(e) and e.get("type") in CAST_TYPES and _is_mapping(e.get("data"))
               and "nonce" in e["data"] for e in entries)


def _seal_problems(entries: Sequence[Any]) -> list[str]:
    """An ended secret vote's record must be in the sealed form (see record_format.seal): every
    middle entry at the final entry's time, sorted by voter. Reports the first departure."""
    final_at = entries[-1].get("at")
    previous = ""
    for i in range(1, len(entries) - 1):
        entry = entries[i]
        if not _is_mapping(entry) or not _is_mapping(entry.get("data")):
            continue  # reported by the walk
        if entry.get("at") != final_at:
            return [f"entry {i}: {SEALED}: every ballot bears the final entry's time "
                    f"({final_at}), but this one is at {entry.get('at')} (the casting order "
                    f"and times must not be published)"]
        voter = str(entry["data"].get("voter"))
        if voter < previous:
            return [f"entry {i}: {SEALED}: ballots are sorted by voter, but {_short(voter)} "
                    f"comes after {_short(previous)} (the casting order must not be published)"]
        previous = voter
    return []


def verify(entries: Sequence[Mapping[str, Any]], allow_open: bool = False) -> VerifyReport:
    """Check a whole record without the database.

    Checks: seq contiguous from 0; each prev is the previous hash; each hash recomputes; the
    first entry is "opened" and the record ends with "closed" or "cancelled" (unless
    `allow_open`: a vote still open has no final entry, and a record cut off looks the same);
    nothing follows the final entry; times never go backwards; every ballot's voter is in the
    electorate and its choice is valid for the method; no ballot before opening or after
    closing; an ended secret vote's record is sealed; and, if closed, that rules.tally over the
    final ballots gives exactly the declared outcome. A cancelled vote has no result.
    """
    with no_cycle_collection():
        return _verify(entries, allow_open)


def _verify(entries: Sequence[Mapping[str, Any]], allow_open: bool) -> VerifyReport:
    problems: list[str] = []
    for i, entry in enumerate(entries):
        seq = entry.get("seq") if _is_mapping(entry) else None
        if seq != i or isinstance(seq, bool):
            problems.append(f"entry {i}: seq is {seq!r}, expected {i} (entries missing, added "
                            f"or out of order)")
    problems += verify_chain(entries)
    problems += time_order_problems(entries)
    state, walk_problems = _walk(entries)
    problems += walk_problems
    recomputed: Outcome | None = None
    if state is not None and state.final is None and not allow_open:
        problems.append("the record does not end with a 'closed' or 'cancelled' entry: its end "
                        "was cut off, or the vote is still open (to check a vote still open, "
                        "allow an open record: deliberate verify --allow-open)")
    last = entries[-1] if entries else None
    if state is not None and _published_sealed(state.rule, _is_mapping(last)
                                               and last.get("type") in FINAL_TYPES, entries):
        problems += _seal_problems(entries)
    if state is not None and state.declared is not None:
        try:
            recomputed = state.recompute()
        except RuleError as exc:
            problems.append(f"the result cannot be recomputed: {exc}")
        else:
            difference = _differences(state.declared, recomputed.to_dict())
            if difference:
                problems.append(f"declared result differs: {difference}")
    # Problems sorted by entry so the first one reported is the earliest in the file.
    problems = by_entry(problems)
    return VerifyReport(
        ok=not problems,
        problems=tuple(problems),
        vote_id=None if state is None else state.vote_id,
        entries=len(entries),
        ballots=0 if state is None else len(state.ballots),
        ballot_entries=0 if state is None else state.ballot_entries,
        closed=state is not None and state.is_closed,
        declared=None if state is None else state.declared,
        recomputed=recomputed,
        head=last.get("hash") if _is_mapping(last) else None,
        final=None if state is None else state.final,
        cancelled_reason=None if state is None else state.cancelled_reason,
    )


def by_entry(problems: list[str]) -> list[str]:
    """Stable sort: problems naming "entry N" by N, the rest (whole-record) after them."""
    def key(problem: str) -> int:
        match = re.match(r"entry (\d+):", problem)
        return int(match.group(1)) if match else 1 << 62
    return sorted(dict.fromkeys(problems), key=key)  # dict.fromkeys drops repeats, keeps order


# --------------------------------------------------------------------------- receipts


@dataclass(frozen=True)
class ReceiptMatch:
    """Where a receipt was found: `entry` (its position in the record, None if absent), the
    entry's `kind` ("ballot" or "objection") and `voter`, and whether it is `counted`: the
    voter's last ballot or objection, the one the result counts (a later one replaces it)."""

    receipt: str
    entry: int | None = None
    kind: str | None = None
    voter: str | None = None
    counted: bool = False

    @property
    def found(self) -> bool:
        """True when a ballot or objection with this receipt is in the record."""
        return self.entry is not None


def find_receipt(entries: Sequence[Mapping[str, Any]], receipt: str) -> ReceiptMatch:
    """Look for the ballot or objection whose ballot_receipt is `receipt` (hex, any case)."""
    wanted = receipt.strip().lower()
    match: ReceiptMatch | None = None
    for i, entry in enumerate(entries):
        if not _is_mapping(entry) or entry.get("type") not in CAST_TYPES:
            continue
        data = entry.get("data")
        if not _is_mapping(data):
            continue
        if match is not None and match.voter == data.get("voter"):
            match = ReceiptMatch(wanted, match.entry, match.kind, match.voter, counted=False)
            continue
        try:
            same = ballot_receipt(data) == wanted
        except LedgerError:
            continue
        if same and match is None:
            match = ReceiptMatch(wanted, i, entry["type"], data.get("voter"), counted=True)
    return match or ReceiptMatch(wanted)
