"""What a delivery says: the JSON body built from a domain event, with public data and links only.

Bodies are built while the event's row is being inserted (inside the service's flush), so they
read what they need through the flush's connection with Core statements, never the ORM session,
and only columns that do not change after the vote or standard was created. Nothing personal goes
in: no names of people, no e-mail addresses, no ballots of a secret vote.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.engine import Connection
from werkzeug.routing import BuildError

from ..realtime.events import Event
from ..standards.models import Standard
from ..voting.models import Vote
from ..witness import services as witness


def public_base_url() -> str:
    """Where links in bodies point: PUBLIC_URL, else the SERVER_NAME or host and port the app serves on."""
    config = current_app.config
    if config.get("PUBLIC_URL"):
        return str(config["PUBLIC_URL"]).rstrip("/")
    scheme = config.get("PREFERRED_URL_SCHEME") or "http"
    if config.get("SERVER_NAME"):
        return f"{scheme}://{config['SERVER_NAME']}"
    return f"{scheme}://{config.get('SERVER_HOST', '127.0.0.1')}:{config.get('SERVER_PORT', 5000)}"


def link(endpoint: str, **values: Any) -> str | None:
    """An absolute link to a page, built without a request (the worker and the CLI have none)."""
    if not has_app_context():
        return None
    adapter = current_app.url_map.bind("localhost", url_scheme="http")
    try:
        path = adapter.build(endpoint, values, force_external=False)
    except BuildError:
        return None
    return public_base_url() + path


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _standard(connection: Connection, standard_id: int | None) -> dict[str, Any] | None:
    if standard_id is None:
        return None
    row = connection.execute(select(Standard.id, Standard.slug, Standard.title)
                             .where(Standard.id == standard_id)).first()
    if row is None:
        return None
    return {"id": row.id, "slug": row.slug, "title": row.title, "url": link("standards.show", slug=row.slug)}


def _vote(connection: Connection, vote_id: int) -> dict[str, Any]:
    row = connection.execute(select(Vote.id, Vote.title, Vote.subject_kind, Vote.subject_id, Vote.standard_id,
                                    Vote.rule, Vote.text_hash, Vote.opens_at, Vote.closes_at)
                             .where(Vote.id == vote_id)).first()
    if row is None:
        return {"id": vote_id, "url": link("votes.show", vote_id=vote_id)}
    return {"id": row.id, "title": row.title, "subject": {"kind": row.subject_kind, "id": row.subject_id},
            "standard_id": row.standard_id, "rule": row.rule, "text_hash": row.text_hash,
            "opens_at": _iso(row.opens_at), "closes_at": _iso(row.closes_at),
            "url": link("votes.show", vote_id=row.id)}


def event_body(connection: Connection, event: Event, event_type: str) -> dict[str, Any]:
    """The delivery body for ``event`` (one of signing.EVENT_TYPES)."""
    payload = dict(event.payload or {})
    data: dict[str, Any]
    if event_type in ("vote.opened", "vote.closed"):
        vote = _vote(connection, int(payload["vote_id"]))
        if event_type == "vote.closed":
            # The record's closing head, and the witness log entry that chains it (appended now if
            # the witness hook has not run yet: the same transaction, once per vote).
            witnessed = witness.append_for_event(connection, event)
            vote.update(passed=payload.get("passed"), explanation=payload.get("explanation") or "",
                        second_call_id=payload.get("second_call_id"),
                        record_url=link("votes.record", vote_id=vote["id"]),
                        record_head=payload.get("record_head"),
                        witness=None if witnessed is None else {**witnessed, "url": link("witness.log")})
        data = {"vote": vote, "standard": _standard(connection, vote.get("standard_id"))}
    elif event_type == "version.ratified":
        standard = _standard(connection, payload.get("standard_id"))
        number = str(payload.get("number") or "")
        version = {key: payload.get(key) for key in ("title", "summary", "level", "content_hash",
                                                      "changelog_hash", "ratified_at")}
        version.update(id=payload.get("version_id"), number=number,
                       amendment_ids=list(payload.get("amendment_ids") or []),
                       url=link("versions.show", slug=standard["slug"], ref=number) if standard and number else None)
        data = {"version": version, "standard": standard,
                "vote": {"id": payload.get("vote_id"),
                         "url": link("votes.show", vote_id=payload["vote_id"]) if payload.get("vote_id") else None}}
    else:
        raise ValueError(f"no webhook body for {event_type!r}")
    return {"id": event.id, "type": event_type, "created_at": _iso(event.created_at), "data": data}


def ping_body(webhook_id: int, events: list[str], at: datetime) -> dict[str, Any]:
    """The body of a test ping: says which webhook it is and what it subscribed to."""
    return {"id": None, "type": "ping", "created_at": _iso(at),
            "data": {"webhook": {"id": webhook_id, "events": list(events)},
                     "message": "Deliberate is checking that this address receives webhooks."}}
