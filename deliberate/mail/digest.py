"""What goes into a person's digest, and when it is due (pure: no Flask, no database).

A digest has four parts; an item appears in at most one part of a digest, and in a part at most once
across digests:

- ``needs_vote``: open votes where one of the reader's co-ops is in the electorate and has not
  voted, opened since the last digest (the first digest lists every such vote), unless they close
  before the next digest (those are under ``closing_soon``);
- ``closing_soon``: open votes that close before the next digest is due, where the reader's co-op
  has not voted or whose standard the reader follows, not listed as closing soon before;
- ``results``: votes closed since the last digest, where the reader's co-op was in the electorate
  or whose standard the reader follows: the published result only (whether it passed, and the
  explanation everyone sees), never who voted what;
- ``versions``: versions ratified since the last digest of the standards the reader follows (since
  they started following);
- ``last_calls``: last calls started since the last digest (proposals/last_call.py), for every
  reader who acts for a member co-op (a last call is announced to every member co-op) and for the
  followers of the standard (since they started following);
- ``council_seats``: the councils of formal objections the reader's co-op was seated on since the
  last digest (appeals/services.py tells each of its delegates in their own room).

"Since the last digest" is counted in event ids (the events table's ids grow in commit order), not
in time, so that a vote closing while a digest is being made is in exactly one digest. The service
gathers the facts; these functions choose. A digest with nothing in it is not sent, but its marks
still move.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}


def period(choice: str) -> timedelta | None:
    """The time between two digests, or None for "off" (or anything unknown)."""
    return PERIODS.get(choice)


def _at_hour(moment: datetime, hour: int) -> datetime:
    """The last ``hour``:00 at or before ``moment`` (same time zone)."""
    candidate = moment.replace(hour=hour, minute=0, second=0, microsecond=0)
    return candidate if candidate <= moment else candidate - timedelta(days=1)


def due_at(last: datetime, choice: str, hour: int) -> datetime | None:
    """When the digest after one sent (or an account created) at ``last`` is due: one period later,
    at ``hour``:00 (so a daily digest comes every day at that hour, a weekly one on the same
    weekday). None when digests are off."""
    length = period(choice)
    if length is None:
        return None
    return _at_hour(last, hour) + length


def is_due(last: datetime, choice: str, hour: int, now: datetime) -> bool:
    """Whether a digest should be made at ``now``."""
    moment = due_at(last, choice, hour)
    return moment is not None and now >= moment


@dataclass(frozen=True)
class VoteFact:
    """A vote as the digest sees it: the ids of its ``vote_opened`` and ``vote_closed`` events, its
    electorate's co-ops and those of them that have not voted (``waiting``; only the reader's own
    co-ops are ever looked at)."""

    id: int
    standard_id: int | None
    closes_at: datetime
    state: str                                   # "open", "closed", "cancelled"
    opened_event_id: int = 0
    closed_event_id: int | None = None
    closed_at: datetime | None = None
    electorate: frozenset[int] = frozenset()
    waiting: frozenset[int] = frozenset()


@dataclass(frozen=True)
class VersionFact:
    """A ``version_ratified`` event."""

    event_id: int
    standard_id: int


@dataclass(frozen=True)
class LastCallFact:
    """A ``last_call_started`` event."""

    event_id: int
    standard_id: int


@dataclass(frozen=True)
class CouncilSeatFact:
    """A ``council_seat`` event, in the room of the delegate ``person_id``."""

    event_id: int
    person_id: int


@dataclass(frozen=True)
class Reader:
    """The reader: the co-ops they act for, and the standards they follow (standard id → the
    newest event id when they started following)."""

    coop_ids: frozenset[int] = frozenset()
    follows: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Mark:
    """How far the previous digest went. ``first``: no digest was made yet (``since`` is then when
    the account was made)."""

    since: datetime
    event_id: int = 0
    closing_until: datetime | None = None
    first: bool = False


@dataclass(frozen=True)
class Digest:
    needs_vote: tuple[int, ...]
    closing_soon: tuple[int, ...]
    results: tuple[int, ...]
    versions: tuple[int, ...]          # event ids
    mark: Mark                         # where the next digest starts
    last_calls: tuple[int, ...] = ()   # event ids
    council_seats: tuple[int, ...] = ()  # event ids

    @property
    def is_empty(self) -> bool:
        return not (self.needs_vote or self.closing_soon or self.results or self.versions or self.last_calls
                    or self.council_seats)

    def as_params(self) -> dict[str, list[int]]:
        params = {"needs_vote": list(self.needs_vote), "closing_soon": list(self.closing_soon),
                  "results": list(self.results), "versions": list(self.versions)}
        if self.last_calls:  # digests made before last calls existed have no such part
            params["last_calls"] = list(self.last_calls)
        if self.council_seats:
            params["council_seats"] = list(self.council_seats)
        return params


def select(reader: Reader, votes: Iterable[VoteFact], versions: Iterable[VersionFact], mark: Mark,
           now: datetime, next_due: datetime, latest_event_id: int,
           last_calls: Iterable[LastCallFact] = (), council_seats: Iterable[CouncilSeatFact] = ()) -> Digest:
    """Choose the digest made at ``now`` for ``reader``; the next one is due at ``next_due``.

    Every fact was read after ``latest_event_id`` (the newest event id then): whatever an event
    newer than it says is left for the next digest. ``votes`` holds every open vote and every vote
    closed by an event newer than ``mark.event_id``; ``versions`` every ``version_ratified`` event
    newer than ``mark.event_id``; ``council_seats`` the reader's own ``council_seat`` events.
    """
    def new(event_id: int | None) -> bool:
        return event_id is not None and mark.event_id < event_id <= latest_event_id

    needs, closing, results = [], [], []
    for vote in sorted(votes, key=lambda v: (v.closes_at, v.id)):
        mine = reader.coop_ids & vote.electorate
        followed = vote.standard_id is not None and vote.standard_id in reader.follows
        if vote.state == "open" and vote.closes_at > now and vote.opened_event_id <= latest_event_id:
            waiting = bool(mine & vote.waiting)
            if vote.closes_at <= next_due:
                unlisted = mark.closing_until is None or vote.closes_at > mark.closing_until or new(vote.opened_event_id)
                if (waiting or followed) and unlisted:
                    closing.append(vote.id)
            elif waiting and (mark.first or new(vote.opened_event_id)):
                needs.append(vote.id)
        elif vote.state == "closed" and new(vote.closed_event_id) and (mine or followed):
            if not mark.first or (vote.closed_at is not None and vote.closed_at > mark.since):
                results.append(vote.id)
    new_versions = sorted(v.event_id for v in versions
                          if new(v.event_id) and v.standard_id in reader.follows and v.event_id > reader.follows[v.standard_id])
    new_last_calls = sorted(c.event_id for c in last_calls if new(c.event_id) and (
        reader.coop_ids or (c.standard_id in reader.follows and c.event_id > reader.follows[c.standard_id])))
    new_seats = sorted(seat.event_id for seat in council_seats if new(seat.event_id))
    closing_until = max(next_due, mark.closing_until) if mark.closing_until else next_due
    next_mark = Mark(since=now, event_id=max(latest_event_id, mark.event_id), closing_until=closing_until)
    return Digest(tuple(needs), tuple(closing), tuple(results), tuple(new_versions), next_mark,
                  tuple(new_last_calls), tuple(new_seats))
