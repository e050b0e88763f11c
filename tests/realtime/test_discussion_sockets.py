"""Discussion socket events with the Socket.IO test client: who receives what, and what may be done."""
import pytest
from sqlalchemy import func, select

from deliberate.discussions import services
from deliberate.discussions.models import Comment
from deliberate.extensions import db
from deliberate.proposals import services as proposals
from deliberate.realtime.events import Event
from tests.realtime.support import comment_payload


def received(sock, name=None):
    messages = sock.get_received()
    return [m["args"][0] if m["args"] else None for m in messages if name is None or m["name"] == name]


def names(sock):
    return [m["name"] for m in sock.get_received()]


def joined(sock, room):
    assert sock.emit("join", {"room": room}, callback=True)["ok"], room
    sock.get_received()
    return sock


@pytest.fixture
def draft(network):
    s = network["section"]
    return proposals.propose_amendment(actor=network["delegate"], standard=network["standard"], kind="modify",
                                       section=s, summary="Say it plainly.", proposed_title=s.title,
                                       proposed_body="Members own and run the platform.")


# Posting over the socket ------------------------------------------------------------------

def test_members_of_the_room_receive_a_comment_and_others_nothing(socket_for, network):
    room = f"standard:{network['standard'].id}"
    author, follower, bystander = socket_for("delegate"), socket_for("observer"), socket_for("steward")
    joined(author, room), joined(follower, room)
    ack = author.emit("post_comment", comment_payload(network), callback=True)
    comment = db.session.get(Comment, ack["comment_id"])
    assert ack == {"ok": True, "comment_id": comment.id, "event_id": comment.posted_event_id,
                   "thread_id": comment.thread_id, "client_id": "c-8f14e45f-ceea"}
    (event,) = received(follower, "comment_posted")
    assert event["id"] == ack["event_id"] and event["scope"] == room and event["kind"] == "comment_posted"
    assert event["comment_id"] == comment.id and event["html"] == "<p>Live <strong>words</strong></p>\n"
    assert event["author_name"] == network["delegate"].name and event["coop_name"] == "Kazi Riders"
    assert event["client_id"] == "c-8f14e45f-ceea" and event["parent_id"] is None
    # The sender updates its page through the same event as everyone else.
    assert [e["comment_id"] for e in received(author, "comment_posted")] == [comment.id]
    assert bystander.get_received() == []


def test_a_retry_with_the_same_client_id_gets_the_same_ack_and_one_comment(socket_for, network):
    sock = joined(socket_for("delegate"), f"standard:{network['standard'].id}")
    first = sock.emit("post_comment", comment_payload(network), callback=True)
    assert len(received(sock, "comment_posted")) == 1
    second = sock.emit("post_comment", comment_payload(network), callback=True)
    assert second == first
    assert received(sock, "comment_posted") == []
    assert db.session.scalar(select(func.count(Comment.id))) == 1
    assert db.session.scalar(select(func.count(Event.id)).where(Event.kind == "comment_posted")) == 1
    # A new connection (a reconnect) retrying the same post gets the same answer too.
    assert socket_for("delegate").emit("post_comment", comment_payload(network), callback=True) == first


@pytest.mark.parametrize("role, code", [("observer", "forbidden"), ("suspended_delegate", "forbidden")])
def test_people_without_a_voice_cannot_post(socket_for, network, role, code):
    follower = joined(socket_for("observer"), f"standard:{network['standard'].id}")
    ack = socket_for(role).emit("post_comment", comment_payload(network), callback=True)
    assert ack["ok"] is False and ack["code"] == code and ack["error"]
    assert db.session.scalar(select(func.count(Comment.id))) == 0
    assert follower.get_received() == []


