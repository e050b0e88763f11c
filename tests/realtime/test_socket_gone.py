"""A reader who leaves a page right after it loads: the handlers of what the page sent on loading
(``join``, ``catch_up``, ``announce_presence``) still run, for a socket that is gone by then.

Socket.IO refuses to put a disconnected socket in a room (ValueError when no other socket is
connected, KeyError when some are); before the fix that reached the log as an unhandled error in
``catch_up`` and ``announce_presence``. Now the handler answers Gone, like any refusal, logs
nothing and leaves no phantom reader in the room's presence.

The disconnect is made to happen in the middle of the handler, deterministically: the room's
reader (asked by every one of these handlers before it joins) closes the socket from the server
side and waits until Socket.IO has forgotten it, as a closed tab does.
"""
from __future__ import annotations

import logging
import threading

import pytest
import socketio

from tests.live_server import engineio_server, serving, wait_until

TIMEOUT = 5


@pytest.fixture
def app_config():
    return {"SERVER_NAME": None}


@pytest.fixture
def served(app):
    with serving(app) as base_url:
        yield base_url


@pytest.fixture
def handled(monkeypatch):
    """``handled[name]`` is set once the server has finished handling a client event ``name``."""
    from deliberate.extensions import socketio as server

    done: dict[str, threading.Event] = {}
    handle = server._handle_event

    def tracking(handler, message, namespace, sid, *args):
        try:
            return handle(handler, message, namespace, sid, *args)
        finally:
            done.setdefault(message, threading.Event()).set()

    monkeypatch.setattr(server, "_handle_event", tracking)
    return done


def leave_now(app) -> None:
    """Inside a handler: close the socket sending the event from the server side, and wait until
    Socket.IO has forgotten it (its disconnect handler has run), as when a tab is closed."""
    from flask import request

    manager = app.wsgi_app.engineio_app.manager
    sid = request.sid
    socket = engineio_server(app).sockets.get(manager.eio_sid_from_sid(sid, "/"))
    if socket is not None:
        socket.close(wait=False)
    wait_until(lambda: not manager.is_connected(sid, "/"), timeout=TIMEOUT, message="the socket to go")


def leaving_reader(app, monkeypatch, kind: str = "standard"):
    """Make the reader of ``kind`` rooms close the asking socket before saying yes: the reader
    left the page while its event was being handled, before its socket joined the room."""
    from deliberate.realtime import rooms

    with_id, reader = rooms._READERS[kind]

    def leave_then_read(person, ident):
        leave_now(app)
        return reader(person, ident)

    monkeypatch.setitem(rooms._READERS, kind, (with_id, leave_then_read))


def connect(base_url: str) -> socketio.Client:
    client = socketio.Client(reconnection=False)
    client.connect(base_url, transports=["websocket"], wait_timeout=TIMEOUT)
    return client


def close(app, client: socketio.Client) -> None:
    """Close the connection from the server side, as on shutdown (Client.disconnect() over
    WebSocket waits for a close frame the Werkzeug server never reads as one), and wait."""
    engine = engineio_server(app).sockets.get(client.eio.sid) if client.connected else None
    if engine is not None:
        engine.close(wait=False)
    wait_until(lambda: not client.connected, timeout=TIMEOUT, message="the client to disconnect")


def errors(caplog) -> list[str]:
    """Errors and exceptions logged. Not Werkzeug's "code 400" lines: when the server closes a
    WebSocket, the test client's closing frame is read by the development server as a bad HTTP
    request on the same connection (an artifact of closing from the server side, see close())."""
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records
            if (r.levelno >= logging.ERROR or r.exc_info)
            and not (r.name == "werkzeug" and "code 400" in r.getMessage())]


@pytest.mark.parametrize("others_connected", [False, True], ids=["alone", "with-others"])
@pytest.mark.parametrize("event", ["join", "catch_up", "announce_presence"])
def test_a_socket_gone_mid_handler_logs_no_error(app, served, handled, make_standard, monkeypatch, caplog,
                                                 event, others_connected):
    from deliberate.discussions import presence

    standard = make_standard()
    room = f"standard:{standard.id}"
    payloads = {"join": {"room": room}, "catch_up": {"last_event_id": 0, "rooms": [room]},
                "announce_presence": {"room": room}}
    bystander = connect(served) if others_connected else None
    leaving_reader(app, monkeypatch)
    caplog.set_level(logging.INFO)
    presence.reset()
    client = connect(served)
    try:
        client.emit(event, payloads[event])
        assert handled.setdefault(event, threading.Event()).wait(TIMEOUT), f"{event} was never handled"
    finally:
        for sock in (client, bystander):
            if sock is not None:
                close(app, sock)
    assert errors(caplog) == []
    assert presence.snapshot(room)["visitors"] == 0, "a reader who left is still counted"


def test_the_refusal_is_gone_in_the_one_shape(app, socket_for, network, monkeypatch):
    """With the test client: the handler for a socket that disconnected answers ``gone``."""
    from deliberate.realtime import adapter

    sock = socket_for("observer")
    room = f"standard:{network['standard'].id}"
    monkeypatch.setattr(adapter, "join_room", lambda room: (_ for _ in ()).throw(KeyError("sid")))
    for event, data in [("join", {"room": room}), ("catch_up", {"last_event_id": 0, "rooms": [room]}),
                        ("announce_presence", {"room": room})]:
        ack = sock.emit(event, data, callback=True)
        assert ack["ok"] is False and ack["code"] == "gone", (event, ack)


def test_a_reader_gone_after_joining_is_not_left_in_presence(app, served, handled, make_standard, monkeypatch,
                                                             caplog):
    """The socket leaves after it joined the room but before presence counts it: its disconnect
    has already forgotten it, so announce_presence must not count it afterwards."""
    from deliberate.discussions import presence

    standard = make_standard()
    room = f"standard:{standard.id}"
    enter = presence.enter

    def leave_then_enter(*args, **kwargs):
        leave_now(app)
        return enter(*args, **kwargs)

    monkeypatch.setattr(presence, "enter", leave_then_enter)
    caplog.set_level(logging.INFO)
    presence.reset()
    client = connect(served)
    try:
        client.emit("announce_presence", {"room": room})
        assert handled.setdefault("announce_presence", threading.Event()).wait(TIMEOUT)
    finally:
        close(app, client)
    assert presence.snapshot(room)["visitors"] == 0, "a reader who left is still counted"
    assert errors(caplog) == []
