"""The one socket adapter: how every client-to-server Socket.IO event is registered.

``@socket_event("post_comment", limit="write")`` registers the handler for that event, rate
limited (realtime/ratelimit.py), with its payload checked to be an object, and every refusal
(a :class:`deliberate.errors.DomainError` raised by the handler or the service it calls)
acknowledged in the one refusal shape of :func:`deliberate.errors.socket_refusal`::

    {"ok": False, "error": "<plain, translated message>", "code": "<forbidden|not_found|...>",
     "fields": {"<field>": ["<message>", ...]}}          # "fields" only when there are some

Handlers parse, call one service and return ``{"ok": True, ...}``; they never build a refusal.
A crash is acknowledged in the same shape (``code: server_error``) by the default error handler
that deliberate.errors registers, which also logs it and rolls the session back.

The modules holding the handlers are imported by the app factory before ``socketio.init_app``
(deliberate/__init__.py, ``register_extensions``).
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import join_room

from ..errors import DomainError, Gone, InvalidInput, socket_refusal
from ..extensions import socketio
from .ratelimit import rate_limited

Handler = Callable[[dict[str, Any]], dict[str, Any]]


def payload(data: Any) -> dict[str, Any]:
    """The event's details: every client event sends an object."""
    if not isinstance(data, dict):
        raise InvalidInput(_("Send the details as an object."))
    return data


def person():
    """The signed-in person sending the event, or None for an observer."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def person_id() -> int | None:
    """The id of the signed-in person sending the event, or None for an observer. A socket's
    person is known since it connected (realtime/identity.py): no loading at each event."""
    from . import identity

    known = identity.person_id(getattr(request, "sid", None))
    if known is not None:
        return known
    return current_user.id if current_user.is_authenticated else None


def connected() -> bool:
    """Whether the socket sending the event is still connected (a reader may leave the page
    while the server is still handling what its page sent on loading)."""
    return bool(socketio.server.manager.is_connected(request.sid, request.namespace or "/"))


def join(room: str) -> None:
    """Put the socket sending the event in ``room``. Raises Gone when the socket disconnected
    while its event was being handled (Socket.IO then raises ValueError or KeyError, depending
    on whether other sockets are still connected): a refusal like any other, never a crash in
    the log. Every handler that joins a room joins it through here."""
    try:
        join_room(room)
    except (KeyError, ValueError):
        raise Gone(_("Not connected.")) from None


def socket_event(name: str, *, limit: str) -> Callable[[Handler], Callable[..., dict[str, Any]]]:
    """Register ``handler(data: dict) -> dict`` for the client event ``name``, rate limited by the
    bucket ``limit`` (``read``, ``write``, ``sync`` or ``signal``), its refusals in the one shape."""

    def decorate(handler: Handler) -> Callable[..., dict[str, Any]]:
        limited = rate_limited(limit)(lambda data: handler(payload(data)))

        @functools.wraps(handler)
        def adapted(data: Any = None, *_extra: Any) -> dict[str, Any]:
            try:
                return limited(data)
            except DomainError as error:
                return socket_refusal(error)

        adapted.rate_limit = limit  # the socket authorization matrix checks every event has one
        adapted.socket_event = name
        socketio.on(name)(adapted)
        return adapted

    return decorate