@pytest.mark.parametrize("payload", [
    None, "text", [], {},
    {"subject_kind": "section", "subject_id": "1", "body": "x"},
    {"subject_kind": "section", "subject_id": True, "body": "x"},
    {"subject_kind": "section", "subject_id": 1, "body": 5},
    {"subject_kind": "section", "subject_id": 1, "body": "x", "anchor": "p1"},
    {"subject_kind": "section", "subject_id": 1, "body": "x", "client_id": "no spaces allowed"},
    {"subject_kind": "section", "subject_id": 1, "body": "x", "coop_id": 999999},
    {"subject_kind": "poll", "subject_id": 1, "body": "x"},
    {"subject_kind": "section", "subject_id": 1, "body": ""},
])
def test_malformed_posts_get_a_clear_refusal(socket_for, network, payload):
    ack = socket_for("delegate").emit("post_comment", payload, callback=True)
    assert ack["ok"] is False and ack["error"]
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_a_comment_body_with_script_travels_inert(socket_for, network):
    sock = joined(socket_for("delegate"), f"standard:{network['standard'].id}")
    sock.emit("post_comment", comment_payload(network, body="<script>alert(1)</script> [x](javascript:alert(1))",
                                              quote="<img src=x onerror=alert(1)>"), callback=True)
    (event,) = received(sock, "comment_posted")
    assert "<script" not in event["html"] and "&lt;script&gt;" in event["html"]
    assert 'href="javascript' not in event["html"]
    # Quotes are sent as text for the client to insert with textContent, never as HTML.
    assert event["quote"] == "<img src=x onerror=alert(1)>"


# Edits and moderation arrive live ---------------------------------------------------------

def test_edits_and_hiding_reach_the_room(socket_for, network):
    room = f"standard:{network['standard'].id}"
    author, follower = joined(socket_for("delegate"), room), joined(socket_for("observer"), room)
    comment_id = author.emit("post_comment", comment_payload(network, body="Rough words"), callback=True)["comment_id"]
    follower.get_received(), author.get_received()
    refused = socket_for("steward").emit("edit_comment", {"comment_id": comment_id, "body": "Not mine"}, callback=True)
    assert refused["ok"] is False and refused["code"] == "forbidden"
    ack = author.emit("edit_comment", {"comment_id": comment_id, "body": "Kind words"}, callback=True)
    (edited,) = received(follower, "comment_edited")
    assert ack == {"ok": True, "comment_id": comment_id, "event_id": edited["id"]}
    assert edited["html"] == "<p>Kind words</p>\n" and edited["edited_at"]
    services.hide_comment(actor=network["steward"], comment_id=comment_id, reason="Still off topic")
    (hidden,) = received(follower, "comment_hidden")
    assert hidden["hidden"] is True and "Kind words" not in str(hidden)
    assert hidden["html"] == '<p class="hidden-notice">Hidden by a steward: Still off topic</p>'


# Private drafts ---------------------------------------------------------------------------

@pytest.mark.parametrize("role, allowed", [("observer", False), ("suspended_delegate", False),
                                           ("outsider", False), ("delegate", True), ("steward", True)])
def test_only_authors_and_stewards_join_a_draft_amendments_room(socket_for, network, make_delegate, draft, role,
                                                                 allowed):
    who = make_delegate(coop=network["member"]) if role == "outsider" else role
    sock = socket_for(who)
    room = f"amendment:{draft.id}"
    assert sock.emit("join", {"room": room}, callback=True)["ok"] is allowed
    assert sock.emit("announce_presence", {"room": room}, callback=True)["ok"] is allowed
    services.post_comment(actor=network["delegate"], subject_kind="amendment", subject_id=draft.id, body="Between us")
    assert ("comment_posted" in names(sock)) is allowed


def test_an_outsider_cannot_post_type_or_edit_in_a_draft(socket_for, network, make_delegate, draft):
    outsider = socket_for(make_delegate(coop=network["member"]))
    ack = outsider.emit("post_comment", {"subject_kind": "amendment", "subject_id": draft.id, "body": "Let me in"},
                        callback=True)
    assert ack["ok"] is False and ack["code"] == "not_found"
    comment = services.post_comment(actor=network["delegate"], subject_kind="amendment", subject_id=draft.id,
                                    body="Between us")
    assert outsider.emit("typing", {"thread_id": comment.thread_id}, callback=True)["ok"] is False
    assert outsider.emit("edit_comment", {"comment_id": comment.id, "body": "x"}, callback=True)["code"] == "not_found"
    once_open = proposals.open_amendment(actor=network["delegate"], amendment=draft)
    assert outsider.emit("join", {"room": f"amendment:{once_open.id}"}, callback=True)["ok"] is True


