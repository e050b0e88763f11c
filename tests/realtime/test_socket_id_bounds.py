"""Ids sent over Socket.IO (room names, comment and topic ids, documents to co-edit, the last event
seen): out of the id columns' range or written in other digits, they are refused in the one refusal
shape, never a ``server_error`` (the database refused them) and never read as another id."""
from __future__ import annotations

import pytest

BIG = [2**31, 2**63, 2**70]
ROOM_IDS = [str(n) for n in BIG] + ["0", "١", "１", "²", "00", "-1"]


@pytest.mark.parametrize("ident", ROOM_IDS)
@pytest.mark.parametrize("kind", ["standard", "amendment", "vote", "user", "coedit_section", "coedit_amendment"])
def test_rooms_with_ids_out_of_range_cannot_be_joined(socket_for, kind, ident):
    sock = socket_for("delegate")
    ack = sock.emit("join", {"room": f"{kind}:{ident}"}, callback=True)
    assert ack["ok"] is False and ack["code"] == "forbidden", (kind, ident, ack)


def test_a_room_id_in_other_digits_is_not_read_as_that_id(socket_for, network):
    sock = socket_for("delegate")
    standard = network["standard"].id
    assert sock.emit("join", {"room": f"standard:{standard}"}, callback=True)["ok"] is True
    arabic = str(standard).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert sock.emit("join", {"room": f"standard:{arabic}"}, callback=True)["ok"] is False


@pytest.mark.parametrize("value", [*BIG, 0, -1, "12", "١٢", 1.5, True])
@pytest.mark.parametrize("field", ["parent_id", "thread_id", "subject_id"])
def test_comment_ids_out_of_range_are_refused(socket_for, network, field, value):
    sock = socket_for("delegate")
    payload = {"subject_kind": "standard", "subject_id": network["standard"].id, "body": "Hello", field: value}
    ack = sock.emit("post_comment", payload, callback=True)
    assert ack["ok"] is False and ack["code"] == "invalid_input", (field, value, ack)


@pytest.mark.parametrize("value", [*BIG, 0, "١"])
def test_editing_a_comment_out_of_range_is_refused(socket_for, value):
    ack = socket_for("delegate").emit("edit_comment", {"comment_id": value, "body": "New words"}, callback=True)
    assert ack["ok"] is False and ack["code"] == "invalid_input", (value, ack)


@pytest.mark.parametrize("doc", [f"section:{2**31}", f"amendment:{2**63}", "section:0", "section:١", "section:-1"])
def test_coediting_a_document_out_of_range_is_refused(socket_for, doc):
    ack = socket_for("delegate").emit("coedit_join", {"doc": doc, "client_id": "c-1"}, callback=True)
    assert ack["ok"] is False and ack["code"] in ("invalid_input", "not_found"), (doc, ack)


@pytest.mark.parametrize("last", [2**31, 2**63, 2**70, -1, "5", 1.5])
def test_catch_up_after_an_event_out_of_range_is_refused(socket_for, network, last):
    sock = socket_for("delegate")
    ack = sock.emit("catch_up", {"last_event_id": last, "rooms": [f"standard:{network['standard'].id}"]}, callback=True)
    assert ack["ok"] is False and ack["code"] == "invalid_input", (last, ack)
