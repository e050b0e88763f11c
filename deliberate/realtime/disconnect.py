"""Disconnecting every socket in a room, on the server, in every process: how signing out, signing
out everywhere and erasure end a person's open connections (members/sessions.py).

Every socket event already loads its person afresh (a revoked sign-in can do nothing), but a socket
left open would go on *receiving* what its rooms carry: the person's own notices, their drafts'
co-editing. So the sockets are disconnected. Authenticated sockets join ``user:<id>`` and
``sign_in:<id>`` on connect (realtime/handlers.py), and a service names the room to close with
:func:`disconnect_after_commit`; once the transaction commits (never before: a rollback closes
nothing), :func:`disconnect_room` disconnects the sockets in it.

Across processes: python-socketio knows the members of a room only in the process they are
connected to, and its message queue has no "disconnect a room" message. Its "close_room" message
reaches every process, so this one travels as a close_room message with ``disconnect: true``; each
process's queue listener (wrapped by :func:`install`) disconnects its own members of the room before
closing it. A process that does not know the flag still closes the room, so those sockets at least
stop receiving its events. Without a queue (one process) the room is disconnected directly.
"""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
NAMESPACE = "/"
_PENDING = "pending_disconnects"


def disconnect_after_commit(session: Session, room: str) -> None:
    """Disconnect every socket in ``room`` once ``session``'s transaction commits."""
    pending = session.info.setdefault(_PENDING, [])
    if room not in pending:
        pending.append(room)


@event.listens_for(Session, "after_commit")
def _disconnect_after_commit(session: Session) -> None:
    for room in session.info.pop(_PENDING, None) or ():
        try:
            disconnect_room(room)
        except Exception:  # noqa: BLE001 - the change is committed; a failed disconnect must not undo the answer
            log.exception("could not disconnect the sockets of %s", room)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _server():
    from ..extensions import socketio

    return getattr(socketio, "server", None)


def _disconnect_local(server, room: str, namespace: str = NAMESPACE) -> int:
    """Disconnect the sockets of this process that are in ``room``; returns how many."""
    sids = [sid for sid, _eio_sid in list(server.manager.get_participants(namespace, room))]
    for sid in sids:
        server.disconnect(sid, namespace=namespace, ignore_queue=True)
    return len(sids)


def disconnect_room(room: str) -> None:
    """Disconnect every socket in ``room`` now, in this process and (through the message queue,
    when there is one) in every other."""
    from socketio import PubSubManager

    server = _server()
    if server is None:
        return
    manager = server.manager
    if not isinstance(manager, PubSubManager):
        _disconnect_local(server, room)
        return
    message = {"method": "close_room", "room": room, "namespace": NAMESPACE, "host_id": manager.host_id,
               "disconnect": True}
    manager._handle_close_room(message)  # this process (wrapped by install)
    manager._publish(message)  # the others


def install(server) -> None:
    """Teach this process's message-queue listener the ``disconnect`` flag of close_room messages
    (a no-op without a queue). Called by the app factory after ``socketio.init_app``."""
    manager = getattr(server, "manager", None)
    handle = getattr(manager, "_handle_close_room", None)
    if handle is None or getattr(handle, "disconnects", False):
        return

    def handle_close_room(message: dict[str, Any]) -> None:
        if message.get("disconnect") and isinstance(message.get("room"), str):
            _disconnect_local(server, message["room"], message.get("namespace") or NAMESPACE)
        handle(message)

    handle_close_room.disconnects = True  # type: ignore[attr-defined]
    manager._handle_close_room = handle_close_room
