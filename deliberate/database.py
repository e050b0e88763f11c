"""Database plumbing shared by every service: SQLite tuning and the write unit of work.

SQLite is the embedded default. Readers never block in WAL mode; writers take the write lock
when their transaction *begins* (``BEGIN IMMEDIATE``) rather than on their first write, so two
writers queue behind ``busy_timeout`` instead of failing with "database is locked" when a
deferred reader tries to upgrade. Only transactions opened through :func:`unit_of_work` are
immediate, so page views keep reading concurrently.

Within one server process, writers to SQLite also queue on a lock of their own before ``BEGIN
IMMEDIATE``: SQLite's busy handler polls with sleeps of up to 100 ms and serves waiters in no
order, so under a burst of writes some waited seconds (bench/load.py); a lock hands over at once
and in turn. ``busy_timeout`` still arbitrates between processes (CLI commands, a second server).
"""
from __future__ import annotations

import contextvars
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from .extensions import db

_immediate = contextvars.ContextVar("deliberate_immediate_write", default=False)
# One writer at a time per SQLite engine in this process (re-entrant: a unit of work may nest).
_sqlite_writers: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


def configure_engine(engine: Engine) -> None:
    """Install the SQLite pragmas and begin hooks on ``engine`` (no-op for other databases)."""
    if engine.dialect.name != "sqlite":
        return
    _sqlite_writers[engine] = threading.RLock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every test
        # Let SQLAlchemy emit BEGIN itself (pysqlite's own transaction handling is off).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Run a service's writes in one transaction that commits (or rolls back) as a whole.

    Services are the only writers and each opens exactly one unit of work. A read transaction
    left open by the view (to load the objects it passes in) is ended first so that the write
    starts from a fresh snapshot and, on SQLite, takes the write lock up front.
    """
    session = db.session()
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("unit_of_work() entered with unflushed changes: services are the only writers")
        session.commit()
    writers = _sqlite_writers.get(session.get_bind())
    with writers if writers is not None else nullcontext():
        token = _immediate.set(True)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            _immediate.reset(token)


def id_of(instance: Any) -> Any:
    """The primary key of a persistent ORM ``instance`` without reading its row: an object a view
    loaded is expired when a service's unit of work begins (the view's read transaction commits),
    and its ``.id`` would cost a SELECT."""
    identity = inspect(instance).identity
    return identity[0] if identity is not None and len(identity) == 1 else instance.id


def is_postgres(session: Session | None = None) -> bool:
    """True when the bound database is PostgreSQL."""
    bind = (session or db.session).get_bind()
    return bind.dialect.name == "postgresql"


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (a single place so tests can freeze it)."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp that always comes back timezone-aware in UTC, SQLite included."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given: use deliberate.database.utcnow()")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# Schema objects that migrations manage with raw SQL, outside the models: the SQLite FTS5 search
# table (and its shadow tables) and the PostgreSQL full-text index. Autogenerate and the
# models-match-migrations test leave them alone.
UNMAPPED_PREFIXES = ("search_fts",)
UNMAPPED_INDEXES = frozenset({"ix_search_documents_fts"})


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: skip the schema objects listed above when they exist only in the database."""
    if reflected and compare_to is None:
        if type_ == "table" and name and name.startswith(UNMAPPED_PREFIXES):
            return False
        if type_ == "index" and name in UNMAPPED_INDEXES:
            return False
    return True
