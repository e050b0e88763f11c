"""Notifications: what happened in the standards a person follows, and in their own room.

A notification is an event, read from the events table: in the room of a followed standard
(newer than when the person started following it) or in the person's own room, of a kind listed
below, caused by someone else, in a room the person may join (``rooms.can_join``). "A vote on a
followed standard closes within a day" is not an event but a moment: it is derived from the
votes table and counts as news when that moment passed after the person last looked.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..realtime.events import Event
from ..realtime.rooms import can_join
from ..voting.models import Vote
from .models import Follow, NotificationMarker

# In a followed standard's room: a new (public) amendment, votes opening and closing, new versions.
STANDARD_KINDS = ("amendment_opened", "vote_opened", "vote_closed", "vote_cancelled", "version_ratified",
                  "last_call_started")
# In the person's own room: things addressed to them (a last call is announced to every delegate
# of a member co-op who does not follow its standard: proposals/last_call.py; a seat on a formal
# objection's council to each delegate of the co-op: appeals/services.py).
PERSONAL_KINDS = ("vote_reminder", "coauthor_added", "amendment_conflicted", "amendment_rebased",
                  "last_call_announced", "council_seat", "objection_filed_against")
# Events that make a live page recount (notifications.js listens for these).
LIVE_KINDS = STANDARD_KINDS + PERSONAL_KINDS + ("standard_followed", "standard_unfollowed")
CLOSING_SOON = timedelta(days=1)
INBOX_LENGTH = 50


@dataclass(frozen=True)
class ClosingSoon:
    """An open vote on a followed standard that closes within a day (``at`` = when it entered it)."""

    vote: Vote
    at: datetime
    is_new: bool


@dataclass
class Inbox:
    events: list[Event] = field(default_factory=list)
    closing: list[ClosingSoon] = field(default_factory=list)
    follows: list[Follow] = field(default_factory=list)
    last_seen_event_id: int = 0
    latest_event_id: int = 0
    unread: int = 0

    def is_new(self, event: Event) -> bool:
        return event.id > self.last_seen_event_id


@dataclass(frozen=True)
class Badge:
    """What the navigation shows: the unread count, and what the live layer needs to keep it."""

    unread: int
    rooms: tuple[str, ...]
    next_due_at: datetime | None = None


def _session(session: Session | None) -> Session:
    return session or db.session


def follows_of(person, session: Session | None = None) -> list[Follow]:
    return list(_session(session).scalars(select(Follow).where(Follow.person_id == person.id)
                                          .order_by(Follow.created_at, Follow.id)))


def is_following(person, standard_id: int, follows: list[Follow] | None = None) -> bool:
    follows = follows_of(person) if follows is None else follows
    return any(f.standard_id == standard_id for f in follows)


def _marker(person, session: Session) -> tuple[int, datetime | None]:
    row = session.execute(select(NotificationMarker.last_seen_event_id, NotificationMarker.seen_at)
                          .where(NotificationMarker.person_id == person.id)).first()
    return (row.last_seen_event_id, row.seen_at) if row else (0, None)


def _readable_follows(person, follows: list[Follow]) -> list[Follow]:
    return [f for f in follows if can_join(person, f"standard:{f.standard_id}")]


def _where(person, follows: list[Follow]):
    """Events that are notifications for ``person`` (any age)."""
    rooms = [and_(Event.scope == f"standard:{f.standard_id}", Event.id > f.since_event_id,
                  Event.kind.in_(STANDARD_KINDS)) for f in follows]
    if can_join(person, f"user:{person.id}"):
        rooms.append(and_(Event.scope == f"user:{person.id}", Event.kind.in_(PERSONAL_KINDS)))
    if not rooms:
        return None
    return and_(or_(*rooms), or_(Event.actor_id.is_(None), Event.actor_id != person.id))


def _reminded(person, session: Session, votes: list[Vote]) -> set[int]:
    """Of ``votes``, those the person was personally reminded of (their co-op has not voted yet):
    the reminder says more than "closes within a day", so there is no second notice."""
    rows = session.scalars(select(Event.payload).where(Event.scope == f"user:{person.id}",
                                                       Event.kind == "vote_reminder",
                                                       Event.created_at >= min(v.opens_at for v in votes)))
    return {p.get("vote_id") for p in rows if isinstance(p, dict)}


def _closing(person, follows: list[Follow], now: datetime, seen_at: datetime | None,
             session: Session) -> list[ClosingSoon]:
    if not follows:
        return []
    votes = list(session.scalars(select(Vote).where(Vote.standard_id.in_([f.standard_id for f in follows]),
                                                    Vote.state == "open", Vote.closes_at > now,
                                                    Vote.closes_at <= now + CLOSING_SOON)
                                 .order_by(Vote.closes_at, Vote.id)))
    reminded = _reminded(person, session, votes) if votes else set()
    result = []
    for vote in votes:
        if vote.id in reminded or not can_join(person, f"vote:{vote.id}"):
            continue
        # It became news when it entered its last day (or when it opened, for a short vote).
        at = max(vote.closes_at - CLOSING_SOON, vote.opens_at)
        result.append(ClosingSoon(vote, at, seen_at is None or at > seen_at))
    return result


def _next_due(follows: list[Follow], now: datetime, session: Session) -> datetime | None:
    """When the next vote on a followed standard enters its last day (the live badge recounts then)."""
    if not follows:
        return None
    closes = session.scalar(select(func.min(Vote.closes_at)).where(
        Vote.standard_id.in_([f.standard_id for f in follows]), Vote.state == "open",
        Vote.closes_at > now + CLOSING_SOON))
    return closes - CLOSING_SOON if closes else None


def _unread_events(where, last_seen: int, session: Session) -> int:
    if where is None:
        return 0
    return session.scalar(select(func.count(Event.id)).where(where, Event.id > last_seen)) or 0


def badge(person, now: datetime, session: Session | None = None, follows: list[Follow] | None = None) -> Badge:
    """The unread count for the navigation, with the rooms the live layer should join.
    ``follows``: the person's follows (:func:`follows_of`) when the caller has read them."""
    session = _session(session)
    follows = _readable_follows(person, follows_of(person, session) if follows is None else follows)
    last_seen, seen_at = _marker(person, session)
    unread = _unread_events(_where(person, follows), last_seen, session)
    unread += sum(1 for c in _closing(person, follows, now, seen_at, session) if c.is_new)
    return Badge(unread, tuple(f"standard:{f.standard_id}" for f in follows), _next_due(follows, now, session))


def inbox(person, now: datetime, limit: int = INBOX_LENGTH, session: Session | None = None) -> Inbox:
    """The latest notifications of ``person``, newest first, with which ones are new to them."""
    session = _session(session)
    follows = follows_of(person, session)
    readable = _readable_follows(person, follows)
    last_seen, seen_at = _marker(person, session)
    result = Inbox(follows=follows, last_seen_event_id=last_seen,
                   latest_event_id=session.scalar(select(func.max(Event.id))) or 0)
    where = _where(person, readable)
    if where is not None:
        result.events = list(session.scalars(select(Event).where(where).order_by(Event.id.desc()).limit(limit)))
    result.closing = _closing(person, readable, now, seen_at, session)
    result.unread = _unread_events(where, last_seen, session) + sum(1 for c in result.closing if c.is_new)
    return result

