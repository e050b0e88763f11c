"""Appending to the witness log, and reading it.

Entries are written in the same transaction as the event they witness: a mapper hook on the
events table appends one ``witness_entries`` row when a ``vote_closed``, ``vote_cancelled``,
``version_ratified``, ``objection_decided``, ``objection_settled`` or ``objection_withdrawn``
event is inserted, through the flush's own connection (as webhooks'
deliveries are). If the service rolls back (or the savepoint the event was recorded in does), the
entry vanishes with it. Appends are serialised so that ``seq`` stays contiguous: on PostgreSQL by
the events' advisory lock (which the event's writer already holds: events are inserted at commit,
under it, see realtime.events), on SQLite by its single writer. Vote events are recorded twice (the vote's room and its standard's): the second finds
the vote's entry and adds nothing.

Nothing here changes an entry; the database refuses UPDATE and DELETE on the table anyway.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper, Session
from werkzeug.routing import BuildError

from ..database import utcnow
from ..realtime.events import EVENTS_LOCK_KEY, Event
from ..standards.models import Standard
from ..voting.ledger import parse_at
from . import chain
from .models import WitnessEntry

log = logging.getLogger(__name__)

VOTE_KINDS = {"vote_closed": "closed", "vote_cancelled": "cancelled"}
VERSION_KIND = "version_ratified"
OBJECTION_KINDS = {"objection_decided": "decided", "objection_settled": "settled", "objection_withdrawn": "withdrawn"}


def record_path(vote_id: int) -> str:
    """Where a vote's published record is read, from the site's root (e.g. /votes/7/record.jsonl)."""
    return _path("votes.record", {"vote_id": vote_id}, f"/votes/{vote_id}/record.jsonl")


def objection_record_path(objection_id: int) -> str:
    """Where a formal objection's record is read, from the site's root."""
    return _path("appeals.record_file", {"objection_id": objection_id}, f"/objections/{objection_id}/record.jsonl")


def _path(endpoint: str, values: dict[str, Any], fallback: str) -> str:
    if has_app_context():
        try:
            return current_app.url_map.bind("localhost").build(endpoint, values)
        except BuildError:
            pass
    return fallback


def _last(connection: Connection) -> dict[str, Any] | None:
    row = connection.execute(select(WitnessEntry.__table__).order_by(WitnessEntry.seq.desc()).limit(1)).first()
    return None if row is None else {key: row._mapping[key] for key in chain.ENTRY_KEYS}


def _existing(connection: Connection, kind: str, ref: int) -> dict[str, Any] | None:
    row = connection.execute(select(WitnessEntry.seq, WitnessEntry.hash)
                             .where(WitnessEntry.kind == kind, WitnessEntry.ref == ref)).first()
    return None if row is None else {"seq": row.seq, "hash": row.hash}


def _what(connection: Connection, event: Event) -> tuple[str, int, dict[str, Any]] | None:
    """(kind, ref, payload) of the entry ``event`` calls for, or None."""
    payload = dict(event.payload or {})
    if event.kind in VOTE_KINDS:
        head = payload.get("record_head")
        if not head or payload.get("vote_id") is None:
            # Written by a version of the voting services that does not publish the head yet.
            return None
        vote_id = int(payload["vote_id"])
        return "vote", vote_id, chain.vote_payload(vote_id, VOTE_KINDS[event.kind], str(head), record_path(vote_id))
    if event.kind in OBJECTION_KINDS:
        head, objection_id = payload.get("record_head"), payload.get("objection_id")
        if not head or objection_id is None:
            return None
        objection_id = int(objection_id)
        return "objection", objection_id, chain.objection_payload(
            objection_id, OBJECTION_KINDS[event.kind], str(head), objection_record_path(objection_id))
    if event.kind == VERSION_KIND:
        if not all(payload.get(key) for key in ("standard_id", "version_id", "content_hash", "changelog_hash")):
            log.warning("event %s: a version_ratified event without its hashes is not witnessed", event.id)
            return None
        standard_id = int(payload["standard_id"])
        slug = connection.execute(select(Standard.slug).where(Standard.id == standard_id)).scalar() or ""
        version_id = int(payload["version_id"])
        return "version", version_id, chain.version_payload(
            standard_id, slug, version_id, str(payload.get("number") or ""), str(payload.get("content_hash") or ""),
            str(payload.get("changelog_hash") or ""))
    return None


def append_for_event(connection: Connection, event: Event) -> dict[str, Any] | None:
    """Inside the event's transaction: append the entry ``event`` calls for (once per vote or
    version) and return its ``{"seq", "hash"}``; None if the event is not witnessed. Safe to call
    twice (the webhooks' body calls it too, whichever hook runs first appends)."""
    what = _what(connection, event)
    if what is None:
        return None
    kind, ref, payload = what
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENTS_LOCK_KEY})
    found = _existing(connection, kind, ref)
    if found is not None:
        return found
    last = _last(connection)
    at = event.created_at or utcnow()
    # Times never go back in the log, even if two servers' clocks disagree a little.
    if last is not None and parse_at(last["at"]) > at:
        at = parse_at(last["at"])
    entry = chain.make_entry(last, kind, ref, payload, at)
    connection.execute(insert(WitnessEntry.__table__), [entry])
    return {"seq": entry["seq"], "hash": entry["hash"]}


@sa_event.listens_for(Event, "after_insert")
def _witness_event(_mapper: Mapper, connection: Connection, target: Event) -> None:
    if target.kind in VOTE_KINDS or target.kind == VERSION_KIND or target.kind in OBJECTION_KINDS:
        append_for_event(connection, target)


# Reading ---------------------------------------------------------------------------------------

def entries(session: Session, after: int = -1) -> list[dict[str, Any]]:
    """The log's entries after ``after`` (all of them by default), in order."""
    rows = session.scalars(select(WitnessEntry).where(WitnessEntry.seq > after).order_by(WitnessEntry.seq))
    return [row.entry() for row in rows]


def recent(session: Session, count: int) -> list[dict[str, Any]]:
    """The newest ``count`` entries, in order (oldest of them first)."""
    rows = list(session.scalars(select(WitnessEntry).order_by(WitnessEntry.seq.desc()).limit(count)))
    return [row.entry() for row in reversed(rows)]


def head(session: Session) -> tuple[int, str] | None:
    """(seq, hash) of the newest entry, or None while the log is empty."""
    row = session.execute(select(WitnessEntry.seq, WitnessEntry.hash).order_by(WitnessEntry.seq.desc())
                          .limit(1)).first()
    return None if row is None else (row.seq, row.hash)


def latest_at(session: Session) -> datetime | None:
    """When the newest entry was appended (None while the log is empty)."""
    at = session.scalar(select(WitnessEntry.at).order_by(WitnessEntry.seq.desc()).limit(1))
    return None if at is None else parse_at(at)


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(WitnessEntry)) or 0


def vote_entries(session: Session, vote_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The witness entries of the given votes, by vote id (votes not in the log are left out)."""
    if not vote_ids:
        return {}
    rows = session.scalars(select(WitnessEntry).where(WitnessEntry.kind == "vote",
                                                      WitnessEntry.ref.in_(sorted(set(vote_ids)))))
    return {row.ref: row.entry() for row in rows}
