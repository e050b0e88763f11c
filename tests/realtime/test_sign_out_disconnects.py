"""Ending a sign-in disconnects its sockets on the server: signing out ends that browser's sockets,
signing out everywhere (or a new password, or erasure) every socket of the person, and nobody
else's. A disconnected socket receives nothing more from its rooms. Nothing is disconnected when
the change is rolled back. With a message queue the request reaches every process
(tests/realtime/test_two_processes.py runs two; the queue path is unit-tested here)."""
from __future__ import annotations

import pytest

from deliberate.database import unit_of_work
from deliberate.extensions import socketio
from deliberate.realtime import disconnect


@pytest.fixture
def browser(app, login, connect_socket):
    """``browser(person)``: a signed-in HTTP client (one sign-in) and a socket opened with its cookies."""

    def make(person):
        http = app.test_client()
        login(person, test_client=http)
        sock = connect_socket(http)
        sock.get_received()
        return http, sock

    return make


def _notice(person_id: int) -> None:
    socketio.emit("notice", {"text": "for you"}, to=f"user:{person_id}")


def test_signing_out_disconnects_that_sign_ins_sockets_only(browser, network, connect_socket):
    delegate = network["delegate"]
    laptop, laptop_socket = browser(delegate)
    second_tab = connect_socket(laptop)  # the same sign-in, another tab
    phone, phone_socket = browser(delegate)
    assert laptop.post("/signout").status_code == 302
    assert not laptop_socket.is_connected() and not second_tab.is_connected()
    assert phone_socket.is_connected()
    _notice(delegate.id)
    assert [m["name"] for m in phone_socket.get_received()] == ["notice"]


def test_signing_out_everywhere_disconnects_every_socket_of_the_person_and_nobody_elses(browser, network,
                                                                                         make_delegate):
    delegate = network["delegate"]
    someone = make_delegate(coop=network["member"], email="someone.else@example.org")
    laptop, laptop_socket = browser(delegate)
    _phone, phone_socket = browser(delegate)
    _other, other_socket = browser(someone)
    assert laptop.post("/account/sign-out-everywhere").status_code == 302
    assert not laptop_socket.is_connected() and not phone_socket.is_connected()
    assert other_socket.is_connected()


def test_a_new_password_disconnects_the_other_sessions_sockets(browser, network, login):
    delegate = network["delegate"]
    laptop, _laptop_socket = browser(delegate)
    _phone, phone_socket = browser(delegate)
    laptop.post("/account/confirm", data={"password": "a long test password"})
    response = laptop.post("/account/password", data={"current_password": "a long test password",
                                                      "new_password": "another long password",
                                                      "confirm": "another long password"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert not phone_socket.is_connected()
    assert laptop.get("/account").status_code == 200  # this browser goes on, as a new sign-in


def test_a_disconnected_socket_receives_nothing_more(browser, network):
    delegate = network["delegate"]
    laptop, sock = browser(delegate)
    assert sock.emit("join", {"room": f"standard:{network['standard'].id}"}, callback=True)["ok"]
    laptop.post("/signout")
    socketio.emit("notice", {"text": "for the standard"}, to=f"standard:{network['standard'].id}")
    _notice(delegate.id)
    assert not sock.is_connected()
    assert sock.queue == []  # what the server sent it (get_received refuses a disconnected client)
    rooms = socketio.server.manager.rooms.get("/", {})
    assert not [room for room, members in rooms.items() if sock.eio_sid in set(members._fwdm.values())]


def test_clients_cannot_join_a_sign_in_room(browser, network, connect_socket, app):
    _laptop, sock = browser(network["delegate"])
    for room in ("sign_in:1", "sign_in:2", "sign_in"):
        assert sock.emit("join", {"room": room}, callback=True)["ok"] is False


def test_nothing_is_disconnected_when_the_change_is_rolled_back(browser, network):
    _laptop, sock = browser(network["delegate"])
    with pytest.raises(RuntimeError), unit_of_work() as session:
        disconnect.disconnect_after_commit(session, f"user:{network['delegate'].id}")
        raise RuntimeError("the service failed")
    assert sock.is_connected()
    with unit_of_work() as session:
        disconnect.disconnect_after_commit(session, f"user:{network['delegate'].id}")
    assert not sock.is_connected()


def _sign_in_of(sock) -> int:
    """The sign-in room a test socket is in."""
    rooms = socketio.server.manager.rooms.get("/", {})
    found = [int(room.split(":")[1]) for room, members in rooms.items()
             if isinstance(room, str) and room.startswith("sign_in:") and sock.eio_sid in set(members._fwdm.values())]
    assert len(found) == 1, found
    return found[0]


def test_through_a_message_queue_every_process_disconnects_its_own_sockets(browser, network, monkeypatch):
    """The request travels as a close_room message flagged ``disconnect``: the sending process
    handles it itself and publishes it, and a listening process (the same wrapped handler)
    disconnects its own members of the room."""
    from socketio import PubSubManager

    server = socketio.server
    _laptop, laptop_socket = browser(network["delegate"])
    _phone, phone_socket = browser(network["delegate"])
    laptop_room = f"sign_in:{_sign_in_of(laptop_socket)}"
    manager = server.manager
    published = []
    # This process's manager becomes a queue-backed one (what SOCKETIO_MESSAGE_QUEUE gives), after
    # the test clients connected (they refuse to connect through a queue).
    queue_manager = type("QueueManager", (PubSubManager,), {"_publish": lambda self, message: published.append(message)})
    monkeypatch.setattr(manager, "__class__", queue_manager)
    monkeypatch.setattr(manager, "host_id", "this-process", raising=False)
    disconnect.install(server)

    # What another process published reaches this one's listener: its sockets in the room go.
    manager._handle_close_room({"method": "close_room", "room": laptop_room, "namespace": "/", "host_id": "other",
                                "disconnect": True})
    assert not laptop_socket.is_connected() and phone_socket.is_connected()

    # What this process asks for is done here and published for the others.
    room = f"user:{network['delegate'].id}"
    disconnect.disconnect_room(room)
    assert not phone_socket.is_connected()
    assert published == [{"method": "close_room", "room": room, "namespace": "/", "host_id": "this-process",
                          "disconnect": True}]

