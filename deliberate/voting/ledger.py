"""The ballot record: an append-only, hash-chained list of entries per vote.

Pure and shared by the app (which appends entries) and the offline verifier (which checks an
exported JSON-lines file without the database). An entry is a plain dict:

    {"seq": 0, "type": "opened", "at": "2025-05-01T09:00:00Z", "data": {...},
     "prev": "000…0", "hash": "…"}

`hash` is SHA-256 over the canonical JSON of the entry without "hash"; `prev` is the previous
entry's hash (64 zeros for the first). See docs/ballot-record.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from deliberate.voting.rules import (
    BallotInput,
    Outcome,
    Rule,
    RuleError,
    check_ballot,
    options_for,
    tally,
)

GENESIS = "0" * 64
ENTRY_TYPES = ("opened", "ballot", "objection", "objection_resolved", "closed")
ENTRY_KEYS = frozenset({"seq", "type", "at", "data", "prev", "hash"})
RECEIPT_PREFIX = "r-"
DELEGATE_PREFIX = "d-"
OBJECTION_ENDINGS = ("withdrawn", "resolved")

_HEX64 = re.compile(r"[0-9a-f]{64}")
# Ids in the record are slugs, numbers or pseudonyms; whitespace or "@" suggests a name or email.
_ID = re.compile(r"[^\s@]{1,128}")


class LedgerError(ValueError):
    """The record is malformed or cannot be built; the message names the line or entry."""


# --------------------------------------------------------------------------- hashing


def canonical(obj: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no spaces, UTF-8 (not \\u escapes), no NaN."""
    try:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False).encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError) as exc:
        raise LedgerError(f"not representable as canonical JSON: {exc}") from None


def entry_hash(entry: Mapping[str, Any], hash_field: str = "hash") -> str:
    """Hex SHA-256 of the canonical JSON of the entry without its hash field."""
    body = {key: value for key, value in entry.items() if key != hash_field}
    return hashlib.sha256(canonical(body)).hexdigest()


def hash_text(text: str) -> str:
    """Hex SHA-256 of a text's UTF-8 bytes: the `text_hash` of the exact wording voted on."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def format_at(moment: datetime) -> str:
    """ISO-8601 UTC with a "Z", e.g. "2025-05-01T09:00:00Z" (microseconds only when present)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise LedgerError("times in the record must be timezone-aware (UTC)")
    naive = moment.replace(tzinfo=None) - (moment.utcoffset() or timedelta(0))
    spec = "microseconds" if naive.microsecond else "seconds"
    return naive.isoformat(timespec=spec) + "Z"


