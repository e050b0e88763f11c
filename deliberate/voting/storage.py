"""A vote's row and record as stored: the lock every write takes, the record's entries (as stored
and as published), appending to it, and the events of a vote. Used by the writers (services,
closing) and the read model (queries)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..realtime.events import record_event
from . import ledger
from .models import Ballot, ElectorateMember, LedgerEntry, Vote


def lock_vote(session: Session, vote_id: int) -> Vote:
    """Lock the vote's row for this transaction (SQLite: the immediate transaction already does).

    The events lock (realtime.events) is not taken here: a transaction takes it only at commit,
    after every row lock, so one lock order holds everywhere.
    """
    vote = session.scalar(select(Vote).where(Vote.id == vote_id).with_for_update()
                          .execution_options(populate_existing=True))
    if vote is None:
        raise NotFound(_("No vote with that number."))
    return vote


def read_vote(session: Session, vote_id: int) -> Vote:
    """The vote's row as it is now, unlocked (a writer checks what it can before lock_vote)."""
    vote = session.get(Vote, vote_id, populate_existing=True)
    if vote is None:
        raise NotFound(_("No vote with that number."))
    return vote


def entries(session: Session, vote: Vote) -> list[dict[str, Any]]:
    return list(session.scalars(select(LedgerEntry.entry).where(LedgerEntry.vote_id == vote.id)
                                .order_by(LedgerEntry.seq)))


def published(vote: Vote, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The record as it is published once the vote ended: sealed if the vote is secret (and ended
    after sealing existed, see Vote.record_sealed)."""
    return ledger.seal(entries) if vote.secret and vote.record_sealed else entries


_UNREAD: Any = object()


def append(session: Session, vote: Vote, kind: str, data: Mapping[str, Any], at: datetime, *,
           last: Mapping[str, Any] | None = _UNREAD) -> LedgerEntry:
    """Append the next entry to the vote's record (the caller holds the vote's lock).

    ``last``: the record's last entry as read under that lock (ballot_head), so as not to read it
    again; None for an empty record."""
    if last is _UNREAD:
        last = session.scalar(select(LedgerEntry.entry).where(LedgerEntry.vote_id == vote.id)
                              .order_by(LedgerEntry.seq.desc()).limit(1))
    entry = ledger.make_entry(last, kind, data, at)
    row = LedgerEntry(vote_id=vote.id, seq=entry["seq"], kind=kind, entry=entry, hash=entry["hash"])
    session.add(row)
    session.flush()
    return row


# A vote's changes of state: public whatever the vote's rule (what was decided, and when the vote
# ended, is on the page for everyone), so they also go to the room of what the vote is about.
STATE_KINDS = ("vote_opened", "vote_closed", "vote_cancelled", "vote_outcome_stated")


def publish(session: Session, vote: Vote, kind: str, payload: dict[str, Any], actor_id: int | None) -> None:
    """Record an event for the vote's room, and for its standard's room (or the network) too.

    A change of state says what the vote is about and its state now (``subject_kind``,
    ``subject_id``, ``state``), so that the pages of the vote and of its subject can follow it
    live (docs/live.md, "Pages that follow a state")."""
    payload = {"vote_id": vote.id, **payload}
    if kind in STATE_KINDS:
        payload = {**payload, "subject_kind": vote.subject_kind, "subject_id": vote.subject_id, "state": vote.state}
    record_event(session, kind, f"vote:{vote.id}", payload, actor_id=actor_id)
    if kind in STATE_KINDS:
        wider = f"standard:{vote.standard_id}" if vote.standard_id else "network"
        record_event(session, kind, wider, payload, actor_id=actor_id)


class BallotHead(NamedTuple):
    """What a ballot needs of its vote under the vote's lock, read in one statement."""

    last: dict[str, Any] | None  # the record's last entry (the new one follows it)
    turnout: int  # ballots counted before this one
    counted: bool  # whether the casting co-op has a ballot already (its new one replaces it)

    @property
    def turnout_after(self) -> int:
        return self.turnout if self.counted else self.turnout + 1


def ballot_head(session: Session, vote: Vote, coop_id: int) -> BallotHead:
    """The record's last entry, the turnout and whether ``coop_id`` has voted, in one round trip.

    Read after lock_vote (never in its statement: on PostgreSQL a statement that waited for a row
    lock still reads with the snapshot it took before waiting, and would miss the entry appended by
    the ballot it waited for)."""
    last = (select(LedgerEntry.entry).where(LedgerEntry.vote_id == vote.id)
            .order_by(LedgerEntry.seq.desc()).limit(1).scalar_subquery())
    turnout = select(func.count(Ballot.id)).where(Ballot.vote_id == vote.id).scalar_subquery()
    counted = select(Ballot.id).where(Ballot.vote_id == vote.id, Ballot.coop_id == coop_id).exists()
    row = session.execute(select(last, turnout, counted)).one()
    return BallotHead(row[0], int(row[1] or 0), bool(row[2]))


def electorate_size(session: Session, vote: Vote) -> int:
    """How many co-ops may vote: frozen when the vote opened, so read before its lock."""
    return session.scalar(select(func.count(ElectorateMember.id)).where(ElectorateMember.vote_id == vote.id)) or 0


def count_turnout(session: Session, vote: Vote) -> dict[str, int]:
    voted = session.scalar(select(func.count(Ballot.id)).where(Ballot.vote_id == vote.id))
    size = session.scalar(select(func.count(ElectorateMember.id)).where(ElectorateMember.vote_id == vote.id))
    return {"turnout": voted or 0, "electorate": size or 0}
