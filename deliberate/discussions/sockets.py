"""Discussion socket events: thin. Parse, authorize, call the same services as the HTTP views.

Client to server: ``post_comment``, ``edit_comment``, ``typing``, ``announce_presence``,
``end_presence`` and ``catch_up``. Server to client: the committed events (``comment_posted``,
``comment_edited``, ``comment_hidden``, ``comment_unhidden``, ``thread_started``, …) from the
events table, plus the ephemeral ``typing_started`` and ``presence_changed``. In a secret vote's
room (``realtime.rooms.is_secret``) presence is a count and typing is not sent. See docs/live.md.

Imported by deliberate.realtime.handlers (before ``socketio.init_app``) so the handlers exist
on every app built.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import emit, join_room

from ..errors import DomainError, InvalidInput
from ..extensions import db, socketio
from ..members.models import Cooperative
from ..realtime import handlers as realtime_handlers
from ..realtime import rooms
from ..realtime.events import events_after, for_room
from ..realtime.ratelimit import rate_limited
from ..realtime.rooms import can_join
from . import permissions, presence, queries, services
from .models import Thread
from .subjects import load_subject

log = logging.getLogger(__name__)

CATCH_UP_LIMIT = 500
MAX_ROOMS = 20


def _person():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _refusal(error: DomainError) -> dict[str, Any]:
    return {"ok": False, "error": error.message, "code": error.code, **(
        {"fields": error.field_errors} if error.field_errors else {})}


def _payload(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidInput(_("Send the details as an object."))
    return data


def _id(value: Any, what: str, required: bool = False) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 10**12:
        raise InvalidInput(_("Give the %(what)s as a number.", what=what))
    return value


def _text(value: Any, what: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidInput(_("Give the %(what)s as text.", what=what))
    return value


def _coop(value: Any) -> Cooperative | None:
    coop_id = _id(value, "co-op")
    if coop_id is None:
        return None
    coop = db.session.get(Cooperative, coop_id)
    if coop is None:
        raise InvalidInput(_("Choose a co-op from the list."))
    return coop


def _handled(handler):
    """Translate refusals into an ``{ok: false, error}`` acknowledgement."""
    def wrapped(data=None, *_extra):
        try:
            return handler(_payload(data))
        except DomainError as error:
            return _refusal(error)
    wrapped.__name__ = handler.__name__
    return wrapped


@socketio.on("post_comment")
@rate_limited("write")
@_handled
def on_post_comment(data: dict[str, Any]):
    anchor = data.get("anchor")
    if anchor is not None and not isinstance(anchor, dict):
        raise InvalidInput(_("The quoted place is not understood."))
    comment = services.post_comment(
        actor=_person(), subject_kind=_text(data.get("subject_kind"), "subject") or "",
        subject_id=_id(data.get("subject_id"), "subject", required=True), body=_text(data.get("body"), "comment"),
        parent_id=_id(data.get("parent_id"), "reply"), quote=_text(data.get("quote"), "quote"), anchor=anchor,
        client_id=_text(data.get("client_id"), _("client id")), coop=_coop(data.get("coop_id")),
        thread_id=_id(data.get("thread_id"), "topic"))
    # Sent after the commit: what is acknowledged is durable (a retry gets this same answer).
    return {"ok": True, "comment_id": comment.id, "event_id": comment.posted_event_id,
            "thread_id": comment.thread_id, "client_id": comment.client_id}


@socketio.on("edit_comment")
@rate_limited("write")
@_handled
def on_edit_comment(data: dict[str, Any]):
    comment = services.edit_comment(actor=_person(), comment_id=_id(data.get("comment_id"), "comment", required=True),
                                    body=_text(data.get("body"), "comment"))
    return {"ok": True, "comment_id": comment.id, "event_id": comment.last_event_id}


@socketio.on("typing")
@rate_limited("signal")
@_handled
def on_typing(data: dict[str, Any]):
    """Someone is writing in a thread: tell the others on the page, store nothing."""
    person = _person()
    thread_id = _id(data.get("thread_id"), "topic")
    if thread_id is not None:
        thread = db.session.get(Thread, thread_id)
        if thread is None:
            raise InvalidInput(_("There is no such topic."))
        subject = load_subject(thread.subject_kind, thread.subject_id)
    else:
        subject = load_subject(_text(data.get("subject_kind"), "subject"),
                               _id(data.get("subject_id"), "subject", required=True))
    if not permissions.can_comment(person, subject):
        return {"ok": False, "error": _("Only people who may comment here can be shown as typing."), "code": "forbidden"}
    if rooms.is_secret(subject.room):
        # A secret vote's page tells nobody who is writing: who is active when the turnout moves
        # would tie a co-op to its ballot. Nothing is sent; the page may stop asking.
        return {"ok": True, "shown": False}
    emit("typing_started", {"thread_id": thread_id, "subject_kind": subject.kind, "subject_id": subject.id,
                            "person_id": person.id, "name": person.name},
         to=subject.room, include_self=False)
    return {"ok": True}


def _presence_room(data: dict[str, Any]) -> str:
    room = data.get("room")
    if not isinstance(room, str) or len(room) > 64 or room.split(":", 1)[0] not in presence.PRESENCE_KINDS:
        raise InvalidInput(_("Give the page's room, e.g. standard:1."))
    return room


@socketio.on("announce_presence")
@rate_limited("signal")
@_handled
def on_announce_presence(data: dict[str, Any]):
    room = _presence_room(data)
    person = _person()
    if not can_join(person, room):
        return {"ok": False, "error": _("You cannot follow this here."), "code": "forbidden"}
    join_room(room)
    presence.enter(room, request.sid, presence.Reader(person.id if person else None, person.name if person else ""),
                   secret=rooms.is_secret(room))
    state = presence.snapshot(room)
    emit("presence_changed", state, to=room)
    return {"ok": True, **state}


@socketio.on("end_presence")
@rate_limited("signal")
@_handled
def on_end_presence(data: dict[str, Any]):
    room = _presence_room(data)
    if presence.leave(room, request.sid):
        emit("presence_changed", presence.snapshot(room), to=room)
    return {"ok": True}


@socketio.on("catch_up")
@rate_limited("read")
@_handled
def on_catch_up(data: dict[str, Any]):
    """Replay, in order and under their own names, the events after ``last_event_id`` in the
    rooms the person may read. The rooms are joined first, so that nothing committed between
    the replay and the join can fall in a gap (duplicates are possible; clients skip seen ids).
    A secret vote's room replays as it is sent live: no per-ballot event, times in whole seconds."""
    person = _person()
    last = data.get("last_event_id", 0)
    if isinstance(last, bool) or not isinstance(last, int) or last < 0:
        raise InvalidInput(_("Give last_event_id as a number (0 if you have seen nothing)."))
    asked = data.get("rooms")
    if not isinstance(asked, list) or len(asked) > MAX_ROOMS or not all(isinstance(r, str) for r in asked):
        raise InvalidInput(_("Give the rooms to catch up on as a list (at most %(MAX_ROOMS)s).", MAX_ROOMS=MAX_ROOMS))
    allowed, refused = set(), []
    for room in dict.fromkeys(asked):
        if len(room) <= 64 and can_join(person, room):
            join_room(room)
            allowed.add(room)
        else:
            refused.append(room)
    events = events_after(db.session, last, allowed, limit=CATCH_UP_LIMIT) if allowed else []
    secret = {room: rooms.secrecy(room) for room in allowed}
    sent = 0
    for event in events:
        message = for_room(queries.redact_for(person, event.to_message()), secret.get(event.scope))
        if message is not None:
            emit(message["kind"], message)
            sent += 1
    return {"ok": True, "replayed": sent, "last_event_id": events[-1].id if events else last,
            "more": len(events) == CATCH_UP_LIMIT, "refused": refused}


@realtime_handlers.on_socket_disconnect
def forget_presence(sid: str) -> None:
    """A socket that goes stops being a reader of every room it was in."""
    for room in presence.leave_all(sid):
        socketio.emit("presence_changed", presence.snapshot(room), to=room)