def parse_at(value: Any) -> datetime:
    """Parse an ISO-8601 UTC time; LedgerError if it is not a string or not in UTC."""
    if not isinstance(value, str):
        raise LedgerError(f"time {value!r} is not an ISO-8601 string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise LedgerError(f"time {value!r} is not ISO-8601") from None
    if moment.utcoffset() != timedelta(0):
        raise LedgerError(f"time {value!r} is not in UTC (end it with Z)")
    return moment


def _at_text(value: str | datetime) -> str:
    """Accept a datetime or an ISO string; keep strings exactly as given (they are hashed)."""
    if isinstance(value, datetime):
        return format_at(value)
    parse_at(value)
    return value


def make_entry(prev_entry: Mapping[str, Any] | None, type: str, data: Mapping[str, Any],
               at: str | datetime) -> dict[str, Any]:
    """Build the next entry after `prev_entry` (None for the first, which must be "opened")."""
    if type not in ENTRY_TYPES:
        raise LedgerError(f"unknown entry type {type!r}")
    if prev_entry is None and type != "opened":
        raise LedgerError("the first entry of a record must be 'opened'")
    if prev_entry is not None and prev_entry.get("type") == "closed":
        raise LedgerError("the vote is closed: nothing can follow the 'closed' entry")
    if not isinstance(data, Mapping):
        raise LedgerError("entry data must be an object")
    entry = {
        "seq": 0 if prev_entry is None else prev_entry["seq"] + 1,
        "type": type,
        "at": _at_text(at),
        # A JSON-only copy: what is hashed is exactly what a reader will parse back.
        "data": json.loads(canonical(dict(data))),
        "prev": GENESIS if prev_entry is None else prev_entry["hash"],
    }
    _refuse_floats(entry["data"])
    entry["hash"] = entry_hash(entry)
    return entry


def _refuse_floats(value: Any) -> None:
    """Floats print differently across languages; the record holds only ints and strings."""
    if isinstance(value, float):
        raise LedgerError(f"numbers in the record must be whole; got {value!r} (use a "
                          f"string such as '2/3')")
    if isinstance(value, dict):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_floats(item)


# --------------------------------------------------------------------------- pseudonyms


def _pseudonym(prefix: str, secret_key: bytes, *parts: Any) -> str:
    """HMAC-SHA256 over the canonical JSON of the parts: unlinkable without the key."""
    if not isinstance(secret_key, (bytes, bytearray)) or len(secret_key) < 16:
        raise LedgerError("the secret key must be at least 16 bytes")
    message = canonical([str(part) for part in parts])
    return prefix + hmac.new(bytes(secret_key), message, hashlib.sha256).hexdigest()[:32]


def receipt(secret_key: bytes, vote_id: Any, coop_id: Any) -> str:
    """The receipt that stands for a co-op in a secret vote's record ("r-" + 32 hex).

    Only the app's key links it to the co-op, so each co-op can be shown its receipt and find its
    ballot in the published record, while nobody else can tell whose ballot it is.
    """
    return _pseudonym(RECEIPT_PREFIX, secret_key, "receipt", vote_id, coop_id)


def delegate_pseudonym(secret_key: bytes, vote_id: Any, person_id: Any) -> str:
    """A per-vote pseudonym for the delegate who cast a ballot ("d-" + 32 hex).

    Per vote, so the record cannot be joined across votes to profile a person, and erasing a
    person never touches the record.
    """
    return _pseudonym(DELEGATE_PREFIX, secret_key, "delegate", vote_id, person_id)


# --------------------------------------------------------------------------- entry data


def _check_id(what: str, value: Any) -> str:
    """Ids must be short strings without whitespace or "@" (never a name or an email)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise LedgerError(f"{what} {value!r} must be an id (no spaces or '@', at most 128 "
                          f"characters): the record never holds names or emails")
    return value


def opened_data(vote_id: int | str, subject: Mapping[str, Any], rule: Rule,
                electorate: Iterable[Mapping[str, Any]] | Mapping[str, int],
                alternatives: Sequence[str] | None, text_hash: str,
                opens_at: str | datetime, closes_at: str | datetime | None, secret: bool,
                *, secret_key: bytes | None = None) -> dict[str, Any]:
    """Data of the "opened" entry: what is voted on, by which rule, and by whom.

    `electorate` lists co-op ids with weights ({"voter", "weight"} dicts or a mapping). For a
    secret vote (`secret` must equal rule.secret) pass `secret_key`: the electorate is then
    recorded as receipts, sorted so that their order reveals nothing, and the co-op ids are
    listed separately under "coops". Weights are recorded as 1 unless the rule is weighted.
    """
    if not isinstance(rule, Rule):
        raise LedgerError("rule must be a Rule")
    if bool(secret) != rule.secret:
        raise LedgerError(f"secret={secret} disagrees with the rule (secret={rule.secret})")
    pairs = electorate.items() if isinstance(electorate, Mapping) else (
        (item.get("voter"), item.get("weight", 1)) for item in electorate)
    weights: dict[str, int] = {}
    for voter, weight in pairs:
        voter = _check_id("electorate voter", voter)
        if voter in weights:
            raise LedgerError(f"electorate lists {voter} twice")
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 1:
            raise LedgerError(f"electorate weight of {voter} must be a whole number >= 1")
        weights[voter] = weight if rule.weighted else 1
    coops = None
    if secret:
        if secret_key is None:
            raise LedgerError("a secret vote needs secret_key to turn co-ops into receipts")
        coops = sorted(weights)
        weights = {receipt(secret_key, vote_id, coop): w for coop, w in weights.items()}
    try:
        options = options_for(rule, alternatives)
    except RuleError as exc:
        raise LedgerError(str(exc)) from None
    recorded_alternatives = list(options[:-1])  # the status quo is implied, never listed
    if not isinstance(text_hash, str) or not _HEX64.fullmatch(text_hash):
        raise LedgerError("text_hash must be 64 lowercase hex characters (see hash_text)")
    if not isinstance(subject, Mapping):
        raise LedgerError("subject must be an object such as {'kind': 'amendment', 'id': 12}")
    return {
        "vote_id": vote_id if isinstance(vote_id, int) else _check_id("vote_id", vote_id),
        "subject": dict(subject),
        "rule": rule.to_dict(),
        "electorate": [{"voter": v, "weight": weights[v]} for v in sorted(weights)],
        "coops": coops,
        "alternatives": recorded_alternatives,
        "text_hash": text_hash,
        "opens_at": _at_text(opens_at),
        "closes_at": None if closes_at is None else _at_text(closes_at),
        "secret": bool(secret),
    }


def ballot_data(voter: str, delegate: str | None, choice: str | None,
                ranking: Sequence[str] | None, note: str | None) -> dict[str, Any]:
    """Data of a "ballot" entry. `voter` is the co-op id (or its receipt in a secret vote);
    `delegate` a pseudonymous id (see delegate_pseudonym), never a name. A later ballot from the
    same voter replaces the earlier one. In a consent vote an "object" ballot needs a reason in
    `note`."""
    if note is not None and not isinstance(note, str):
        raise LedgerError("note must be text")
    return {
        "voter": _check_id("voter", voter),
        "delegate": None if delegate is None else _check_id("delegate", delegate),
        "choice": choice,
        "ranking": None if ranking is None else [str(item) for item in ranking],
        "note": note,
    }


def objection_data(voter: str, delegate: str | None, reason: str) -> dict[str, Any]:
    """Data of an "objection" entry (consent votes): the voter's ballot becomes a standing
    objection, with its reason."""
    if not isinstance(reason, str) or not reason.strip():
        raise LedgerError("an objection needs a reason")
    return {"voter": _check_id("voter", voter),
            "delegate": None if delegate is None else _check_id("delegate", delegate),
            "reason": reason}


def objection_resolved_data(voter: str, delegate: str | None, how: str,
                            note: str | None = None) -> dict[str, Any]:
    """Data of an "objection_resolved" entry: the voter's standing objection was "withdrawn" or
    "resolved"; it no longer blocks and counts like standing aside."""
    if how not in OBJECTION_ENDINGS:
        raise LedgerError(f"how must be one of {', '.join(OBJECTION_ENDINGS)}")
    return {"voter": _check_id("voter", voter),
            "delegate": None if delegate is None else _check_id("delegate", delegate),
            "how": how, "note": note}


def closed_data(outcome: Outcome) -> dict[str, Any]:
    """Data of the "closed" entry: the declared outcome, exactly as Outcome.to_dict() gives it."""
    return {"outcome": outcome.to_dict()}


# --------------------------------------------------------------------------- replay


@dataclass(frozen=True)
class ReplayState:
    """What a record says: the vote's terms and each voter's final ballot.

    `ballots` maps voter -> final ballot data (an "objection" entry is stored as an "object"
    ballot with its reason as note); `objections` maps voter -> "standing" | "resolved" for
    voters whose final ballot is an objection; `declared` is the closed entry's outcome dict.
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

    @property
    def is_closed(self) -> bool:
        """True once the record ends with a "closed" entry."""
        return self.declared is not None

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
        """The outcome that rules.tally gives for the final ballots."""
        return tally(self.rule, self.electorate, self.ballot_inputs(), self.alternatives)


def _short(voter: Any) -> str:
    """Long receipts are shortened in messages, like "r-ab12cd34…"."""
    text = str(voter)
    return text[:10] + "…" if len(text) > 16 else text


def _walk(entries: Sequence[Any]) -> tuple[ReplayState | None, list[str]]:
    """Interpret the entries in order, collecting every content problem (not hashes)."""
    problems: list[str] = []
    if not entries:
        return None, ["the record is empty"]
    first = entries[0]
    if not isinstance(first, Mapping) or first.get("type") != "opened":
        return None, ["entry 0: the record must start with an 'opened' entry"]
    try:
        terms = _read_opened(first.get("data"))
    except (LedgerError, RuleError) as exc:
        return None, [f"entry 0: {exc}"]
    rule, electorate, alternatives, opens_at, closes_at = terms
    options = options_for(rule, alternatives)
    ballots: dict[str, dict[str, Any]] = {}
    objections: dict[str, str] = {}
    declared: dict[str, Any] | None = None
    closed_at: int | None = None
    ballot_entries = 0
    for i, entry in enumerate(entries):
        try:
            if not isinstance(entry, Mapping):
                problems.append(f"entry {i}: not an object")
                continue
            keys = set(entry)
            if keys != ENTRY_KEYS:
                missing, extra = sorted(ENTRY_KEYS - keys), sorted(map(str, keys - ENTRY_KEYS))
                problems.append(f"entry {i}: fields wrong (missing {missing or 'none'}, "
                                f"unexpected {extra or 'none'})")
                continue
            kind, data = entry["type"], entry["data"]
            if kind not in ENTRY_TYPES:
                problems.append(f"entry {i}: unknown type {kind!r}")
                continue
            if not isinstance(data, Mapping):
                problems.append(f"entry {i}: data must be an object")
                continue
            try:
                at = parse_at(entry["at"])
            except LedgerError as exc:
                problems.append(f"entry {i}: {exc}")
                at = None
            if closed_at is not None:
                problems.append(f"entry {i}: {kind} after the vote was closed (entry {closed_at})")
                continue
            if kind == "opened":
                if i:
                    problems.append(f"entry {i}: the vote was already opened")
                continue
            if kind == "closed":
                closed_at = i
                declared = data.get("outcome")
                if not isinstance(declared, dict):
                    problems.append(f"entry {i}: closed entry has no outcome")
                    declared = {}
                continue
            voter = data.get("voter")
            if not isinstance(voter, str) or voter not in electorate:
                problems.append(f"entry {i}: voter {_short(voter)} is not in the electorate")
                continue
            for name in ("voter", "delegate"):
                value = data.get(name)
                if value is not None and (not isinstance(value, str) or not _ID.fullmatch(value)):
                    problems.append(f"entry {i}: {name} {_short(value)} is not a pseudonymous id")
            if at is not None and kind in ("ballot", "objection"):
                if at < opens_at:
                    problems.append(f"entry {i}: {kind} at {entry['at']} is before the vote "
                                    f"opened")
                elif closes_at is not None and at > closes_at:
                    problems.append(f"entry {i}: {kind} at {entry['at']} is after the vote "
                                    f"closed")
            if kind == "ballot":
                ballot_entries += 1
                problem = _check_ballot_entry(rule, data, options)
                if problem:
                    problems.append(f"entry {i}: {problem}")
                    continue
                ballots[voter] = dict(data)
                if data["choice"] == "object":
                    objections[voter] = "standing"
                else:
                    objections.pop(voter, None)
            elif kind == "objection":
                ballot_entries += 1
                reason = data.get("reason")
                if rule.method != "consent":
                    problems.append(f"entry {i}: objections belong to consent votes only")
                elif not isinstance(reason, str) or not reason.strip():
                    problems.append(f"entry {i}: an objection needs a reason")
                else:
                    ballots[voter] = {"voter": voter, "delegate": data.get("delegate"),
                                      "choice": "object", "ranking": None, "note": reason}
                    objections[voter] = "standing"
            else:  # objection_resolved
                if objections.get(voter) != "standing":
                    problems.append(f"entry {i}: objection_resolved for {_short(voter)}, who has "
                                    f"no standing objection")
                elif data.get("how") not in OBJECTION_ENDINGS:
                    problems.append(f"entry {i}: how must be 'withdrawn' or 'resolved'")
                else:
                    objections[voter] = "resolved"
        except Exception as exc:  # a tampered file must yield a reason, never a traceback
            problems.append(f"entry {i}: malformed ({type(exc).__name__}: {exc})")
    state = ReplayState(
        vote_id=first["data"].get("vote_id"), rule=rule, electorate=electorate,
        alternatives=alternatives, opened=dict(first["data"]), ballots=ballots,
        objections=objections, entries=len(entries), ballot_entries=ballot_entries,
        declared=declared,
    )
    return state, problems


def _read_opened(data: Any) -> tuple[Rule, dict[str, int], tuple[str, ...], datetime,
                                     datetime | None]:
    """Check the opened entry's data and return (rule, electorate, alternatives, opens, closes)."""
    if not isinstance(data, Mapping):
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
        if not isinstance(item, Mapping) or set(item) != {"voter", "weight"}:
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


def _check_ballot_entry(rule: Rule, data: Mapping[str, Any], options: Sequence[str]) -> str:
    """Return a problem with a ballot entry's data, or "" if it is valid for the method."""
    if set(data) != {"voter", "delegate", "choice", "ranking", "note"}:
        return "ballot fields must be voter, delegate, choice, ranking, note"
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

    Checks content but not hashes (use verify for that); raises LedgerError on the first
    problem.
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
        if not isinstance(entry, Mapping):
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
    recomputed from the final ballots (None while the vote is open or when it cannot be)."""

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

    def summary(self) -> str:
        """One line: "OK: vote 12 — 31 entries, 9 ballots, result recomputed: adopted" or
        "FAILED: <first problem>"."""
        if not self.ok:
            return f"FAILED: {self.problems[0]}"
        head = f"OK: vote {self.vote_id} — {self.entries} entries, {self.ballots} ballots, "
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


def verify(entries: Sequence[Mapping[str, Any]]) -> VerifyReport:
    """Check a whole record without the database.

    Checks: seq contiguous from 0; each prev is the previous hash; each hash recomputes; the
    first entry is "opened" and a "closed" entry is last; every ballot's voter is in the
    electorate and its choice is valid for the method; no ballot before opening or after
    closing; and, if closed, that rules.tally over the final ballots gives exactly the declared
    outcome.
    """
    problems: list[str] = []
    for i, entry in enumerate(entries):
        seq = entry.get("seq") if isinstance(entry, Mapping) else None
        if seq != i or isinstance(seq, bool):
            problems.append(f"entry {i}: seq is {seq!r}, expected {i} (entries missing, added "
                            f"or out of order)")
    problems += verify_chain(entries)
    state, walk_problems = _walk(entries)
    problems += walk_problems
    recomputed: Outcome | None = None
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
    problems = _by_entry(problems)
    last = entries[-1] if entries else None
    return VerifyReport(
        ok=not problems,
        problems=tuple(problems),
        vote_id=None if state is None else state.vote_id,
        entries=len(entries),
        ballots=0 if state is None else len(state.ballots),
        ballot_entries=0 if state is None else state.ballot_entries,
        closed=state is not None and state.declared is not None,
        declared=None if state is None else state.declared,
        recomputed=recomputed,
        head=last.get("hash") if isinstance(last, Mapping) else None,
    )


def _by_entry(problems: list[str]) -> list[str]:
    """Stable sort: problems naming "entry N" by N, the rest (whole-record) after them."""
    def key(problem: str) -> int:
        match = re.match(r"entry (\d+):", problem)
        return int(match.group(1)) if match else 1 << 62
    return sorted(dict.fromkeys(problems), key=key)  # dict.fromkeys drops repeats, keeps order


# --------------------------------------------------------------------------- JSON lines


def dumps_jsonl(entries: Iterable[Mapping[str, Any]]) -> str:
    """Export entries as JSON lines: one canonical entry per line, each ending in "\\n"."""
    return "".join(canonical(dict(entry)).decode("utf-8") + "\n" for entry in entries)


def _no_float(text: str) -> Any:
    """json.loads hook: the record never holds floats or NaN."""
    raise ValueError(f"non-integer number {text}")


def loads_jsonl(text: str | bytes, strict: bool = True) -> list[dict[str, Any]]:
    """Parse a JSON-lines export. Raises LedgerError naming the line for invalid UTF-8, invalid
    JSON, non-objects and (when strict, the default) lines that are not byte-for-byte canonical,
    so that even a changed space or escape is caught. A final newline is optional."""
    if isinstance(text, (bytes, bytearray)):
        blob = bytes(text)
        try:
            text = blob.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad_line = blob.count(b"\n", 0, exc.start) + 1
            raise LedgerError(f"line {bad_line}: not valid UTF-8 (byte {exc.start})") from None
    lines = text.split("\n")  # not splitlines(): it also splits on \r, \x1c, \u2028 …
    if lines and lines[-1] == "":
        lines.pop()
    entries: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            if strict:
                raise LedgerError(f"line {number}: empty line")
            continue
        try:
            entry = json.loads(line, parse_float=_no_float, parse_constant=_no_float)
        except json.JSONDecodeError as exc:
            raise LedgerError(f"line {number}: not valid JSON ({exc.msg} at column "
                              f"{exc.colno})") from None
        except (ValueError, RecursionError) as exc:
            raise LedgerError(f"line {number}: not valid JSON ({exc})") from None
        if not isinstance(entry, dict):
            raise LedgerError(f"line {number}: expected a JSON object")
        if strict:
            try:
                same = canonical(entry) == line.encode("utf-8")
            except (LedgerError, UnicodeEncodeError):
                same = False
            if not same:
                raise LedgerError(f"line {number}: not in canonical form (a byte was changed or "
                                  f"the file was reformatted)")
        entries.append(entry)
    return entries


__all__ = [
    "ENTRY_TYPES", "GENESIS", "LedgerError", "ReplayState", "VerifyReport",
    "ballot_data", "canonical", "closed_data", "delegate_pseudonym", "dumps_jsonl", "entry_hash",
    "format_at", "hash_text", "loads_jsonl", "make_entry", "objection_data",
    "objection_resolved_data", "opened_data", "parse_at", "receipt", "replay", "result_word",
    "verify", "verify_chain",
]
