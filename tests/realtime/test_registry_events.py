"""The registry's events reach the standard's room (its registry page and declarations' pages
follow it), observers included, and a reader who was away gets them from catch_up."""
from __future__ import annotations

from deliberate.realtime.events import latest_event_id
from deliberate.registry import services
from tests.registry_support import full_claims, world


def test_declaring_and_questioning_reach_the_standards_room(socket_for, network, make_coop, make_delegate):
    w = world(network, make_coop, make_delegate)
    observer = socket_for("observer")
    ack = observer.emit("join", {"room": f"standard:{w['standard'].id}"}, callback=True)
    assert ack["ok"], ack
    observer.get_received()
    since = latest_event_id()
    d = services.declare(actor=w["amara"], coop=w["kazi"], version=w["version"], stance="adopts",
                         claims=full_claims(w["keys"]))
    q = services.ask_question(actor=w["lucia"], coop=w["dades"], declaration=d, reasons="Really?")
    services.answer_question(actor=w["amara"], question=q, answer="Yes.")
    services.escalate_question(actor=w["lucia"], question=q)
    received = [(m["name"], m["args"][0]) for m in observer.get_received()]
    kinds = [name for name, _payload in received]
    # Escalating files the formal objection in the same transaction: both events reach the room.
    assert kinds == ["declaration_made", "declaration_question_asked", "declaration_question_answered",
                     "objection_filed", "declaration_question_escalated"]
    assert received[3][1]["subject"] == f"declaration_question:{q.id}"
    received.pop(3)
    kinds.remove("objection_filed")
    assert received[0][1]["declaration_id"] == d.id and received[0][1]["standard_id"] == w["standard"].id
    assert all(payload["standard_id"] == w["standard"].id for _name, payload in received)
    later = socket_for("observer")
    later.emit("catch_up", {"last_event_id": since, "rooms": [f"standard:{w['standard'].id}"]}, callback=True)
    replayed = [m["name"] for m in later.get_received() if m["name"].startswith("declaration")]
    assert replayed == kinds
