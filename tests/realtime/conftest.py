"""Socket.IO test clients, shared by the realtime test modules."""
from __future__ import annotations

import pytest


@pytest.fixture
def connect_socket(app, monkeypatch):
    """``connect_socket(http)``: a Socket.IO test client sharing the session of the HTTP test client
    ``http`` (signed in or not). Every client still connected is disconnected at the end, and the
    discussions' presence starts and ends empty."""
    from flask import g

    from deliberate.coediting import sockets as coediting_sockets
    from deliberate.discussions import presence
    from deliberate.extensions import socketio

    # Test sockets share the app context the ``app`` fixture pushed, and with it ``g``: make each
    # socket event load its own user, as it does in production (one context per event).
    handle = socketio._handle_event

    def fresh_user(*args, **kwargs):
        g.pop("_login_user", None)
        return handle(*args, **kwargs)

    monkeypatch.setattr(socketio, "_handle_event", fresh_user)
    presence.reset()
    # Ids come back after each test's database is restored: a document announced by the previous
    # test would have its first announcement here folded (coediting/announcing.py).
    coediting_sockets._announcer.reset()
    clients = []

    def connect(http):
        sock = socketio.test_client(app, flask_test_client=http)
        clients.append(sock)
        return sock

    yield connect
    for sock in clients:
        if sock.is_connected():
            sock.disconnect()
    presence.reset()


@pytest.fixture
def socket_for(app, network, login, connect_socket):
    """``socket_for(who)``: a Socket.IO test client for a role of ``network`` (``observer`` stays
    anonymous) or a Person, signed in through the real form. What the server sends on connecting
    is read and dropped, unless ``drain=False``."""

    def make(who, drain=True):
        http = app.test_client()
        if who != "observer":
            login(network[who] if isinstance(who, str) else who, test_client=http)
        sock = connect_socket(http)
        if drain:
            sock.get_received()
        return sock

    return make
