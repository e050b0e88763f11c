"""The ballot record's format: canonical JSON, hashing, times, entry makers, pseudonyms,
receipts, sealing and JSON lines. Pure (standard library and deliberate.voting.rules only).

An entry is a plain dict::

    {"seq": 0, "type": "opened", "at": "2025-05-01T09:00:00Z", "data": {...},
     "prev": "000…0", "hash": "…"}

`hash` is SHA-256 over the canonical JSON of the entry without "hash"; `prev` is the previous
entry's hash (64 zeros for the first). Reading and checking a record lives in record_check;
callers import both through deliberate.voting.ledger. See docs/ballot-record.md.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from deliberate.voting.rules import Outcome, Rule, RuleError, options_for

GENESIS = "0" * 64
ENTRY_TYPES = ("opened", "ballot", "objection", "objection_resolved", "closed", "cancelled")
# A vote's record ends with one of these once the vote has ended; nothing may follow it.
FINAL_TYPES = ("closed", "cancelled")
# Entries that carry a co-op's ballot: each has a receipt (see ballot_receipt).
CAST_TYPES = ("ballot", "objection")
ENTRY_KEYS = frozenset({"seq", "type", "at", "data", "prev", "hash"})
RECEIPT_PREFIX = "r-"
DELEGATE_PREFIX = "d-"
OBJECTION_ENDINGS = ("withdrawn", "resolved")

_HEX64 = re.compile(r"[0-9a-f]{64}")
NONCE_HEX = 32
_NONCE = re.compile(r"[0-9a-f]{32}")
# Ids in the record are slugs, numbers or pseudonyms; whitespace or "@" suggests a name or email.
_ID = re.compile(r"[^\s@]{1,128}")


class LedgerError(ValueError):
    """The record is malformed or cannot be built; the message names the line or entry."""


# --------------------------------------------------------------------------- bulk work


@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while a whole record is read or checked.

    A record parsed from JSON holds no reference cycles, but its hundreds of thousands of dicts
    and lists set off full collections that walk all of them again and again: a tenth of the
    time of a 10,000-ballot record, a third of a 100,000-ballot one (no longer linear in the
    ballots). Reference counting still frees everything; the collector resumes afterwards, and
    is only resumed by whoever paused it.
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


# --------------------------------------------------------------------------- hashing


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                            allow_nan=False)


def _c_encoder() -> Any:
    """The C encoder json.dumps runs for these options, without json.dumps' per-call set-up
    (half of the time of a short entry). Built per call: its cycle check keeps state."""
    c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if c_make_encoder is None:  # pragma: no cover - CPython always has _json
        return None
    e = _ENCODER
    try:
        return c_make_encoder({}, e.default, json.encoder.c_encode_basestring, e.indent,
                              e.key_separator, e.item_separator, e.sort_keys, e.skipkeys,
                              e.allow_nan)
    except TypeError:  # pragma: no cover - a Python whose C encoder takes other arguments
        return None


_C_WORKS = _c_encoder() is not None


def canonical_text(obj: Any) -> str:
    """The text of canonical(obj): the same characters as json.dumps with these options."""
    try:
        if _C_WORKS:
            return "".join(_c_encoder()(obj, 0))
        return _ENCODER.encode(obj)
    except (TypeError, ValueError, RecursionError) as exc:
        raise LedgerError(f"not representable as canonical JSON: {exc}") from None


def canonical(obj: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no spaces, UTF-8 (not \\u escapes), no NaN."""
    text = canonical_text(obj)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise LedgerError(f"not representable as canonical JSON: {exc}") from None


