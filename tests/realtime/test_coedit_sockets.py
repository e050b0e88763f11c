"""Co-editing over Socket.IO (test client): join, sync, the others are told, save."""
import pytest

from deliberate.realtime.sync import ClientSession


@pytest.fixture
def sockets(socket_for, network, make_delegate, make_coop):
    """``socket_for``, with a delegate of a second member co-op as ``partner``."""
    network["partner"] = make_delegate(coop=make_coop(name="Partner Co-op"), email="partner@example.org")
    return socket_for


def test_two_editors_share_a_section(sockets, network):
    doc = f"section:{network['section'].id}"
    one, two = sockets("delegate"), sockets("partner")
    a = one.emit("coedit_join", {"doc": doc, "client_id": "client-one"}, callback=True)
    b = two.emit("coedit_join", {"doc": doc, "client_id": "client-two"}, callback=True)
    assert a["ok"] and b["ok"] and a["text"] == network["section"].body
    assert [m["name"] for m in one.get_received()] == ["editor_joined"]
    session_a = ClientSession.start(a["text"])
    ack = one.emit("coedit_sync", {"doc": doc, "client_id": "client-one",
                                   "message": session_a.make_message(a["text"] + " Together.")}, callback=True)
    assert ack["ok"]
    session_a.receive(ack["reply"])
    assert [m["name"] for m in two.get_received()] == ["draft_changed"]
    session_b = ClientSession.start(b["text"])
    ack = two.emit("coedit_sync", {"doc": doc, "client_id": "client-two", "message": session_b.make_message(b["text"])},
                   callback=True)
    assert session_b.receive(ack["reply"]) == a["text"] + " Together."
    saved = two.emit("coedit_save", {"doc": doc, "message": "Wrote it together"}, callback=True)
    assert saved == {"ok": True, "number": 2}


@pytest.mark.parametrize("role", ["observer", "suspended_delegate"])
def test_who_cannot_edit_is_refused(sockets, network, role):
    doc = f"section:{network['section'].id}"
    sock = sockets(role)
    assert sock.emit("coedit_join", {"doc": doc, "client_id": "client-xyz"}, callback=True)["ok"] is False
    assert sock.emit("join", {"room": f"coedit_section:{network['section'].id}"}, callback=True)["ok"] is False
    assert sock.emit("coedit_sync", {"doc": doc, "client_id": "client-xyz", "message": {}}, callback=True)["ok"] is False


@pytest.mark.parametrize("payload", [None, "section:1", {"doc": 5}, {"doc": "section:1", "client_id": None}])
def test_malformed_payloads_get_a_refusal(sockets, payload):
    assert sockets("delegate").emit("coedit_join", payload, callback=True)["ok"] is False


def test_coauthors_edit_an_amendments_text_together(sockets, network, app, login):
    from deliberate.extensions import db
    from deliberate.proposals import services as proposals
    from deliberate.proposals.models import Amendment

    s = network["section"]
    amendment = proposals.propose_amendment(actor=network["delegate"], standard=network["standard"], kind="modify",
                                            section=s, summary="Plainer.", proposed_title=s.title,
                                            proposed_body="Members own it.")
    proposals.add_coauthor(actor=network["delegate"], amendment=amendment, email="partner@example.org")
    doc = f"amendment:{amendment.id}"
    one, two = sockets("delegate"), sockets("partner")
    a = one.emit("coedit_join", {"doc": doc, "client_id": "client-one"}, callback=True)
    assert a["ok"] and two.emit("coedit_join", {"doc": doc, "client_id": "client-two"}, callback=True)["ok"]
    session = ClientSession.start(a["text"])
    ack = one.emit("coedit_sync", {"doc": doc, "client_id": "client-one",
                                   "message": session.make_message("Members own and run it.")}, callback=True)
    session.receive(ack["reply"])
    assert two.emit("coedit_save", {"doc": doc, "message": "Together"}, callback=True) == {"ok": True, "number": 2}
    db.session.expire_all()
    assert db.session.get(Amendment, amendment.id).head.proposed_body == "Members own and run it."
    page = app.test_client()
    login(network["delegate"], test_client=page)
    assert page.get(f"/standards/{network['standard'].slug}/amendments/{amendment.id}/together").status_code == 200
    assert app.test_client().get(f"/standards/{network['standard'].slug}/amendments/{amendment.id}/together").status_code == 302
