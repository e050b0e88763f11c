"""What the feeds carry, read from the events table and shown as an observer would see it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from ..appeals.models import FormalObjection
from ..extensions import db
from ..realtime.events import Event
from ..realtime.rooms import can_join
from ..standards.models import Standard
from ..voting.models import Vote

VERSION_KINDS = ("version_ratified",)
VOTE_KINDS = ("vote_opened", "vote_closed", "vote_cancelled")
# Announced to every member co-op, so in every feed (proposals/last_call.py).
LAST_CALL_KINDS = ("last_call_started",)
# A decision objected to, and how the objection ended (appeals/services.py): with the votes.
OBJECTION_KINDS = ("objection_filed", "objection_withdrawn", "objection_settled", "objection_decided")
FEED_LENGTH = 50


@dataclass(frozen=True)
class FeedItem:
    """One event, with what it is about loaded (no ORM access needed afterwards)."""

    event: Event
    standard: Standard | None
    vote: Vote | None
    objection: FormalObjection | None = None

    @property
    def payload(self) -> dict[str, Any]:
        return self.event.payload or {}


def feed_items(*, standard: Standard | None = None, votes: bool = False, limit: int = FEED_LENGTH) -> list[FeedItem]:
    """The latest version and last call (and vote and formal objection) events of ``standard``, or of the whole
    network, newest first.

    Feeds are public: every event is checked against what an observer may read.
    """
    kinds = VERSION_KINDS + LAST_CALL_KINDS + (VOTE_KINDS + OBJECTION_KINDS if votes else ())
    query = select(Event).where(Event.kind.in_(kinds)).order_by(Event.id.desc()).limit(limit)
    if standard is not None:
        query = query.where(Event.scope == f"standard:{standard.id}")
    else:
        # Vote events are recorded twice (the vote's room and the wider one): only the wider one counts.
        query = query.where(or_(Event.scope.like("standard:%"), Event.scope == "network"))
    events = list(db.session.scalars(query))
    readable: dict[str, bool] = {}
    for event in events:
        if event.scope not in readable:
            readable[event.scope] = can_join(None, event.scope)
    events = [e for e in events if readable[e.scope]]
    standard_ids = {_int(e.payload.get("standard_id")) for e in events} | {_scope_id(e.scope) for e in events}
    standards = {s.id: s for s in db.session.scalars(select(Standard).where(Standard.id.in_(standard_ids - {None})))}
    vote_ids = {_int(e.payload.get("vote_id")) for e in events if e.kind in VOTE_KINDS} - {None}
    votes_by_id = {v.id: v for v in db.session.scalars(select(Vote).where(Vote.id.in_(vote_ids)))} if vote_ids else {}
    objection_ids = {_int(e.payload.get("objection_id")) for e in events if e.kind in OBJECTION_KINDS} - {None}
    objections = ({o.id: o for o in db.session.scalars(select(FormalObjection).where(FormalObjection.id.in_(objection_ids)))}
                  if objection_ids else {})
    items = []
    for event in events:
        owner = standards.get(_scope_id(event.scope) or _int(event.payload.get("standard_id")))
        vote = votes_by_id.get(_int(event.payload.get("vote_id")))
        if event.kind in VERSION_KINDS + LAST_CALL_KINDS and owner is None:
            continue
        if event.kind in VOTE_KINDS and vote is None:
            continue
        objection = objections.get(_int(event.payload.get("objection_id")))
        if event.kind in OBJECTION_KINDS and objection is None:
            continue
        items.append(FeedItem(event, owner, vote, objection))
    return items


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _scope_id(scope: str) -> int | None:
    kind, _, ident = scope.partition(":")
    return int(ident) if kind == "standard" and ident.isdigit() else None
