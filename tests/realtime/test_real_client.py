"""A real python-socketio client over a real port: cookies, rooms, events published after commit.

The Socket.IO test client skips the network, the cookie handshake and the Origin check; these
tests go through all three against the app served by Werkzeug (as ``deliberate.serve`` does).
"""
from __future__ import annotations

import queue
import re

import pytest
import requests
import socketio
from sqlalchemy import select

from tests.live_server import engineio_server, serving, wait_until

TIMEOUT = 5
PASSWORD = "a real-client test password"


@pytest.fixture
def app_config():
    # Real forms: the sign-in below reads the CSRF token from the page. No SERVER_NAME: the
    # server answers on 127.0.0.1:<port>.
    return {"WTF_CSRF_ENABLED": True, "SERVER_NAME": None}


@pytest.fixture
def live_server(app):
    with serving(app) as base_url:
        yield base_url


class Listener:
    """A connected client and the events it received, in order."""

    def __init__(self, client: socketio.Client, events: queue.Queue):
        self.client = client
        self._events = events

    def next_event(self, name: str, timeout: float = TIMEOUT) -> dict:
        """The next ``name`` event (others received before it are skipped)."""
        try:
            while True:
                event, data = self._events.get(timeout=timeout)
                if event == name:
                    return data
        except queue.Empty:
            raise AssertionError(f"no {name!r} event within {timeout}s") from None


@pytest.fixture
def connect(app, live_server):
    """Connect a real client (``headers`` as the browser would send them); disconnected after."""
    clients: list[socketio.Client] = []

    def do(headers: dict[str, str] | None = None, transports: list[str] | None = None,
           **client_options) -> Listener:
        client = socketio.Client(reconnection=False, **client_options)
        clients.append(client)
        events: queue.Queue = queue.Queue()
        for name in ("connected", "section_revised"):
            client.on(name, lambda data, name=name: events.put((name, data)))
        client.connect(live_server, headers=dict(headers or {}), transports=transports, wait_timeout=TIMEOUT)
        return Listener(client, events)

    yield do
    # The server closes the connections, as on shutdown: Client.disconnect() over WebSocket would
    # wait 3 s for a close-frame reply that the Werkzeug server never reads as one.
    sockets = engineio_server(app).sockets
    for client in clients:
        socket = sockets.get(client.eio.sid) if client.connected else None
        if socket is not None:
            socket.close(wait=False)
            wait_until(lambda client=client: not client.connected, timeout=TIMEOUT, message="the client to disconnect")


def csrf_token(html: str) -> str:
    tag = re.search(r'<input[^>]*\bname="csrf_token"[^>]*>', html)
    assert tag, "no csrf_token input on the page"
    value = re.search(r'\bvalue="([^"]+)"', tag.group(0))
    assert value, tag.group(0)
    return value.group(1)


def sign_in(base_url: str, email: str, password: str) -> str:
    """Sign in through the real form over HTTP; returns the Cookie header for the session."""
    with requests.Session() as http:
        page = http.get(f"{base_url}/signin", timeout=TIMEOUT)
        assert page.status_code == 200
        response = http.post(f"{base_url}/signin", allow_redirects=False, timeout=TIMEOUT,
                             data={"csrf_token": csrf_token(page.text), "email": email, "password": password})
        assert response.status_code == 302, response.text[:500]
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in http.cookies)


def test_signed_in_client_follows_a_standard_and_receives_a_revision(live_server, connect, make_delegate,
                                                                     make_standard):
    from deliberate.extensions import db
    from deliberate.realtime.events import Event
    from deliberate.standards import services

    delegate = make_delegate(password=PASSWORD)
    standard = make_standard()
    section = standard.sections[0]
    cookie = sign_in(live_server, delegate.email, PASSWORD)

    listener = connect(headers={"Cookie": cookie})
    assert listener.next_event("connected") == {"person_id": delegate.id}
    ack = listener.client.call("join", {"room": f"standard:{standard.id}"}, timeout=TIMEOUT)
    assert ack["ok"] is True, ack

    revision = services.revise_section(actor=delegate, section=section, title=section.title,
                                       body="Members own the platform, together.",
                                       message="Say it is shared", base_revision_id=section.head_revision_id)

    message = listener.next_event("section_revised")
    event = db.session.scalar(select(Event).where(Event.kind == "section_revised").order_by(Event.id.desc()))
    assert message["id"] == event.id
    assert message["section_id"] == section.id
    assert message["revision_id"] == revision.id
    assert message["scope"] == f"standard:{standard.id}"


def test_anonymous_client_cannot_join_a_persons_room(live_server, connect, make_delegate):
    delegate = make_delegate()

    listener = connect()

    assert listener.next_event("connected") == {"person_id": None}
    ack = listener.client.call("join", {"room": f"user:{delegate.id}"}, timeout=TIMEOUT)
    assert ack["ok"] is False


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_client_from_another_site_is_refused_at_connect(live_server, connect, transport):
    other_site = "https://elsewhere.example"
    if transport == "polling":
        options = {"headers": {"Origin": other_site}}
    else:  # websocket-client sets Origin itself: give it the other site's.
        options = {"websocket_extra_options": {"origin": other_site}}

    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(transports=[transport], **options)


@pytest.mark.parametrize("how", ["signout", "account/sign-out-everywhere"])
def test_signing_out_disconnects_a_real_client_and_its_copied_cookie_is_worthless(live_server, connect, make_delegate,
                                                                                  how):
    delegate = make_delegate(password=PASSWORD)
    with requests.Session() as http:
        page = http.get(f"{live_server}/signin", timeout=TIMEOUT)
        http.post(f"{live_server}/signin", allow_redirects=False, timeout=TIMEOUT,
                  data={"csrf_token": csrf_token(page.text), "email": delegate.email, "password": PASSWORD})
        copied = "; ".join(f"{cookie.name}={cookie.value}" for cookie in http.cookies)
        listener = connect(headers={"Cookie": copied})
        assert listener.next_event("connected") == {"person_id": delegate.id}

        account = http.get(f"{live_server}/account", timeout=TIMEOUT)
        response = http.post(f"{live_server}/{how}", allow_redirects=False, timeout=TIMEOUT,
                             data={"csrf_token": csrf_token(account.text)})
        assert response.status_code == 302

    wait_until(lambda: not listener.client.connected, timeout=TIMEOUT, message="the server to disconnect the client")
    again = connect(headers={"Cookie": copied})
    assert again.next_event("connected") == {"person_id": None}
    assert requests.get(f"{live_server}/account", headers={"Cookie": copied}, allow_redirects=False,
                        timeout=TIMEOUT).status_code == 302
