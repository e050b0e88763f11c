"""Socket.IO with the test client: who may connect, join and receive what."""
import pytest

from deliberate.standards import services


def names(received):
    return [message["name"] for message in received]


def test_observers_connect_anonymously(socket_for):
    sock = socket_for("observer", drain=False)
    assert sock.is_connected()
    (connected,) = [m for m in sock.get_received() if m["name"] == "connected"]
    assert connected["args"][0] == {"person_id": None}


def test_signed_in_people_are_recognised_from_the_session(socket_for, network):
    sock = socket_for("delegate", drain=False)
    (connected,) = [m for m in sock.get_received() if m["name"] == "connected"]
    assert connected["args"][0] == {"person_id": network["delegate"].id}


@pytest.mark.parametrize("role, room, allowed", [
    ("observer", "standard:{std}", True),
    ("observer", "network", True),
    ("observer", "user:{delegate}", False),
    ("observer", "stewards", False),
    ("delegate", "user:{delegate}", True),
    ("delegate", "user:{steward}", False),
    ("delegate", "stewards", False),
    ("steward", "stewards", True),
    ("delegate", "standard:999999", False),
    ("delegate", "vote:1; DROP TABLE", False),
    ("delegate", "standard", False),
])
def test_joins_are_authorized(socket_for, network, role, room, allowed):
    sock = socket_for(role)
    room = room.format(std=network["standard"].id, delegate=network["delegate"].id, steward=network["steward"].id)
    ack = sock.emit("join", {"room": room}, callback=True)
    assert ack["ok"] is allowed


@pytest.mark.parametrize("payload", [None, "standard:1", {"room": 5}, {"room": "x" * 100}, []])
def test_malformed_joins_get_a_clear_refusal(socket_for, payload):
    ack = socket_for("delegate").emit("join", payload, callback=True)
    assert ack["ok"] is False and ack["error"]


def test_events_reach_the_room_after_commit_and_nobody_else(socket_for, network):
    standard, section = network["standard"], network["section"]
    follower, bystander = socket_for("observer"), socket_for("delegate")
    assert follower.emit("join", {"room": f"standard:{standard.id}"}, callback=True)["ok"]
    follower.get_received(), bystander.get_received()
    revision = services.revise_section(actor=network["steward"], section=section, title=section.title,
                                       body="Live text", message="Live", base_revision_id=section.head_revision_id)
    received = [m for m in follower.get_received() if m["name"] == "section_revised"]
    assert len(received) == 1
    payload = received[0]["args"][0]
    assert payload["revision_id"] == revision.id and payload["section_id"] == section.id
    assert isinstance(payload["id"], int) and payload["scope"] == f"standard:{standard.id}"
    assert "section_revised" not in names(bystander.get_received())


def test_a_refused_change_publishes_nothing(socket_for, network):
    from deliberate.errors import Conflict

    standard, section = network["standard"], network["section"]
    follower = socket_for("observer")
    follower.emit("join", {"room": f"standard:{standard.id}"}, callback=True)
    follower.get_received()
    with pytest.raises(Conflict):
        services.revise_section(actor=network["steward"], section=section, title="T", body="B", message="M",
                                base_revision_id=-1)
    assert follower.get_received() == []


def test_steward_room_gets_registrations_only_for_stewards(socket_for, network):
    from deliberate.members.services import register_coop

    steward_sock, delegate_sock = socket_for("steward"), socket_for("delegate")
    steward_sock.get_received(), delegate_sock.get_received()
    register_coop(actor=network["steward"], name="Brand New", country="PT", kind="platform")
    assert "coop_registered" in names(steward_sock.get_received())
    assert "coop_registered" not in names(delegate_sock.get_received())


def test_leaving_a_room_stops_its_events(socket_for, network):
    standard, section = network["standard"], network["section"]
    sock = socket_for("observer")
    room = f"standard:{standard.id}"
    sock.emit("join", {"room": room}, callback=True)
    assert sock.emit("leave", {"room": room}, callback=True) == {"ok": True}
    sock.get_received()
    services.revise_section(actor=network["steward"], section=section, title=section.title, body="Quiet",
                            message="M", base_revision_id=section.head_revision_id)
    assert sock.get_received() == []


def test_a_standards_room_asks_the_standards_own_permission(socket_for, network, monkeypatch):
    """Joining ``standard:N`` is decided by standards.permissions.can_read_standard, not by the
    standard merely existing: a standard its rule hides is not followed live either."""
    from deliberate.standards import permissions

    asked = []

    def hidden(person, standard):
        asked.append(standard.id)
        return False

    monkeypatch.setattr(permissions, "can_read_standard", hidden)
    room = f"standard:{network['standard'].id}"
    sock = socket_for("delegate")
    assert sock.emit("join", {"room": room}, callback=True)["ok"] is False
    assert sock.emit("announce_presence", {"room": room}, callback=True)["ok"] is False
    assert sock.emit("catch_up", {"last_event_id": 0, "rooms": [room]}, callback=True)["refused"] == [room]
    assert asked == [network["standard"].id] * 3
