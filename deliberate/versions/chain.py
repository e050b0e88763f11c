"""The changelog of a standard as a hash chain, and checking it offline. Pure.

Each ratified version adds one entry::

    {"seq": 0, "type": "version", "standard": "platform-co-op-principles", "version": "1.0",
     "ratified_at": "2025-05-01T09:00:00Z", "summary": "…", "content_hash": "<sha256 of the text>",
     "amendments": [{"id": 3, "ref": "A3", "title": "…", "kind": "modify", "section": "data-rights"}],
     "vote": {"id": 4, "record_head": "<hash of the vote record's last entry>", "passed": true,
              "explanation": "…"},
     "prev": "<hash of the previous entry, 64 zeros for the first>", "hash": "…"}

``hash`` is SHA-256 over the canonical JSON of the entry without ``hash`` (the same canonical
form as the ballot records, see deliberate.voting.ledger). Given the ballot records of the
ratifying votes, :func:`check_records` also confirms that each vote's record verifies, that it
passed, that its last entry is the one the changelog names and that it was a vote on exactly
this text (the record's ``text_hash`` is the version's content hash).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from deliberate.voting.ledger import GENESIS, LedgerError, by_entry, canonical, dumps_jsonl, entry_hash, format_at, loads_jsonl, parse_at, verify, verify_chain

from .numbering import NumberingError, sort_key

ENTRY_TYPE = "version"
ENTRY_KEYS = frozenset({"seq", "type", "standard", "version", "ratified_at", "summary", "content_hash",
                        "amendments", "vote", "prev", "hash"})
VOTE_KEYS = frozenset({"id", "record_head", "passed", "explanation"})
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class ChangelogError(ValueError):
    """An entry cannot be built from what was given."""


def make_entry(prev_entry: Mapping[str, Any] | None, *, standard: str, version: str, ratified_at: datetime | str,
               summary: str, content_hash: str, amendments: Iterable[Mapping[str, Any]],
               vote: Mapping[str, Any]) -> dict[str, Any]:
    """The next changelog entry after ``prev_entry`` (None for the first version)."""
    if not _HEX64.match(content_hash or ""):
        raise ChangelogError("content_hash must be 64 lowercase hex characters")
    vote = dict(vote)
    if set(vote) != VOTE_KEYS or not _HEX64.match(str(vote.get("record_head", ""))):
        raise ChangelogError("vote needs id, record_head (a 64-hex hash), passed and explanation")
    try:
        sort_key(version)
    except NumberingError as error:
        raise ChangelogError(str(error)) from None
    entry: dict[str, Any] = {
        "seq": 0 if prev_entry is None else prev_entry["seq"] + 1,
        "type": ENTRY_TYPE,
        "standard": standard,
        "version": version,
        "ratified_at": format_at(ratified_at) if isinstance(ratified_at, datetime) else ratified_at,
        "summary": summary,
        "content_hash": content_hash,
        "amendments": [dict(a) for a in amendments],
        "vote": vote,
        "prev": GENESIS if prev_entry is None else prev_entry["hash"],
    }
    try:
        canonical(entry)
    except LedgerError as error:
        raise ChangelogError(str(error)) from None
    entry["hash"] = entry_hash(entry)
    return entry


@dataclass(frozen=True)
class ChangelogReport:
    """What :func:`verify_changelog` found; ``ok`` when there are no problems."""

    ok: bool
    problems: tuple[str, ...]
    entries: int
    standard: str | None
    versions: tuple[str, ...]
    head: str | None

    def summary(self) -> str:
        """One line: "OK: changelog of <standard> — 3 versions (1.0, 1.1, 2.0), chain intact"."""
        if not self.ok:
            return f"FAILED: {self.problems[0]}"
        if not self.entries:
            return "OK: empty changelog (no version ratified yet)"
        plural = "" if self.entries == 1 else "s"
        return (f"OK: changelog of {self.standard} — {self.entries} version{plural} "
                f"({', '.join(self.versions)}), chain intact")


def _shape(i: int, entry: Any) -> list[str]:
    if not isinstance(entry, Mapping):
        return [f"entry {i}: not an object"]
    problems = []
    missing, extra = ENTRY_KEYS - set(entry), set(entry) - ENTRY_KEYS
    if missing:
        problems.append(f"entry {i}: missing {', '.join(sorted(missing))}")
    if extra:
        problems.append(f"entry {i}: unexpected {', '.join(sorted(map(str, extra)))}")
    if entry.get("type") != ENTRY_TYPE:
        problems.append(f"entry {i}: type must be {ENTRY_TYPE!r}")
    if not _HEX64.match(str(entry.get("content_hash", ""))):
        problems.append(f"entry {i}: content_hash is not a SHA-256 hash")
    vote = entry.get("vote")
    if not isinstance(vote, Mapping) or set(vote) != VOTE_KEYS or not _HEX64.match(str(vote.get("record_head", ""))):
        problems.append(f"entry {i}: vote must name its id, record_head, passed and explanation")
    elif vote.get("passed") is not True:
        problems.append(f"entry {i}: the vote that ratified version {entry.get('version')} did not pass")
    if not isinstance(entry.get("amendments"), list):
        problems.append(f"entry {i}: amendments must be a list")
    try:
        parse_at(entry.get("ratified_at"))
    except LedgerError as error:
        problems.append(f"entry {i}: ratified_at: {error}")
    return problems


def verify_changelog(entries: Sequence[Any]) -> ChangelogReport:
    """Check a changelog without the database: seq from 0, each ``prev`` the previous hash, every
    hash recomputes, one standard throughout, version numbers increasing, ratification times in
    order, and every entry names a vote that passed."""
    problems: list[str] = []
    for i, entry in enumerate(entries):
        seq = entry.get("seq") if isinstance(entry, Mapping) else None
        if seq != i or isinstance(seq, bool):
            problems.append(f"entry {i}: seq is {seq!r}, expected {i} (entries missing, added or out of order)")
        problems += _shape(i, entry)
    problems += verify_chain(entries)
    objects = [e for e in entries if isinstance(e, Mapping)]
    standards = {e.get("standard") for e in objects}
    if len(standards) > 1:
        problems.append(f"the entries belong to different standards: {', '.join(sorted(map(str, standards)))}")
    previous: tuple[int, int, int] | None = None
    previous_at = None
    for i, entry in enumerate(objects):
        try:
            key = sort_key(str(entry.get("version")))
        except NumberingError as error:
            problems.append(f"entry {i}: {error}")
            continue
        if previous is not None and key <= previous:
            problems.append(f"entry {i}: version {entry.get('version')} does not come after the previous one")
        previous = key
        try:
            at = parse_at(entry.get("ratified_at"))
        except LedgerError:
            continue
        if previous_at is not None and at < previous_at:
            problems.append(f"entry {i}: ratified before the previous version")
        previous_at = at
    problems = by_entry(problems)
    last = entries[-1] if entries else None
    return ChangelogReport(ok=not problems, problems=tuple(problems), entries=len(entries),
                           standard=next(iter(standards)) if len(standards) == 1 else None,
                           versions=tuple(str(e.get("version")) for e in objects),
                           head=last.get("hash") if isinstance(last, Mapping) else None)


def record_vote_id(record: Sequence[Mapping[str, Any]]) -> Any:
    """The vote id a ballot record names in its "opened" entry (None if it has none)."""
    if not record or not isinstance(record[0], Mapping) or record[0].get("type") != "opened":
        return None
    data = record[0].get("data")
    return data.get("vote_id") if isinstance(data, Mapping) else None


def check_records(entries: Sequence[Mapping[str, Any]], records: Mapping[Any, Sequence[Mapping[str, Any]]]
                  ) -> list[str]:
    """With the ballot records of the ratifying votes (vote id -> record entries), check that each
    record verifies, has closed and passed, ends with the entry the changelog names, and was a
    vote on a version whose text hashes to the changelog's content hash. Returns the problems."""
    problems: list[str] = []
    for i, entry in enumerate(entries):
        vote = entry.get("vote") if isinstance(entry, Mapping) else None
        if not isinstance(vote, Mapping):
            continue
        number, vote_id = entry.get("version"), vote.get("id")
        record = records.get(vote_id)
        if record is None:
            problems.append(f"entry {i}: no ballot record given for vote {vote_id} (version {number})")
            continue
        report = verify(record, allow_open=True)  # an open record is refused just below, by name
        if not report.ok:
            problems.append(f"entry {i}: the record of vote {vote_id} does not verify: {report.problems[0]}")
            continue
        if not report.closed or report.recomputed is None:
            problems.append(f"entry {i}: vote {vote_id} has not closed")
            continue
        if not report.recomputed.passed:
            problems.append(f"entry {i}: vote {vote_id} did not pass ({report.recomputed.explanation}), "
                            f"yet version {number} is listed as ratified")
        if report.head != vote.get("record_head"):
            problems.append(f"entry {i}: the record of vote {vote_id} ends with {report.head}, "
                            f"but the changelog names {vote.get('record_head')}")
        opened = record[0].get("data", {})
        subject = opened.get("subject") if isinstance(opened, Mapping) else None
        if not isinstance(subject, Mapping) or subject.get("kind") != "version":
            problems.append(f"entry {i}: vote {vote_id} was not a vote on a version")
        if opened.get("text_hash") != entry.get("content_hash"):
            problems.append(f"entry {i}: vote {vote_id} was on a different text than version {number} "
                            f"(text hash {opened.get('text_hash')})")
    return by_entry(problems)


__all__ = ["ChangelogError", "ChangelogReport", "ENTRY_TYPE", "check_records", "dumps_jsonl", "loads_jsonl",
           "make_entry", "record_vote_id", "verify_changelog"]
