"""The audit log: steward actions, read from the events table (newest first, a page at a time).

Nothing is written for it: every action below already records an event in the same transaction
as the change (deliberate/realtime/events.py), so the log cannot miss one or disagree with it.
A vote's events are recorded twice (in the vote's room and in its standard's); only the vote's
copy is read here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ..members.models import Cooperative, Person
from ..realtime.events import Event
from ..voting.models import Vote

VOTE_KINDS = ("vote_opened", "vote_closed", "vote_cancelled", "vote_outcome_stated")
OTHER_KINDS = ("coop_registered", "coop_status_changed", "delegate_invited", "comment_hidden", "comment_unhidden",
               "person_erased", "steward_created")
AUDIT_KINDS = VOTE_KINDS + OTHER_KINDS
PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditEntry:
    id: int
    kind: str
    at: datetime
    actor: Person | None
    had_actor: bool
    payload: dict[str, Any]
    coop: Cooperative | None
    vote: Vote | None = None  # a closed vote's, so that the page can explain its result in its language


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    page: int
    pages: int
    total: int
    size: int


def _where():
    return and_(Event.kind.in_(AUDIT_KINDS),
                or_(Event.kind.not_in(VOTE_KINDS), Event.scope.like("vote:%")))


def audit_page(session: Session, page: int = 1, size: int = PAGE_SIZE) -> AuditPage:
    """One page of the log, newest first; ``page`` is clamped to the pages there are."""
    total = session.scalar(select(func.count(Event.id)).where(_where())) or 0
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    events = session.scalars(select(Event).where(_where()).order_by(Event.id.desc())
                             .limit(size).offset((page - 1) * size)).all()
    people_ids = {e.actor_id for e in events if e.actor_id is not None}
    coop_ids = {(e.payload or {}).get("coop_id") for e in events} - {None}
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(people_ids)))} if people_ids else {}
    coops = {c.id: c for c in session.scalars(select(Cooperative).where(Cooperative.id.in_(coop_ids)))} \
        if coop_ids else {}
    vote_ids = {(e.payload or {}).get("vote_id") for e in events if e.kind == "vote_closed"} - {None}
    votes = {v.id: v for v in session.scalars(select(Vote).where(Vote.id.in_(vote_ids)))} if vote_ids else {}
    entries = [AuditEntry(id=e.id, kind=e.kind, at=e.created_at, actor=people.get(e.actor_id),
                          had_actor=e.actor_id is not None, payload=dict(e.payload or {}),
                          coop=coops.get((e.payload or {}).get("coop_id")),
                          vote=votes.get((e.payload or {}).get("vote_id")) if e.kind == "vote_closed" else None)
               for e in events]
    return AuditPage(entries=entries, page=page, pages=pages, total=total, size=size)
