"""A WebSocket the server closes while the browser's own close is arriving (a sign-out ending its
sockets, a tab closed at that moment) closes without an error in any thread.

simple-websocket's ``close`` checks that the socket is still connected, then has wsproto send a
close frame; the reader thread may have taken the peer's close in between, and wsproto, closed by
then, refuses. The race was seen once in the suite (tests/realtime/test_socket_gone.py failed on
Engine.IO's writer thread); here it is made to happen every time.
"""
from __future__ import annotations

import socket

import pytest
from simple_websocket.ws import Base
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import AcceptConnection, CloseConnection, Request


def _open_pair() -> tuple[WSConnection, WSConnection]:
    """A client and a server wsproto connection after the opening handshake."""
    client, server = WSConnection(ConnectionType.CLIENT), WSConnection(ConnectionType.SERVER)
    server.receive_data(client.send(Request(host="localhost", target="/socket.io/")))
    next(server.events())
    client.receive_data(server.send(AcceptConnection()))
    next(client.events())
    return client, server


def _closed_by_both_sides() -> WSConnection:
    """A server-side wsproto connection after a close handshake the client began."""
    client, server = _open_pair()
    server.receive_data(client.send(CloseConnection(code=1000)))
    close = next(server.events())
    server.send(close.response())  # what the reader thread answers
    assert server.state is ConnectionState.CLOSED
    return server


@pytest.fixture
def racing_socket(app):
    """A simple-websocket endpoint whose reader has just handled the peer's close, before it has
    marked the socket disconnected: where Engine.IO's writer thread calls ``close``."""
    ours, theirs = socket.socketpair()
    endpoint = Base.__new__(Base)
    endpoint.sock, endpoint.ws, endpoint.connected = ours, _closed_by_both_sides(), True
    endpoint.close_reason, endpoint.close_message = 1000, None
    yield endpoint
    ours.close()
    theirs.close()


def test_closing_a_socket_the_peer_has_just_closed_is_quiet(racing_socket):
    racing_socket.close()
    assert racing_socket.connected is False


def test_closing_an_open_socket_still_sends_the_close_frame(app):
    client, server = _open_pair()
    ours, theirs = socket.socketpair()
    endpoint = Base.__new__(Base)
    endpoint.sock, endpoint.ws, endpoint.connected = ours, server, True
    endpoint.close()
    client.receive_data(theirs.recv(64))
    assert isinstance(next(client.events()), CloseConnection) and endpoint.connected is False
    ours.close()
    theirs.close()
