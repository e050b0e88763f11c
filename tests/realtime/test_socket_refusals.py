"""Every socket event refuses in one shape (deliberate/realtime/adapter.py, errors.socket_refusal):

    {"ok": False, "error": "<message>", "code": "<code>"}   plus "fields" when the refusal names some

EVENTS lists the client events; ``test_events_is_every_registered_client_event`` reads the Socket.IO
server, so an event registered later without a line here fails.
"""
from __future__ import annotations

import pytest
from flask import g

from deliberate import limits
from deliberate.errors import PermissionDenied, socket_refusal
from deliberate.extensions import socketio
from deliberate.realtime import ratelimit

LIFECYCLE = {"connect", "disconnect"}
SHAPE = {"ok", "error", "code"}


EVENTS = ["announce_presence", "catch_up", "coedit_join", "coedit_leave", "coedit_save", "coedit_sync",
          "edit_comment", "end_presence", "join", "leave", "post_comment", "typing"]


def test_events_is_every_registered_client_event(app):
    assert EVENTS == sorted(set(socketio.server.handlers["/"]) - LIFECYCLE)


def assert_refusal(ack, code: str, fields: bool = False) -> None:
    assert isinstance(ack, dict), ack
    assert set(ack) == (SHAPE | {"fields"} if fields else SHAPE), ack
    assert ack["ok"] is False and ack["code"] == code, ack
    assert isinstance(ack["error"], str) and ack["error"] and "Traceback" not in ack["error"], ack
    if fields:
        assert ack["fields"] and all(isinstance(k, str) and isinstance(v, list) and all(isinstance(m, str) for m in v)
                                     for k, v in ack["fields"].items()), ack


def test_there_are_client_events_and_each_is_registered_through_the_one_adapter(app):
    handlers = socketio.server.handlers["/"]
    bypassing = [name for name in EVENTS if getattr(handlers[name], "socket_event", None) != name]
    assert not bypassing, f"socket events registered without realtime.adapter.socket_event: {bypassing}"


@pytest.mark.parametrize("event", EVENTS)
@pytest.mark.parametrize("who", ["observer", "delegate"])
def test_a_payload_that_is_not_an_object_is_refused_in_the_one_shape(socket_for, event, who):
    sock = socket_for(who)
    g.pop("_login_user", None)
    assert_refusal(sock.emit(event, 7, callback=True), "invalid_input")


@pytest.mark.parametrize("event", EVENTS)
def test_an_event_over_its_rate_limit_is_refused_in_the_one_shape(app, socket_for, event):
    app.config["RATELIMIT_ENABLED"] = True
    ratelimit.configure({kind: (1, 1e-6) for kind in ratelimit.DEFAULT_LIMITS})
    try:
        sock = socket_for("delegate")
        for _attempt in range(2):
            g.pop("_login_user", None)
            ack = sock.emit(event, {}, callback=True)
        assert_refusal(ack, "rate_limited")
    finally:
        ratelimit.configure()
        app.config["RATELIMIT_ENABLED"] = False


@pytest.mark.parametrize("event, payload, code", [
    ("join", {"room": "stewards"}, "forbidden"),
    ("announce_presence", {"room": "standard:999999"}, "forbidden"),
    ("typing", {"subject_kind": "standard", "subject_id": "{std}"}, "forbidden"),
    ("post_comment", {"subject_kind": "standard", "subject_id": "{std}", "body": "Hi"}, "forbidden"),
    ("edit_comment", {"comment_id": 999999, "body": "Hi"}, "not_found"),
    ("coedit_join", {"doc": "section:{section}", "client_id": "c-1"}, "forbidden"),
    ("coedit_sync", {"doc": "section:{section}", "client_id": "c-1", "message": {}}, "forbidden"),
    ("coedit_save", {"doc": "section:{section}"}, "forbidden"),
    ("catch_up", {"last_event_id": -1, "rooms": []}, "invalid_input"),
])
def test_an_observers_refusals_have_the_one_shape(socket_for, network, event, payload, code):
    ids = {"std": network["standard"].id, "section": network["section"].id}
    filled = {k: (int(v.format(**ids)) if k == "subject_id" else v.format(**ids)) if isinstance(v, str) else v
              for k, v in payload.items()}
    assert_refusal(socket_for("observer").emit(event, filled, callback=True), code)


def test_a_refusal_naming_fields_keeps_them(socket_for, network):
    ack = socket_for("delegate").emit("post_comment", {"subject_kind": "standard", "subject_id": network["standard"].id,
                                                       "body": "x" * (limits.MAX_TEXT + 1)}, callback=True)
    assert_refusal(ack, "invalid_input", fields=True)
    assert "body" in ack["fields"]


def test_a_crash_is_acknowledged_in_the_same_shape_without_its_details(socket_for, network, monkeypatch, caplog):
    from deliberate.discussions import services

    def broken(**_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services, "post_comment", broken)
    ack = socket_for("delegate").emit("post_comment", {"subject_kind": "standard", "subject_id": network["standard"].id,
                                                       "body": "Hi"}, callback=True)
    assert_refusal(ack, "server_error")
    assert "secret internals" not in str(ack)


def test_socket_refusal_is_the_one_shape(app):
    assert socket_refusal(PermissionDenied("No.")) == {"ok": False, "error": "No.", "code": "forbidden"}
    assert socket_refusal(PermissionDenied("No.", field_errors={"body": ["Too long."]})) == {
        "ok": False, "error": "No.", "code": "forbidden", "fields": {"body": ["Too long."]}}
