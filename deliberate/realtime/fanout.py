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

**One socket of this process: no queue.** An emit to a single socket connected here (``to=sid``:
the ``connected`` greeting, replies to one reader) is sent to it directly; only this process has
it, so publishing it would only cost every process a message to drop.

**Publishing never costs the listener its subscription.** Publishes use a client of their own
whose pool makes threads wait for a free connection (``PUBLISH_CONNECTIONS``). The library's
client failed with "Too many connections" once more than redis-py's default 100 threads
published at once (a thousand readers connecting after a restart), and answered the failure by
replacing the connection its listener thread was subscribed on: for a second or more this process
heard no event at all, and those events were lost for all its readers (bench/realtime.py found it:
the first comment after a thousand readers connected reached none of them).

**No per-message compression.** Browsers (and socket.io-client) offer the WebSocket
permessage-deflate extension and simple-websocket always accepts it: each event was then deflated
once per reader (a zlib stream of its own per connection, some 300 KB of memory each), which
was the largest part of a send's CPU. Events are a few hundred bytes of JSON; :class:`NoDeflate`
removes the offer from the upgrade request, so frames go out as they are.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import redis
import socketio
from socketio.packet import Packet

log = logging.getLogger(__name__)

# Not any process's host id: every listener (the sender's too) handles such a message.
EVERY_PROCESS = "every-process"


class RedisQueue(socketio.RedisManager):
    # Connections for publishing, shared by the process's threads (more wait their turn).
    PUBLISH_CONNECTIONS = 32
    # How long a publishing thread waits for one before the publish counts as failed (seconds).
    PUBLISH_WAIT = 10

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._publisher: redis.Redis | None = None
        self._publisher_lock = threading.Lock()

    def emit(self, event: str, data: Any, namespace: str | None = None, room: str | None = None,
             skip_sid: Any = None, callback: Any = None, to: str | None = None, **kwargs: Any) -> Any:
        room = to or room
        namespace = namespace or "/"
        items = list(data) if isinstance(data, tuple) else [data]
        local = isinstance(room, str) and self.is_connected(room, namespace)  # one socket of this process
        if local or kwargs.get("ignore_queue") or callback is not None or Packet.data_is_binary(items):
            if local:
                kwargs["ignore_queue"] = True
            return super().emit(event, data, namespace=namespace, room=room, skip_sid=skip_sid, callback=callback,
                                **kwargs)
        self._publish({"method": "emit", "event": event, "data": items, "binary": False, "namespace": namespace,
                       "room": room, "skip_sid": skip_sid, "callback": None, "host_id": EVERY_PROCESS})
        return None

    def _publish(self, data: dict[str, Any]) -> Any:
        message = self.json.dumps(data)
        for attempt in (1, 2):
            try:
                return self._publishing_client().publish(self.channel, message)
            except Exception as error:  # noqa: BLE001 - Redis away or slow: tried once more, then logged
                with self._publisher_lock:
                    self._publisher = None  # a fresh pool next time; the listener's connection is untouched
                if attempt == 2:
                    log.error("could not publish a live event to Redis: %s", error)
        return None

    def _publishing_client(self) -> redis.Redis:
        with self._publisher_lock:
            if self._publisher is None:
                pool = redis.BlockingConnectionPool.from_url(
                    self.redis_url, max_connections=self.PUBLISH_CONNECTIONS, timeout=self.PUBLISH_WAIT,
                    **self.redis_options)
                self._publisher = redis.Redis(connection_pool=pool)
            return self._publisher


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