def entry_hash(entry: Mapping[str, Any], hash_field: str = "hash") -> str:
    """Hex SHA-256 of the canonical JSON of the entry without its hash field."""
    body = dict(entry)
    body.pop(hash_field, None)
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
    """Build the next entry after `prev_entry` (None for the first, which must be "opened").

    Times in a record never go backwards: an entry is dated no earlier than the one before it,
    so an `at` earlier than the previous entry's (a clock stepped back, or requests that raced
    for the vote's lock with times taken before it) is replaced by the previous entry's `at`.
    """
    if type not in ENTRY_TYPES:
        raise LedgerError(f"unknown entry type {type!r}")
    if prev_entry is None and type != "opened":
        raise LedgerError("the first entry of a record must be 'opened'")
    if prev_entry is not None and prev_entry.get("type") in FINAL_TYPES:
        raise LedgerError(f"the vote has ended: nothing can follow the "
                          f"{prev_entry.get('type')!r} entry")
    if not isinstance(data, Mapping):
        raise LedgerError("entry data must be an object")
    at_text = _at_text(at)
    if prev_entry is not None and parse_at(at_text) < parse_at(prev_entry["at"]):
        at_text = prev_entry["at"]
    entry = {
        "seq": 0 if prev_entry is None else prev_entry["seq"] + 1,
        "type": type,
        "at": at_text,
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


def delegate_pseudonym(secret_key: bytes, vote_id: Any, voter_ref: Any, person_id: Any) -> str:
    """A pseudonym for the delegate who cast a co-op's ballot ("d-" + 32 hex).

    Keyed on (vote, co-op, person): `voter_ref` is the co-op as the record names it (its id, or
    its receipt in a secret vote). Per vote, so the record cannot be joined across votes to
    profile a person; per co-op, so a delegate of two co-ops gets two unrelated pseudonyms and
    the record does not show that both co-ops voted alike. Erasing a person never touches the
    record. Secret votes record no delegate at all (pass None to ballot_data).
    """
    return _pseudonym(DELEGATE_PREFIX, secret_key, "delegate", vote_id, voter_ref, person_id)


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


def _with_nonce(data: dict[str, Any], nonce: str | None) -> dict[str, Any]:
    """Add the receipt nonce (32 lowercase hex) when given; records made before receipts have
    none, and their data stays exactly as it was."""
    if nonce is not None:
        if not isinstance(nonce, str) or not _NONCE.fullmatch(nonce):
            raise LedgerError(f"nonce must be {NONCE_HEX} lowercase hex characters "
                              f"(secrets.token_hex(16))")
        data["nonce"] = nonce
    return data


def ballot_data(voter: str, delegate: str | None, choice: str | None,
                ranking: Sequence[str] | None, note: str | None,
                nonce: str | None = None, proxy: str | None = None) -> dict[str, Any]:
    """Data of a "ballot" entry. `voter` is the co-op id (or its receipt in a secret vote);
    `delegate` a pseudonymous id (see delegate_pseudonym), never a name, and None in a secret
    vote. A later ballot from the same voter replaces the earlier one. In a consent vote an
    "object" ballot needs a reason in `note`. `nonce` (secrets.token_hex(16)) makes the entry's
    receipt (ballot_receipt) unique and unguessable. `proxy` names the co-op that cast it by
    proxy for `voter` (public votes only; a secret vote's record never names a proxy, see
    docs/proxies.md); without it the data is exactly what it was before proxies existed."""
    if note is not None and not isinstance(note, str):
        raise LedgerError("note must be text")
    data = _with_nonce({
        "voter": _check_id("voter", voter),
        "delegate": None if delegate is None else _check_id("delegate", delegate),
        "choice": choice,
        "ranking": None if ranking is None else [str(item) for item in ranking],
        "note": note,
    }, nonce)
    if proxy is not None:
        if _check_id("proxy", proxy) == data["voter"]:
            raise LedgerError("a co-op cannot be its own proxy")
        data["proxy"] = proxy
    return data


def objection_data(voter: str, delegate: str | None, reason: str,
                   nonce: str | None = None) -> dict[str, Any]:
    """Data of an "objection" entry (consent votes): the voter's ballot becomes a standing
    objection, with its reason. `nonce` as for ballot_data."""
    if not isinstance(reason, str) or not reason.strip():
        raise LedgerError("an objection needs a reason")
    return _with_nonce({"voter": _check_id("voter", voter),
                        "delegate": None if delegate is None else _check_id("delegate", delegate),
                        "reason": reason}, nonce)


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


def cancelled_data(reason: str) -> dict[str, Any]:
    """Data of the "cancelled" entry: why the vote ended without a result. Like "closed", it is
    the record's last entry."""
    if not isinstance(reason, str) or not reason.strip():
        raise LedgerError("a cancelled vote needs a reason")
    return {"reason": reason}


# --------------------------------------------------------------------------- receipts and sealing


def ballot_receipt(data: Mapping[str, Any]) -> str:
    """A co-op's receipt for a ballot or objection: hex SHA-256 of the canonical JSON of the
    entry's `data` only. Not of the whole entry, so it is the same in the stored record and in
    the sealed one (where `at`, `seq` and `prev` change)."""
    return hashlib.sha256(canonical(dict(data))).hexdigest()


def _chained(prev_entry: Mapping[str, Any] | None, entry: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `entry` renumbered and relinked after `prev_entry`, with its hash recomputed."""
    body = {key: value for key, value in entry.items() if key != "hash"}
    body["seq"] = 0 if prev_entry is None else prev_entry["seq"] + 1
    body["prev"] = GENESIS if prev_entry is None else prev_entry["hash"]
    body["hash"] = entry_hash(body)
    return body


def seal(entries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The published form of a secret vote's record, which does not show the casting order.

    Input: the stored record in casting order, ending with "closed" or "cancelled". Output: the
    "opened" entry unchanged; then every other entry but the last, sorted by voter (stable, so
    a voter's own entries keep their order) and each given the final entry's `at`; then the
    final entry; all renumbered and re-chained. Voters are independent, so replaying the sealed
    record gives the same result; receipts (hashes of `data`) do not change. Sealing a sealed
    record gives it back unchanged.
    """
    if not entries or entries[0].get("type") != "opened":
        raise LedgerError("only a whole record can be sealed: it must start with 'opened'")
    final = entries[-1]
    if len(entries) < 2 or final.get("type") not in FINAL_TYPES:
        raise LedgerError("only an ended vote's record is sealed: it must end with 'closed' or "
                          "'cancelled'")
    middle = list(entries[1:-1])
    for entry in middle:
        if entry.get("type") not in ENTRY_TYPES or entry.get("type") in ("opened", *FINAL_TYPES):
            raise LedgerError(f"entry {entry.get('seq')}: a {entry.get('type')!r} entry cannot "
                              f"be in the middle of a record")
        if not isinstance(entry.get("data"), Mapping):
            raise LedgerError(f"entry {entry.get('seq')}: data must be an object")
    middle.sort(key=lambda entry: str(entry["data"].get("voter")))
    sealed = [dict(entries[0])]
    for entry in middle:
        sealed.append(_chained(sealed[-1], {**entry, "at": final["at"]}))
    sealed.append(_chained(sealed[-1], final))
    return sealed


# --------------------------------------------------------------------------- JSON lines


def dumps_jsonl(entries: Iterable[Mapping[str, Any]]) -> str:
    """Export entries as JSON lines: one canonical entry per line, each ending in "\\n"."""
    return "".join(canonical(dict(entry)).decode("utf-8") + "\n" for entry in entries)


def _no_float(text: str) -> Any:
    """json.loads hook: the record never holds floats or NaN."""
    raise ValueError(f"non-integer number {text}")


_DECODER = json.JSONDecoder(parse_float=_no_float, parse_constant=_no_float)


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
    with no_cycle_collection():
        return _parse_lines(text, strict)


def _parse_lines(text: str, strict: bool) -> list[dict[str, Any]]:
    lines = text.split("\n")  # not splitlines(): it also splits on \r, \x1c, \u2028 …
    decode = _DECODER.decode
    if lines and lines[-1] == "":
        lines.pop()
    entries: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            if strict:
                raise LedgerError(f"line {number}: empty line")
            continue
        try:
            if line.startswith("\ufeff"):  # as json.loads says it
                raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)",
                                           line, 0)
            entry = decode(line)  # json.loads(line, parse_float=…, parse_constant=…)
        except json.JSONDecodeError as exc:
            raise LedgerError(f"line {number}: not valid JSON ({exc.msg} at column "
                              f"{exc.colno})") from None
        except (ValueError, RecursionError) as exc:
            raise LedgerError(f"line {number}: not valid JSON ({exc})") from None
        if not isinstance(entry, dict):
            raise LedgerError(f"line {number}: expected a JSON object")
        if strict:
            try:
                # Compared as text; a line holding a lone surrogate is not UTF-8, hence not
                # canonical either (encoding only the lines that are not ASCII, to check).
                same = canonical_text(entry) == line and (line.isascii() or bool(line.encode()))
            except (LedgerError, UnicodeEncodeError):
                same = False
            if not same:
                raise LedgerError(f"line {number}: not in canonical form (a byte was changed or "
                                  f"the file was reformatted)")
        entries.append(entry)
    return entries
