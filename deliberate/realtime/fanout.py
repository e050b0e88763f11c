"""Sending one event to many sockets: what the server does per reader, kept small.

**Published first.** The Redis message queue between web processes is python-socketio's
RedisManager with one change: an event is published first and every process, this one included,
emits it to its own sockets from its queue listener thread.

python-socketio's manager emits to this process's sockets first, in the thread that emits (here
the request thread that committed, see realtime/events.py), and publishes to the other processes
only after: with 500 readers in this process the other process heard of the event only once all
500 were queued here (each wakes its socket's writer thread, which contends for the interpreter
lock with the loop that queues them), and the request that caused the event waited for that too.
Published first, both processes fan out at once, and the request is answered without waiting for
any reader. Measured in bench/realtime.py (``fanout_1000_2proc``, docs/performance-live.md).

Emits with a callback or binary data keep the library's path (none are sent this way here).

**No per-message compression.** Browsers (and socket.io-client) offer the WebSocket
permessage-deflate extension and simple-websocket always accepts it: each event was then deflated
once per reader (a zlib stream of its own per connection, some 300 KB of memory each), which
was the largest part of a send's CPU. Events are a few hundred bytes of JSON; :class:`NoDeflate`
removes the offer from the upgrade request, so frames go out as they are.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import socketio
from socketio.packet import Packet

# Not any process's host id: every listener (the sender's too) handles such a message.
EVERY_PROCESS = "every-process"


class RedisQueue(socketio.RedisManager):
    def emit(self, event: str, data: Any, namespace: str | None = None, room: str | None = None,
             skip_sid: Any = None, callback: Any = None, to: str | None = None, **kwargs: Any) -> Any:
        room = to or room
        items = list(data) if isinstance(data, tuple) else [data]
        if kwargs.get("ignore_queue") or callback is not None or Packet.data_is_binary(items):
            return super().emit(event, data, namespace=namespace, room=room, skip_sid=skip_sid, callback=callback,
                                **kwargs)
        self._publish({"method": "emit", "event": event, "data": items, "binary": False, "namespace": namespace or "/",
                       "room": room, "skip_sid": skip_sid, "callback": None, "host_id": EVERY_PROCESS})
        return None


class NoDeflate:
    """WSGI middleware: a WebSocket upgrade arrives without its permessage-deflate offer. Transparent
    to what it wraps (``app.wsgi_app.engineio_app`` still reaches the socket server)."""

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["wsgi_app"], name)

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        if environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return self.wsgi_app(environ, start_response)


def client_manager(url: str | None, channel: str) -> RedisQueue | None:
    """The queue for ``url`` when it is Redis (None: Flask-SocketIO picks its own, or none)."""
    if url and url.startswith(("redis://", "rediss://")):
        return RedisQueue(url, channel=channel)
    return None
