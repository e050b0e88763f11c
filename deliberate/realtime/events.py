"""The events table: every domain change, in commit order, then published.

A service calls :func:`record_event` inside its unit of work; the row is written in the same
transaction as the change it describes. Only after the transaction commits are the events
emitted to Socket.IO rooms (persist first, then emit). Reconnecting clients, the feeds and the
audit trail read the same rows.

Ids in commit order. "Everything after id N" (reconnecting clients, feeds, digests) must never
skip a row that committed late with a lower id, so on PostgreSQL event writers are serialised by
one advisory lock (:data:`EVENTS_LOCK_KEY`) held until commit. To keep that lock short, an event
is not written where the service records it: it waits in the session and is inserted by the
session's ``before_commit`` hook (:func:`_write_before_commit`), which flushes the service's
other changes first, then takes the lock, inserts the events (their ``after_insert`` hooks append
the witness entries, webhook deliveries and mails in the same flush) and lets the commit follow.
The lock is thus held from the events' insert to the commit, never through a service's own work,
and it is the LAST lock a transaction takes (row locks and the other advisory locks come before
it in every transaction): there is no lock-order deadlock with it.

So an event's ``id`` is None until its transaction commits; a service that needs it (a comment
stores the id of its latest event) passes ``then=``, called with the row once it has its id,
still inside the transaction. An event recorded in a savepoint that rolls back is never written.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, event, func, select, text
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db
from . import rooms

# One advisory-lock key for event writers on PostgreSQL: it makes event ids increase in commit
# order, so "everything after id N" never skips a row that committed late with a lower id. Taken
# only by _write_before_commit (and the witness append it runs), held from the insert to commit.
EVENTS_LOCK_KEY = 7_401_202

_UNWRITTEN = "unwritten_events"


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


def record_event(session: Session, kind: str, scope: str, payload: dict[str, Any], actor_id: int | None = None,
                 then: Callable[[Event], None] | None = None) -> Event:
    """Record an event in the current transaction: it is written when the transaction commits
    (see the module's docstring: its ``id`` is None until then) and published after the commit.
    ``then(row)`` is called once the row is written and has its id, still before the commit.

    In a secret ballot's room (realtime.rooms.secrecy) the event's time is kept in whole seconds,
    and an event of a kind the room withholds is stored but never published.
    """
    session.connection()  # in a transaction (the service's), so that its rollback forgets the event
    secret = rooms.secrecy(scope, session)
    created_at = utcnow()
    if secret is not None:
        created_at = coarse_time(created_at)
    row = Event(kind=kind, scope=scope, payload=payload, actor_id=actor_id, created_at=created_at)
    publish = secret is None or kind not in secret.withheld
    session.info.setdefault(_UNWRITTEN, []).append((row, publish, then, session.get_nested_transaction()))
    return row


def write_events(session: Session) -> list[Event]:
    """Write the events recorded so far in this transaction now, taking the events lock (held
    until commit). The commit does it anyway; call it only where an event must be in the table
    before the commit (tests), never in a service (the lock would be held through its work)."""
    unwritten = session.info.pop(_UNWRITTEN, None)
    if not unwritten:
        return []
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENTS_LOCK_KEY})
    rows = [row for row, _publish, _then, _savepoint in unwritten]
    session.add_all(rows)
    session.flush()
    for row, publish, then, _savepoint in unwritten:
        if publish:
            session.info.setdefault("pending_events", []).append(row.to_message())
        if then is not None:
            then(row)
    return rows


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    if session.in_nested_transaction() or not session.info.get(_UNWRITTEN):
        return  # a savepoint's commit: its events wait for the transaction's
    session.flush()  # the service's own changes first (their row locks are taken outside the events lock)
    write_events(session)


def _within(savepoint: SessionTransaction | None, rolled_back: SessionTransaction) -> bool:
    while savepoint is not None:
        if savepoint is rolled_back:
            return True
        savepoint = savepoint.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous: SessionTransaction) -> None:
    """A savepoint rolled back takes the events recorded inside it; the transaction, all of them."""
    unwritten = session.info.get(_UNWRITTEN)
    if not unwritten:
        return
    if not previous.nested:
        session.info.pop(_UNWRITTEN, None)
        return
    unwritten[:] = [entry for entry in unwritten if not _within(entry[3], previous)]


@event.listens_for(Session, "after_transaction_end")
def _forget_at_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed (then written), rolled back or closed: none is left over
        session.info.pop(_UNWRITTEN, None)


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
