"""The events table: every domain change, in commit order, then published.

A service calls :func:`record_event` inside its unit of work; the row is written in the same
transaction as the change it describes. Only after the transaction commits are the events
emitted to Socket.IO rooms (persist first, then emit). Reconnecting clients, the feeds and the
audit trail read the same rows.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, event, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db
from . import rooms

# One advisory-lock key for event writers on PostgreSQL: it makes event ids increase in commit
# order, so "everything after id N" never skips a row that committed late with a lower id.
EVENTS_LOCK_KEY = 7_401_202


class Event(db.Model):
    __tablename__ = "events"
    # A room's events in id order: "after id N" and "the newest" read the index, not the room.
    __table_args__ = (Index("ix_events_scope_id", "scope", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    # The room the event belongs to, e.g. "standard:3"; readers are filtered by it.
    scope: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def to_message(self) -> dict[str, Any]:
        """The JSON dict sent to clients: ids only, never ORM objects."""
        return {"id": self.id, "kind": self.kind, "scope": self.scope, "at": self.created_at.isoformat(),
                **self.payload}


def record_event(session: Session, kind: str, scope: str, payload: dict[str, Any], actor_id: int | None = None) -> Event:
    """Add an event row to the current transaction and queue it for publishing after commit.

    In a secret ballot's room (realtime.rooms.secrecy) the event's time is kept in whole seconds,
    and an event of a kind the room withholds is stored but never published.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENTS_LOCK_KEY})
    secret = rooms.secrecy(scope, session)
    created_at = utcnow()
    if secret is not None:
        created_at = coarse_time(created_at)
    row = Event(kind=kind, scope=scope, payload=payload, actor_id=actor_id, created_at=created_at)
    session.add(row)
    session.flush()
    if secret is None or kind not in secret.withheld:
        session.info.setdefault("pending_events", []).append(row.to_message())
    return row


def coarse_time(moment: datetime) -> datetime:
    """A moment without its fraction of a second: what a secret ballot's room may be told."""
    return moment.replace(microsecond=0)


def for_room(message: dict[str, Any], secret: rooms.SecretRooms | None) -> dict[str, Any] | None:
    """A stored event's message as its room may receive it now (e.g. replayed on reconnect):
    None for a kind a secret ballot's room withholds, and its time in whole seconds there (rows
    written before that rule carry finer times)."""
    if secret is None:
        return message
    if message.get("kind") in secret.withheld:
        return None
    at = message.get("at")
    if isinstance(at, str):
        try:
            message = {**message, "at": coarse_time(datetime.fromisoformat(at)).isoformat()}
        except ValueError:
            message = {**message, "at": None}
    return message


def latest_event_id(session: Session | None = None) -> int:
    """The highest event id now (0 if none). A page that follows its rooms live renders it as
    ``data-live-since``, read by its view before anything the page shows, and catches up from
    there: whatever commits after this read is replayed, never missed."""
    return (session or db.session).scalar(select(func.max(Event.id))) or 0


def events_after(session: Session, last_id: int, scopes: set[str] | None = None, limit: int = 500) -> list[Event]:
    """Events with an id greater than ``last_id`` (optionally only in ``scopes``), oldest first."""
    query = select(Event).where(Event.id > last_id).order_by(Event.id).limit(limit)
    if scopes is not None:
        query = query.where(Event.scope.in_(sorted(scopes)))
    return list(session.scalars(query))


_publisher = None


def set_publisher(publisher) -> None:
    """Install the callable that emits a committed event (the Socket.IO layer sets it)."""
    global _publisher
    _publisher = publisher


@event.listens_for(Session, "after_commit")
def _publish_after_commit(session: Session) -> None:
    pending = session.info.pop("pending_events", None)
    if pending and _publisher is not None:
        for message in pending:
            _publisher(message)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop("pending_events", None)
