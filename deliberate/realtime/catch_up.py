"""Reconnect catch-up: the events a client missed, replayed from the events table.

``catch_up`` {last_event_id, rooms} → the events after ``last_event_id`` in the rooms the person
may join, oldest first and under their own names, then {ok, replayed, last_event_id, more,
refused}. Each replayed event goes through, in order:

1. the redactor its feature registered for its kind (:func:`register_redactor`): how the event
   reads for this person now (e.g. discussions send a comment hidden since as its steward's
   notice); a redactor may return None to drop the event;
2. its room's secret-ballot policy (realtime.rooms.secrecy, events.for_room): a secret vote's room
   replays what it is sent live, no per-ballot kind and times in whole seconds.

Realtime knows no feature's event kinds: features register their redactors with their socket
handlers (e.g. deliberate/discussions/sockets.py). See docs/live.md.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask_babel import gettext as _
from flask_socketio import emit

from ..errors import InvalidInput
from ..extensions import db
from ..limits import MAX_ID
from . import rooms
from .adapter import join, person, socket_event
from .events import events_after, for_room

CATCH_UP_LIMIT = 500
MAX_ROOMS = 20

# redactor(person_or_None, message) -> the message as that person may read it, or None
Redactor = Callable[[Any, dict[str, Any]], "dict[str, Any] | None"]
_REDACTORS: dict[str, Redactor] = {}


def register_redactor(kinds: str | Iterable[str], redactor: Redactor) -> None:
    """Say how events of ``kinds`` read for a person when replayed; one redactor per kind."""
    for kind in [kinds] if isinstance(kinds, str) else kinds:
        _REDACTORS[kind] = redactor


def for_reader(person, message: dict[str, Any], secret: rooms.SecretRooms | None) -> dict[str, Any] | None:
    """A stored event's message as ``person`` may receive it now in a room of policy ``secret``
    (None: not a secret ballot's room); None when it is not to be sent at all."""
    redactor = _REDACTORS.get(message.get("kind"))
    if redactor is not None:
        message = redactor(person, message)
        if message is None:
            return None
    return for_room(message, secret)


def _last_event_id(data: dict[str, Any]) -> int:
    last = data.get("last_event_id", 0)
    if isinstance(last, bool) or not isinstance(last, int) or not 0 <= last <= MAX_ID:
        raise InvalidInput(_("Give last_event_id as a number (0 if you have seen nothing)."))
    return last


def _rooms(data: dict[str, Any]) -> list[str]:
    asked = data.get("rooms")
    if not isinstance(asked, list) or len(asked) > MAX_ROOMS or not all(isinstance(r, str) for r in asked):
        raise InvalidInput(_("Give the rooms to catch up on as a list (at most %(MAX_ROOMS)s).", MAX_ROOMS=MAX_ROOMS))
    return list(dict.fromkeys(asked))


@socket_event("catch_up", limit="read")
def on_catch_up(data: dict[str, Any]):
    """Replay, in order and under their own names, the events after ``last_event_id`` in the
    rooms the person may read. The rooms are joined first, so that nothing committed between
    the replay and the join can fall in a gap (duplicates are possible; clients skip seen ids)."""
    reader = person()
    last, asked = _last_event_id(data), _rooms(data)
    allowed, refused = set(), []
    for room in asked:
        if len(room) <= 64 and rooms.can_join(reader, room):
            join(room)  # Gone (a refusal, not a crash) if the socket left meanwhile
            allowed.add(room)
        else:
            refused.append(room)
    events = events_after(db.session, last, allowed, limit=CATCH_UP_LIMIT) if allowed else []
    secret = {room: rooms.secrecy(room) for room in allowed}
    sent = 0
    for event in events:
        message = for_reader(reader, event.to_message(), secret.get(event.scope))
        if message is not None:
            emit(message["kind"], message)
            sent += 1
    return {"ok": True, "replayed": sent, "last_event_id": events[-1].id if events else last,
            "more": len(events) == CATCH_UP_LIMIT, "refused": refused}
