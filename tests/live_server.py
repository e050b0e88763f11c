"""Serve the app under test for real: Werkzeug's threaded server, Socket.IO included, on a free port.

This is how ``deliberate.serve`` runs it (``socketio.run`` in threading mode calls Werkzeug's
threaded server; WebSockets go through simple-websocket), minus the blocking call: the server
runs in a background thread so the test can drive it with a browser or a Socket.IO client.

The app object is the one the ``app`` fixture built, so the test thread and the server share
the database engine and the Socket.IO server (events published by services in the test reach
the server's clients). Each request in the server thread pushes its own app context.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from werkzeug.serving import WSGIRequestHandler, make_server

HOST = "127.0.0.1"


class _QuietRequestHandler(WSGIRequestHandler):
    """No access log line per request (errors are still logged)."""

    def log_request(self, *args, **kwargs) -> None:
        """Say nothing: the tests read their own output, not an access log."""


def _closing_responses(app):
    """``app``, with every response body closed even when the client hangs up mid-download.

    Werkzeug's server closes a response only if draining the dropped connection does not raise;
    when it does, a static file's handle is left for the garbage collector, whose ResourceWarning
    then fails whichever test happens to be running. A generator's ``finally`` runs on exhaustion
    and on collection alike, so the body is closed either way, explicitly.
    """
    def wsgi(environ, start_response):
        body = app(environ, start_response)

        def chunks():
            try:
                yield from body
            finally:
                if hasattr(body, "close"):
                    body.close()

        return chunks()

    return wsgi


def wait_until(condition: Callable[[], object], timeout: float = 5.0, interval: float = 0.02,
               message: str = "condition") -> object:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def engineio_server(app):
    """The Engine.IO server behind this app (Flask-SocketIO wraps ``app.wsgi_app``), or None."""
    socketio_server = getattr(app.wsgi_app, "engineio_app", None)
    return getattr(socketio_server, "eio", None)


@contextmanager
def serving(app) -> Iterator[str]:
    """Serve ``app`` on a free 127.0.0.1 port in a daemon thread; yields the base URL."""
    server = make_server(HOST, 0, _closing_responses(app), threaded=True, request_handler=_QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name=f"live-server-{server.server_port}", daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_port}"
    finally:
        eio = engineio_server(app)
        if eio is not None:
            _let_clients_go(eio)
            eio.shutdown()  # the service task (ping timeouts) stops
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _let_clients_go(eio) -> None:
    """Give clients that already left (closed browser contexts) time to finish disconnecting, so
    their handlers do not run against a torn-down app; then drop the rest without waiting on them
    (a graceful close blocks until the client reads the close packet, which it may never do)."""
    def all_closed():
        return all(socket.closed for socket in list(eio.sockets.values()))

    try:
        wait_until(all_closed, timeout=3.0, message="Socket.IO clients to disconnect")
    except AssertionError:
        for socket in list(eio.sockets.values()):
            socket.close(wait=False, abort=True)


@contextmanager
def http_server(handler: type) -> Iterator[str]:
    """A plain threaded HTTP server with ``handler`` (a BaseHTTPRequestHandler class) on a free
    local port, for tests that need something to receive requests (webhooks); yields its base URL
    ("http://127.0.0.1:PORT") and stops it afterwards."""
    from http.server import ThreadingHTTPServer

    server = ThreadingHTTPServer((HOST, 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
