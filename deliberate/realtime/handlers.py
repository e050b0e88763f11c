"""Socket.IO handlers: thin. Authenticate on connect, authorize every join, publish after commit.

Rooms are named after what they carry (``standard:3``, ``user:7``, ``network``, ``stewards``);
a socket may join only the rooms of what its user may read over HTTP (realtime/rooms.py).
Client events are registered through the one adapter (realtime/adapter.py); the features' own
socket modules (discussions/sockets.py, coediting/sockets.py) and realtime/catch_up.py are
imported by the app factory, not from here.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, emit, join_room, leave_room

from ..errors import InvalidInput, PermissionDenied
from ..extensions import socketio
from . import identity
from .adapter import join, person, socket_event
from .events import set_publisher
from .rooms import can_join

log = logging.getLogger(__name__)


@socketio.on("connect")
def on_connect(auth: dict[str, Any] | None = None):
    # Observers may connect to follow public pages live; a signed-in person also gets their own room.
    if getattr(current_user, "is_authenticated", False):
        join_room(f"user:{current_user.id}")
        # Server-side only (no reader: clients cannot join it): signing out of this sign-in
        # disconnects its sockets (realtime/disconnect.py).
        join_room(f"sign_in:{current_user.sign_in_id}")
        if current_user.is_steward:
            join_room("stewards")
        identity.remember(request.sid, current_user.id)
    emit("connected", {"person_id": current_user.id if current_user.is_authenticated else None})
    for hook in list(_connect_hooks):  # metrics count open sockets
        try:
            hook(request.sid)
        except Exception:  # noqa: BLE001 - a hook's failure must not refuse the connection
            log.exception("connect hook %s failed", getattr(hook, "__name__", hook))


@socket_event("join", limit="read")
def on_join(data: dict[str, Any]):
    room = data.get("room")
    if not isinstance(room, str) or len(room) > 64:
        raise InvalidInput(_("Give the room to join, e.g. standard:1."))
    if not can_join(person(), room):
        log.info("socket %s refused room %s", request.sid, room)
        raise PermissionDenied(_("You cannot follow this here."))
    join(room)  # Gone if the socket disconnected before its join was handled
    return {"ok": True, "room": room}


@socket_event("leave", limit="read")
def on_leave(data: dict[str, Any]):
    room = data.get("room")
    if isinstance(room, str):
        leave_room(room)
    return {"ok": True}


# What features do when a socket goes (presence forgets its reader): Flask-SocketIO keeps one
# handler per event name, so features add a hook here instead of a handler of their own.
_disconnect_hooks: list[Callable[[str], None]] = []
_connect_hooks: list[Callable[[str], None]] = []


def on_socket_connect(hook: Callable[[str], None]) -> Callable[[str], None]:
    """Register ``hook(sid)`` to run once a socket has connected (a decorator)."""
    if hook not in _connect_hooks:
        _connect_hooks.append(hook)
    return hook


def on_socket_disconnect(hook: Callable[[str], None]) -> Callable[[str], None]:
    """Register ``hook(sid)`` to run when a socket disconnects (a decorator). A failing hook is
    logged and does not keep the others from running."""
    if hook not in _disconnect_hooks:
        _disconnect_hooks.append(hook)
    return hook


@socketio.on("disconnect")
def on_disconnect(*_args) -> None:
    """Rooms are left by Socket.IO itself; the features' hooks forget what else they tracked."""
    sid = request.sid
    identity.forget(sid)
    for hook in list(_disconnect_hooks):
        try:
            hook(sid)
        except Exception:  # noqa: BLE001 - one feature's failure must not stop the others' clean-up
            log.exception("disconnect hook %s failed for socket %s", getattr(hook, "__name__", hook), sid)
    log.debug("socket %s disconnected", sid)


def publish(message: dict[str, Any]) -> None:
    """Emit a committed event to its room (through the message queue when there is one)."""
    socketio.emit(message["kind"], message, to=message["scope"])


def install_publisher() -> None:
    set_publisher(publish)


__all__ = ["ConnectionRefusedError", "install_publisher", "on_socket_connect", "on_socket_disconnect", "publish"]
