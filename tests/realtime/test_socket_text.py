"""A comment's text through Socket.IO (the form and the API are in tests/security/test_comment_text.py):
control characters are refused with ``invalid_input`` naming the field and never stored; a comment
that shows nothing (spaces and zero-width characters only) is empty; editing gets the same."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from deliberate.discussions.models import Comment
from deliberate.extensions import db
from tests.realtime.support import comment_payload

CONTROL = {"nul": "I agree\x00", "bell": "I\x07 agree", "escape": "I agree \x1b[31m", "c1": "I agree\x85",
           "delete": "I agree\x7f", "lone surrogate": "I agree \ud800"}
INVISIBLE = {"zwsp": "\u200b", "zwnj": "\u200c", "zwj": "\u200d", "word joiner": "\u2060", "bom": "\ufeff",
             "mixed": " \u200b\u200c\u200d\u2060\ufeff\u00a0\t\n "}


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Comment.id)))


@pytest.mark.parametrize("text", CONTROL.values(), ids=list(CONTROL))
@pytest.mark.parametrize("field", ["body", "quote"])
def test_a_socket_comment_with_a_control_character_is_refused(socket_for, network, field, text):
    sock = socket_for("delegate")
    ack = sock.emit("post_comment", comment_payload(network, **{field: text}), callback=True)
    assert ack["ok"] is False and ack["code"] == "invalid_input" and field in ack["fields"], ack
    assert _count() == 0


@pytest.mark.parametrize("text", INVISIBLE.values(), ids=list(INVISIBLE))
def test_a_socket_comment_that_shows_nothing_is_refused(socket_for, network, text):
    sock = socket_for("delegate")
    ack = sock.emit("post_comment", comment_payload(network, body=text), callback=True)
    assert ack["ok"] is False and ack["code"] == "invalid_input" and "body" in ack["fields"], ack
    assert _count() == 0


@pytest.mark.parametrize("text", [CONTROL["nul"], CONTROL["escape"], INVISIBLE["mixed"]], ids=["nul", "escape", "empty"])
def test_editing_over_a_socket_gets_the_same_answer(socket_for, network, text):
    sock = socket_for("delegate")
    posted = sock.emit("post_comment", comment_payload(network, body="First words"), callback=True)
    ack = sock.emit("edit_comment", {"comment_id": posted["comment_id"], "body": text}, callback=True)
    assert ack["ok"] is False and ack["code"] == "invalid_input", ack
    assert db.session.scalar(select(Comment.body).where(Comment.id == posted["comment_id"])) == "First words"
