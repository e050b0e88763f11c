"""Discussion socket events: thin. Parse, call the same services as the HTTP views, return.

Client to server: ``post_comment``, ``edit_comment``, ``typing``, ``announce_presence`` and
``end_presence`` (``catch_up`` is realtime's: deliberate/realtime/catch_up.py, which replays
comment events through :func:`queries.redact_for`, registered below). Server to client: the
committed events (``comment_posted``, ``comment_edited``, ``comment_hidden``, ``comment_unhidden``,
``thread_started``, …) from the events table, plus the ephemeral ``typing_started`` and
``presence_changed``. In a secret vote's room (``realtime.rooms.is_secret``) presence is a count
and typing is not sent. Every handler goes through the one adapter (realtime/adapter.py): a
refusal is a raised domain error. See docs/live.md.

Imported by the app factory (deliberate/__init__.py) before ``socketio.init_app`` so the
handlers exist on every app built.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_socketio import emit

from .. import limits
from ..errors import Gone, InvalidInput, PermissionDenied
from ..extensions import db, socketio
from ..members.models import Cooperative
from ..realtime import rooms
from ..realtime.adapter import connected, join, socket_event
from ..realtime.adapter import person as _person
from ..realtime.handlers import on_socket_disconnect
from ..realtime.rooms import can_join
from . import permissions, presence, services
from .models import Thread
from .subjects import load_subject

log = logging.getLogger(__name__)


def _id(value: Any, what: str, required: bool = False) -> int | None:
    if value is None and not required:
        return None
    number = limits.parse_id(value) if isinstance(value, int) else None
    if number is None:
        raise InvalidInput(_("Give the %(what)s as a number.", what=what))
    return number


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


@socket_event("post_comment", limit="write")
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


@socket_event("edit_comment", limit="write")
def on_edit_comment(data: dict[str, Any]):
    comment = services.edit_comment(actor=_person(), comment_id=_id(data.get("comment_id"), "comment", required=True),
                                    body=_text(data.get("body"), "comment"))
    return {"ok": True, "comment_id": comment.id, "event_id": comment.last_event_id}


@socket_event("typing", limit="signal")
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
        raise PermissionDenied(_("Only people who may comment here can be shown as typing."))
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


@socket_event("announce_presence", limit="signal")
def on_announce_presence(data: dict[str, Any]):
    room = _presence_room(data)
    person = _person()
    if not can_join(person, room):
        raise PermissionDenied(_("You cannot follow this here."))
    join(room)  # Gone if the reader already left the page
    presence.enter(room, request.sid, presence.Reader(person.id if person else None, person.name if person else ""),
                   secret=rooms.is_secret(room))
    if not connected():
        # It left while this ran: its disconnect may have forgotten it before it was entered.
        presence.leave(room, request.sid)
        raise Gone(_("Not connected."))
    state = presence.snapshot(room)
    emit("presence_changed", state, to=room)
    return {"ok": True, **state}


@socket_event("end_presence", limit="signal")
def on_end_presence(data: dict[str, Any]):
    room = _presence_room(data)
    if presence.leave(room, request.sid):
        emit("presence_changed", presence.snapshot(room), to=room)
    return {"ok": True}


@on_socket_disconnect
def forget_presence(sid: str) -> None:
    """A socket that goes stops being a reader of every room it was in."""
    for room in presence.leave_all(sid):
        socketio.emit("presence_changed", presence.snapshot(room), to=room)

