"""Reconnect catch-up: the events missed since the last one seen, from the events table, filtered
by what the person may read, in order and under their own names."""
import pytest
from sqlalchemy import func, select

from deliberate.discussions import services
from deliberate.extensions import db
from deliberate.proposals import services as proposals
from deliberate.realtime import catch_up
from deliberate.realtime.events import Event
from deliberate.standards import services as standards


def last_event_id():
    return db.session.scalar(select(func.max(Event.id))) or 0


def replayed(sock):
    return [(m["name"], m["args"][0]) for m in sock.get_received()]


def say(network, body, actor="delegate", kind="section", ident=None):
    return services.post_comment(actor=network[actor], subject_kind=kind,
                                 subject_id=network["section"].id if ident is None else ident, body=body)


def test_a_reconnecting_client_gets_exactly_what_it_missed(socket_for, network):
    room = f"standard:{network['standard'].id}"
    say(network, "Seen before")
    seen = last_event_id()
    first = say(network, "Missed one")
    section = network["section"]
    standards.revise_section(actor=network["steward"], section=section, title=section.title, body="New text",
                             message="Clearer", base_revision_id=section.head_revision_id)
    services.edit_comment(actor=network["delegate"], comment_id=first.id, body="Missed one, reworded")
    sock = socket_for("observer")
    ack = sock.emit("catch_up", {"last_event_id": seen, "rooms": [room]}, callback=True)
    events = replayed(sock)
    assert [name for name, _ in events] == ["comment_posted", "section_revised", "comment_edited"]
    ids = [payload["id"] for _, payload in events]
    assert ids == sorted(ids) and ids[0] > seen
    assert all(payload["kind"] == name and payload["scope"] == room for name, payload in events)
    assert events[0][1]["html"] == "<p>Missed one</p>\n" and events[2][1]["html"] == "<p>Missed one, reworded</p>\n"
    assert ack == {"ok": True, "replayed": 3, "last_event_id": ids[-1], "more": False, "refused": []}
    # Nothing new: nothing replayed, the cursor stays.
    again = sock.emit("catch_up", {"last_event_id": ids[-1], "rooms": [room]}, callback=True)
    assert again["replayed"] == 0 and again["last_event_id"] == ids[-1] and sock.get_received() == []


def test_catch_up_joins_the_rooms_so_nothing_falls_between_replay_and_live(socket_for, network):
    room = f"standard:{network['standard'].id}"
    sock = socket_for("observer")
    sock.emit("catch_up", {"last_event_id": last_event_id(), "rooms": [room]}, callback=True)
    comment = say(network, "After the catch-up")
    assert [p["comment_id"] for n, p in replayed(sock) if n == "comment_posted"] == [comment.id]


def test_catch_up_is_filtered_by_what_the_person_may_read(socket_for, network, make_delegate):
    section = network["section"]
    draft = proposals.propose_amendment(actor=network["delegate"], standard=network["standard"], kind="modify",
                                        section=section, summary="Private for now", proposed_title=section.title,
                                        proposed_body="Other words.")
    start = last_event_id()
    say(network, "Draft talk", kind="amendment", ident=draft.id)
    say(network, "Public talk")
    rooms = [f"amendment:{draft.id}", f"standard:{network['standard'].id}", f"user:{network['delegate'].id}",
             "stewards", "nonsense:room", "standard:999999"]
    outsider = socket_for(make_delegate(coop=network["member"]))
    ack = outsider.emit("catch_up", {"last_event_id": start, "rooms": rooms}, callback=True)
    got = replayed(outsider)
    assert [p["html"] for _, p in got] == ["<p>Public talk</p>\n"]
    assert ack["refused"] == [f"amendment:{draft.id}", f"user:{network['delegate'].id}", "stewards",
                              "nonsense:room", "standard:999999"]
    author = socket_for("delegate")
    author.emit("catch_up", {"last_event_id": start, "rooms": rooms}, callback=True)
    assert [p["html"] for _, p in replayed(author)] == ["<p>Draft talk</p>\n", "<p>Public talk</p>\n"]


