"""An open socket loses its person's authority as soon as their sessions are revoked or the
account is erased: the server disconnects it (realtime/disconnect.py), and every socket event loads
the person afresh and checks the sign-in anyway. tests/realtime/test_sign_out_disconnects.py has
the rest (one sign-in, other people, a real client, rollbacks)."""
from __future__ import annotations

from sqlalchemy import func, select

from deliberate.discussions.models import Comment
from deliberate.extensions import db
from deliberate.members import erasure
from tests.conftest import TEST_PASSWORD
from tests.realtime.support import comment_payload


def test_signing_out_everywhere_disconnects_an_open_socket(app, socket_for, network, login):
    sock = socket_for("delegate")
    ack = sock.emit("post_comment", comment_payload(network, body="Before", client_id="c-before"), callback=True)
    assert ack["ok"] is True
    other = app.test_client()
    login(network["delegate"], test_client=other)
    other.post("/account/sign-out-everywhere")
    assert not sock.is_connected()
    assert db.session.scalar(select(func.count(Comment.id))) == 1


def test_an_erased_persons_socket_is_disconnected(socket_for, network, make_delegate):
    person = make_delegate(coop=network["member"], email="soon.gone@example.org")
    sock = socket_for(person)
    ack = sock.emit("post_comment", comment_payload(network, body="Hello", client_id="c-hello"), callback=True)
    assert ack["ok"] is True
    erasure.erase_self(actor=person, password=TEST_PASSWORD, comments="remove")
    assert not sock.is_connected()
    assert db.session.scalar(select(func.count(Comment.id))) == 1