# Typing and presence ---------------------------------------------------------------------

def test_typing_is_shown_to_the_others_and_stored_nowhere(socket_for, network):
    room = f"standard:{network['standard'].id}"
    writer, reader = joined(socket_for("delegate"), room), joined(socket_for("observer"), room)
    before = db.session.scalar(select(func.count(Event.id)))
    ack = writer.emit("typing", {"subject_kind": "section", "subject_id": network["section"].id}, callback=True)
    assert ack == {"ok": True}
    (signal,) = received(reader, "typing_started")
    assert signal == {"thread_id": None, "subject_kind": "section", "subject_id": network["section"].id,
                      "person_id": network["delegate"].id, "name": network["delegate"].name}
    assert received(writer, "typing_started") == []
    comment = services.post_comment(actor=network["steward"], subject_kind="section", subject_id=network["section"].id,
                                    body="Hi")
    reader.get_received()
    writer.emit("typing", {"thread_id": comment.thread_id}, callback=True)
    assert received(reader, "typing_started")[0]["thread_id"] == comment.thread_id
    assert db.session.scalar(select(func.count(Event.id))) == before + 1  # only the comment
    assert socket_for("observer").emit("typing", {"thread_id": comment.thread_id}, callback=True)["ok"] is False
    assert socket_for("delegate").emit("typing", {"thread_id": 999999}, callback=True)["ok"] is False


def test_presence_shows_who_is_reading_and_forgets_who_left(socket_for, network):
    room = f"standard:{network['standard'].id}"
    delegate, steward, observer = socket_for("delegate"), socket_for("steward"), socket_for("observer")
    first = delegate.emit("announce_presence", {"room": room}, callback=True)
    assert first["ok"] and [p["id"] for p in first["people"]] == [network["delegate"].id]
    steward.emit("announce_presence", {"room": room}, callback=True)
    observer.emit("announce_presence", {"room": room}, callback=True)
    state = received(delegate, "presence_changed")[-1]
    assert state["room"] == room and state["visitors"] == 1
    assert {p["name"] for p in state["people"]} == {network["delegate"].name, network["steward"].name}
    steward.disconnect()
    state = received(delegate, "presence_changed")[-1]
    assert [p["id"] for p in state["people"]] == [network["delegate"].id] and state["visitors"] == 1
    observer.emit("end_presence", {"room": room}, callback=True)
    assert received(delegate, "presence_changed")[-1]["visitors"] == 0
    # A second tab of the same person counts once.
    socket_for("delegate").emit("announce_presence", {"room": room}, callback=True)
    assert len(received(delegate, "presence_changed")[-1]["people"]) == 1


@pytest.mark.parametrize("room", ["user:1", "stewards", "network", "standard:999999", "standard", 5, "x" * 80])
def test_presence_is_only_for_pages_one_may_read(socket_for, room):
    ack = socket_for("delegate").emit("announce_presence", {"room": room}, callback=True)
    assert ack["ok"] is False and ack["error"]


def test_disconnecting_runs_every_features_hook_even_after_one_fails(socket_for, network, monkeypatch):
    from deliberate.realtime import handlers

    calls = []

    def broken(sid):
        calls.append(("broken", sid))
        raise RuntimeError("a feature's clean-up failed")

    monkeypatch.setattr(handlers, "_disconnect_hooks", [broken, *handlers._disconnect_hooks,
                                                        lambda sid: calls.append(("last", sid))])
    socket_for("delegate").disconnect()
    assert [name for name, _sid in calls] == ["broken", "last"]
    assert calls[0][1] == calls[1][1]