def test_a_comment_hidden_since_is_replayed_as_its_reason(socket_for, network):
    start = last_event_id()
    comment = say(network, "Words a steward will hide")
    services.hide_comment(actor=network["steward"], comment_id=comment.id, reason="Personal details")
    room = f"standard:{network['standard'].id}"
    observer = socket_for("observer")
    observer.emit("catch_up", {"last_event_id": start, "rooms": [room]}, callback=True)
    got = replayed(observer)
    assert [name for name, _ in got] == ["comment_posted", "comment_hidden"]
    assert "Words a steward" not in str(got)
    assert all(p["html"] == '<p class="hidden-notice">Hidden by a steward: Personal details</p>' for _, p in got)
    steward = socket_for("steward")
    steward.emit("catch_up", {"last_event_id": start, "rooms": [room]}, callback=True)
    assert "Words a steward" in replayed(steward)[0][1]["html"]


def test_long_absences_are_replayed_in_pages(socket_for, network, monkeypatch):
    monkeypatch.setattr(catch_up, "CATCH_UP_LIMIT", 2)
    start = last_event_id()
    for i in range(5):
        say(network, f"Comment {i}")
    sock = socket_for("observer")
    room, cursor, bodies = f"standard:{network['standard'].id}", start, []
    while True:
        ack = sock.emit("catch_up", {"last_event_id": cursor, "rooms": [room]}, callback=True)
        bodies += [p["html"] for _, p in replayed(sock)]
        cursor = ack["last_event_id"]
        if not ack["more"]:
            break
    assert bodies == [f"<p>Comment {i}</p>\n" for i in range(5)]


@pytest.mark.parametrize("payload", [
    None, [], {"rooms": "standard:1"}, {"last_event_id": -1, "rooms": []}, {"last_event_id": "5", "rooms": []},
    {"last_event_id": 0, "rooms": [1, 2]}, {"last_event_id": 0, "rooms": ["standard:1"] * 21},
])
def test_malformed_catch_ups_get_a_clear_refusal(socket_for, payload):
    sock = socket_for("observer")
    ack = sock.emit("catch_up", payload, callback=True)
    assert ack["ok"] is False and ack["error"] and sock.get_received() == []


def test_each_kind_is_replayed_through_the_redactor_its_feature_registered(socket_for, network, monkeypatch):
    section = network["section"]
    start = last_event_id()
    say(network, "Kept as said")
    standards.revise_section(actor=network["steward"], section=section, title=section.title, body="New text",
                             message="Clearer", base_revision_id=section.head_revision_id)
    asked = []

    def withhold_from_observers(person, message):
        asked.append((person, message["kind"]))
        return None if person is None else {**message, "message": "redacted"}

    monkeypatch.setitem(catch_up._REDACTORS, "section_revised", withhold_from_observers)
    room = f"standard:{network['standard'].id}"
    observer = socket_for("observer")
    ack = observer.emit("catch_up", {"last_event_id": start, "rooms": [room]}, callback=True)
    assert [name for name, _ in replayed(observer)] == ["comment_posted"] and ack["replayed"] == 1
    steward = socket_for("steward")
    steward.emit("catch_up", {"last_event_id": start, "rooms": [room]}, callback=True)
    assert [(name, p.get("message")) for name, p in replayed(steward) if name == "section_revised"] == [
        ("section_revised", "redacted")]
    assert asked == [(None, "section_revised"), (network["steward"], "section_revised")]


def test_realtime_names_no_features_event_kinds():
    """Features register their redactors and secret rooms; realtime holds no list of their kinds."""
    from pathlib import Path

    import deliberate.realtime

    source = "".join(path.read_text() for path in Path(deliberate.realtime.__file__).parent.glob("*.py"))
    for kind in ("comment_posted", "comment_hidden", "ballot_cast", "objection_raised", "section_revised"):
        assert f'"{kind}"' not in source, kind
