"""Every Socket.IO event × every role: one table, the expected acknowledgement for each.

The events are read from the Socket.IO server, so an event registered without a row here fails
``test_every_event_is_in_the_table``. Each event must also be rate limited
(deliberate/realtime/ratelimit.py). A refused event changes nothing in the database.

Roles and the world they act in are those of tests/web/test_authz_matrix.py (tests/authz_world.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import g

from deliberate.extensions import socketio
from deliberate.realtime.sync import ClientSession
from tests.authz_world import ROLES, every_row

# Who may send which event is decided before any write, in the same code on either database: the
# table runs once, on SQLite (the events' writes run on PostgreSQL in the other realtime tests).
pytestmark = pytest.mark.db_independent

OK = True
# Connecting and disconnecting are handled by Socket.IO itself for everyone (observers follow
# public pages live); they are checked separately below.
LIFECYCLE = {"connect", "disconnect"}


def roles(observer, delegate, other_delegate, suspended_delegate, steward) -> dict:
    return dict(observer=observer, delegate=delegate, other_delegate=other_delegate,
                suspended_delegate=suspended_delegate, steward=steward)


def everyone(value) -> dict:
    return roles(value, value, value, value, value)


@dataclass(frozen=True)
class Case:
    payload: dict
    expected: dict  # role → True (acknowledged ok) or the refusal's code
    before: tuple = ()  # events the same socket sends first, e.g. joining a document
    mutates: bool = False
    check: object = None  # (role, ack, ids) → None, asserting more about an accepted reply


def _catch_up_refuses_what_is_not_yours(role, ack, ids):
    assert ack["refused"] == ([] if role == "steward" else ["stewards"])


SECTION_DOC = "section:{section_id}"
AMENDMENT_DOC = "amendment:{amendment}"
COMMENTERS = roles("forbidden", OK, OK, "forbidden", OK)
EDITORS = roles("forbidden", OK, OK, "forbidden", OK)

TABLE: dict[str, list[Case]] = {
    "join": [
        Case({"room": "standard:{std_id}"}, everyone(OK)),
        Case({"room": "stewards"}, roles("forbidden", "forbidden", "forbidden", "forbidden", OK)),
        Case({"room": "user:{delegate_id}"}, roles("forbidden", OK, "forbidden", "forbidden", "forbidden")),
        Case({"room": "coedit_section:{section_id}"}, roles("forbidden", OK, OK, "forbidden", OK)),
    ],
    "leave": [Case({"room": "standard:{std_id}"}, everyone(OK))],
    "post_comment": [
        Case({"subject_kind": "standard", "subject_id": "{std_id}", "body": "Agreed.", "client_id": "matrix-1"},
             COMMENTERS, mutates=True),
        Case({"subject_kind": "amendment", "subject_id": "{draft}", "body": "On the draft."},
             roles("not_found", OK, "not_found", "not_found", OK), mutates=True),
    ],
    "edit_comment": [Case({"comment_id": "{comment}", "body": "Agreed, mostly."},
                          roles("forbidden", OK, "forbidden", "forbidden", "forbidden"), mutates=True)],
    "typing": [Case({"subject_kind": "standard", "subject_id": "{std_id}"}, COMMENTERS)],
    "announce_presence": [Case({"room": "standard:{std_id}"}, everyone(OK)),
                          Case({"room": "amendment:{draft}"}, roles("forbidden", OK, "forbidden", "forbidden", OK))],
    "end_presence": [Case({"room": "standard:{std_id}"}, everyone(OK))],
    "catch_up": [Case({"last_event_id": 0, "rooms": ["standard:{std_id}", "stewards"]}, everyone(OK),
                      check=_catch_up_refuses_what_is_not_yours)],
    "coedit_join": [
        Case({"doc": SECTION_DOC, "client_id": "matrix-{role}"}, EDITORS, mutates=True),
        Case({"doc": "amendment:{draft}", "client_id": "matrix-{role}"},
             roles("forbidden", OK, "forbidden", "forbidden", "forbidden"), mutates=True),
    ],
    "coedit_sync": [Case({"doc": SECTION_DOC, "client_id": "matrix-{role}", "message": "SYNC"}, EDITORS,
                         before=(("coedit_join", {"doc": SECTION_DOC, "client_id": "matrix-{role}"}),), mutates=True)],
    "coedit_save": [Case({"doc": SECTION_DOC, "message": "Saved from the matrix."}, EDITORS,
                         before=(("coedit_join", {"doc": SECTION_DOC, "client_id": "matrix-{role}"}),
                                 ("coedit_sync", {"doc": SECTION_DOC, "client_id": "matrix-{role}", "message": "SYNC"})),
                         mutates=True)],
    "coedit_leave": [Case({"doc": SECTION_DOC}, everyone(OK))],
}


def _registered_events(app) -> set[str]:
    return set(socketio.server.handlers.get("/", {}))


def test_every_event_is_in_the_table(app):
    events = _registered_events(app) - LIFECYCLE
    missing = sorted(events - set(TABLE))
    assert not missing, f"socket events without an authorization entry in {__name__}.TABLE: {missing}"
    assert not sorted(set(TABLE) - events), "entries for events that no longer exist"


def test_every_event_is_rate_limited(app):
    handlers = socketio.server.handlers["/"]
    unlimited = sorted(name for name, handler in handlers.items()
                       if name not in LIFECYCLE and not getattr(handler, "rate_limit", None))
    assert not unlimited, f"socket events without a rate limit: {unlimited}"


def _fill(value, ids):
    if isinstance(value, str):
        filled = value.format(**ids)
        return int(filled) if value.startswith("{") and value.endswith("}") and filled.isdigit() else filled
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.fixture
def ids(authz_world):
    return {**authz_world["ids"], "delegate_id": authz_world["person_ids"]["delegate"]}


@pytest.fixture
def socket_for(authz_client, connect_socket):
    """A Socket.IO test client signed in as a role of the authorization world."""
    return lambda role: connect_socket(authz_client(role))


def _emit(sock, event, payload, state):
    if payload.get("message") == "SYNC":  # a real diff-sync message that adds a sentence
        text = state.get("text", "")
        session = state.setdefault("session", ClientSession.start(text))
        payload = {**payload, "message": session.make_message(text + " Edited live.")}
    ack = sock.emit(event, payload, callback=True)
    if event == "coedit_join" and isinstance(ack, dict) and ack.get("ok"):
        state["text"] = ack["text"]
    return ack


def _outcome(ack):
    assert isinstance(ack, dict), ack
    if ack.get("ok"):
        return OK
    assert "Traceback" not in str(ack) and ack.get("error"), ack
    return ack.get("code", False)


CASES = [(event, n) for event, cases in sorted(TABLE.items()) for n in range(len(cases))]


@pytest.mark.parametrize("event, n", CASES, ids=[f"{e}-{n}" for e, n in CASES])
def test_event_role(socket_for, ids, event, n):
    case = TABLE[event][n]
    # Refusals first, against the untouched world; then the roles that may, one after the other.
    order = sorted(ROLES, key=lambda role: case.expected[role] is OK)
    sockets = {role: socket_for(role) for role in order}  # signing in writes; do it before the snapshot
    before = every_row()
    for role in order:
        sock = sockets[role]
        sock.get_received()
        state: dict = {}
        filled = {**ids, "role": role}
        for prior, payload in case.before:
            _emit(sock, prior, _fill(payload, filled), state)
        payload = _fill(case.payload, filled)
        ack = _emit(sock, event, payload, state)
        assert _outcome(ack) == case.expected[role], (event, role, ack)
        if case.expected[role] is not OK and case.mutates:
            assert every_row() == before, (event, role, "a refused event changed the database")
        if case.expected[role] is OK and case.check:
            case.check(role, ack, ids)


@pytest.mark.parametrize("role", ROLES)
def test_everyone_may_connect_and_disconnect(socket_for, authz_world, role):
    sock = socket_for(role)
    assert sock.is_connected()
    (connected,) = [m for m in sock.get_received() if m["name"] == "connected"]
    expected = None if role == "observer" else authz_world["person_ids"][role]
    assert connected["args"][0] == {"person_id": expected}
    sock.disconnect()
    assert not sock.is_connected()


@pytest.mark.parametrize("payload", [None, 7, "text", [], {"room": 5}, {"doc": {"$ne": 1}}, {"comment_id": "1 or 1=1"}])
@pytest.mark.parametrize("event", sorted(TABLE))
def test_malformed_payloads_are_refused_not_crashed(socket_for, event, payload):
    sock = socket_for("delegate")
    g.pop("_login_user", None)
    ack = sock.emit(event, payload if not isinstance(payload, dict) else {**payload, "client_id": "x"}, callback=True)
    assert isinstance(ack, dict) and "Traceback" not in str(ack)
    assert ack.get("ok") is False or event in {"leave", "coedit_leave", "end_presence"} or ack.get("ok") is True
    assert ack.get("code") != "server_error", (event, payload, ack)


def test_socket_writes_are_rate_limited_and_nothing_is_stored_over_the_limit(app, socket_for, ids):
    from sqlalchemy import func, select

    from deliberate.discussions.models import Comment
    from deliberate.extensions import db
    from deliberate.realtime import ratelimit

    app.config["RATELIMIT_ENABLED"] = True
    ratelimit.configure({**ratelimit.DEFAULT_LIMITS, "write": (3, 0.001)})
    try:
        sock = socket_for("delegate")
        acks = []
        for n in range(5):
            g.pop("_login_user", None)
            acks.append(sock.emit("post_comment", {"subject_kind": "standard", "subject_id": ids["std_id"],
                                                   "body": f"Comment {n}", "client_id": f"burst-{n}"}, callback=True))
        assert [a["ok"] for a in acks] == [True, True, True, False, False]
        assert acks[3]["code"] == "rate_limited" and "nothing was lost" in acks[3]["error"]
        posted = db.session.scalar(select(func.count()).select_from(Comment).where(Comment.body.like("Comment %")))
        assert posted == 3
        # Someone else is not slowed down by it.
        other = socket_for("other_delegate")
        g.pop("_login_user", None)
        assert other.emit("post_comment", {"subject_kind": "standard", "subject_id": ids["std_id"],
                                           "body": "Mine.", "client_id": "other-1"}, callback=True)["ok"]
    finally:
        ratelimit.configure()


@pytest.mark.parametrize("event, payload, field", [
    ("post_comment", {"subject_kind": "standard", "subject_id": "{std_id}", "body": "BIG"}, "body"),
    ("post_comment", {"subject_kind": "standard", "subject_id": "{std_id}", "body": "Hi", "quote": "BIG"}, "quote"),
    ("post_comment", {"subject_kind": "standard", "subject_id": "{std_id}", "body": "Hi", "client_id": "BIG"}, None),
    ("edit_comment", {"comment_id": "{comment}", "body": "BIG"}, "body"),
    ("coedit_sync", {"doc": SECTION_DOC, "client_id": "big-sync", "message": "BIGSYNC"}, None),
    ("coedit_save", {"doc": SECTION_DOC, "message": "BIG"}, "message"),
    ("join", {"room": "BIG"}, None),
    ("catch_up", {"last_event_id": 0, "rooms": ["BIG"] * 50}, None),
])
def test_oversized_socket_payloads_get_a_clear_refusal_and_store_nothing(socket_for, ids, event, payload, field):
    from deliberate import limits

    big = "x" * (limits.MAX_TEXT + 1)
    sock = socket_for("delegate")
    state: dict = {}
    if event.startswith("coedit"):
        _emit(sock, "coedit_join", {"doc": SECTION_DOC.format(**ids), "client_id": "big-sync"}, state)
    before = every_row()
    filled = _fill(payload, ids)
    if filled.get("message") == "BIGSYNC":  # a real sync message whose edit makes the text too long
        session = ClientSession.start(state["text"])
        filled["message"] = session.make_message(state["text"] + big)
    filled = {k: (big if v == "BIG" else [big if r == "BIG" else r for r in v] if isinstance(v, list) else v)
              for k, v in filled.items()}
    g.pop("_login_user", None)
    ack = sock.emit(event, filled, callback=True)
    assert ack["ok"] is False and ack.get("code") in {"invalid_input", "invalid"}, ack
    assert ack["error"] and "Traceback" not in str(ack)
    if field:
        assert field in ack.get("fields", {}) or "characters" in ack["error"], ack
    assert every_row() == before
