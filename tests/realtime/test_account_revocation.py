"""An open socket loses its person's authority as soon as their sessions are revoked or the
account is erased: every socket event loads the person afresh and checks the session version."""
from __future__ import annotations

from sqlalchemy import func, select

from deliberate.discussions.models import Comment
from deliberate.extensions import db
from deliberate.members import erasure
from tests.conftest import TEST_PASSWORD
from tests.realtime.support import comment_payload


def test_signing_out_everywhere_silences_an_open_socket(app, socket_for, network, login):
    sock = socket_for("delegate")
    ack = sock.emit("post_comment", comment_payload(network, body="Before", client_id="c-before"), callback=True)
    assert ack["ok"] is True
    other = app.test_client()
    login(network["delegate"], test_client=other)
    other.post("/account/sign-out-everywhere")
    ack = sock.emit("post_comment", comment_payload(network, body="After", client_id="c-after"), callback=True)
    assert ack["ok"] is False
    assert db.session.scalar(select(func.count(Comment.id))) == 1


def test_an_erased_persons_socket_can_do_nothing(socket_for, network, make_delegate):
    person = make_delegate(coop=network["member"], email="soon.gone@example.org")
    sock = socket_for(person)
    ack = sock.emit("post_comment", comment_payload(network, body="Hello", client_id="c-hello"), callback=True)
    assert ack["ok"] is True
    erasure.erase_self(actor=person, password=TEST_PASSWORD, comments="remove")
    ack = sock.emit("post_comment", comment_payload(network, body="Still here?", client_id="c-still"), callback=True)
    assert ack["ok"] is False
    assert db.session.scalar(select(func.count(Comment.id))) == 1
