"""Vote rooms over Socket.IO: who may follow, and what ballots reveal live (turnout only)."""
from datetime import timedelta

import pytest

from deliberate.database import utcnow
from deliberate.voting import closing, objections, services
from deliberate.voting.subjects import SubjectHandler, register_subject


class StandardQuestion(SubjectHandler):
    """A subject belonging to a standard (its id is the standard's), like amendments and versions."""

    kind = "std_question"
    label = "A question about a standard"

    def load(self, subject_id):
        return type("Question", (), {"id": subject_id})()

    def title(self, subject):
        return f"Question on standard {subject.id}"

    def frozen_text(self, subject):
        return "Shall we?"

    def standard_id(self, subject):
        return subject.id

    def rule_preset(self, subject):
        return "simple-majority"

    def link(self, subject):
        return "votes.index", {}


register_subject(StandardQuestion())


def received(sock, name):
    return [m["args"][0] for m in sock.get_received() if m["name"] == name]


def open_vote(network, **options):
    options.setdefault("closes_at", utcnow() + timedelta(days=7))
    kind, ident = options.pop("subject", ("admission", network["applicant"].id))
    return services.open_vote(actor=network["steward"], subject_kind=kind, subject_id=ident, **options)


@pytest.mark.parametrize("role", ["observer", "delegate", "steward"])
def test_anyone_may_follow_a_vote_that_exists(socket_for, network, role):
    vote = open_vote(network)
    sock = socket_for(role, drain=False)
    assert sock.emit("join", {"room": f"vote:{vote.id}"}, callback=True)["ok"] is True
    assert sock.emit("join", {"room": "vote:999999"}, callback=True)["ok"] is False
    assert sock.emit("join", {"room": "vote"}, callback=True)["ok"] is False


@pytest.mark.parametrize("secret", [False, True])
def test_the_vote_room_receives_ballot_cast_with_turnout_only(socket_for, network, make_delegate, secret):
    vote = open_vote(network, secret=secret)
    follower, bystander = socket_for("observer", drain=False), socket_for("steward", drain=False)
    assert follower.emit("join", {"room": f"vote:{vote.id}"}, callback=True)["ok"]
    follower.get_received(), bystander.get_received()
    services.cast_ballot(actor=network["delegate"], vote=vote, choice="against", note="Secret reasons")
    if secret:  # a secret vote's room never gets an event per ballot (turnout comes in batches)
        assert received(follower, "ballot_cast") == []
        return
    (event,) = received(follower, "ballot_cast")
    assert {k: event[k] for k in ("vote_id", "turnout", "electorate", "scope")} == {
        "vote_id": vote.id, "turnout": 1, "electorate": 1, "scope": f"vote:{vote.id}"}
    assert set(event) == {"id", "kind", "scope", "at", "vote_id", "turnout", "electorate"}
    assert "against" not in str(event) and "Secret reasons" not in str(event)
    assert received(bystander, "ballot_cast") == []


def test_live_totals_travel_only_when_the_vote_shows_them(socket_for, network):
    vote = open_vote(network, live_totals=True)
    follower = socket_for("observer", drain=False)
    follower.emit("join", {"room": f"vote:{vote.id}"}, callback=True)
    follower.get_received()
    services.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    (event,) = received(follower, "ballot_cast")
    assert event["totals"] == {"for": 1, "against": 0, "abstain": 0}


def test_opened_and_closed_reach_the_vote_and_its_standard(socket_for, network):
    standard = network["standard"]
    follower = socket_for("observer", drain=False)
    assert follower.emit("join", {"room": f"standard:{standard.id}"}, callback=True)["ok"]
    follower.get_received()
    vote = open_vote(network, subject=("std_question", standard.id))
    (opened,) = received(follower, "vote_opened")
    assert opened["vote_id"] == vote.id and opened["scope"] == f"standard:{standard.id}"
    voter = socket_for("observer", drain=False)
    voter.emit("join", {"room": f"vote:{vote.id}"}, callback=True)
    voter.get_received()
    closing.close_vote(actor=network["steward"], vote=vote)
    (closed,) = received(follower, "vote_closed")
    assert closed["passed"] is False and "Quorum" in closed["explanation"]
    assert [e["vote_id"] for e in received(voter, "vote_closed")] == [vote.id]


def test_objections_are_announced_in_the_vote_room(socket_for, network):
    vote = open_vote(network, rule_preset="consent")
    follower = socket_for("observer", drain=False)
    follower.emit("join", {"room": f"vote:{vote.id}"}, callback=True)
    follower.get_received()
    objection = objections.raise_objection(actor=network["delegate"], vote=vote, argument="Too soon.")
    names = [m["name"] for m in follower.get_received()]
    assert names == ["objection_raised", "ballot_cast"]
    objections.withdraw_objection(actor=network["delegate"], objection=objection)
    (resolved,) = received(follower, "objection_resolved")
    assert resolved["objection_id"] == objection.id and resolved["status"] == "withdrawn"


def test_reminders_go_only_to_the_delegates_own_room(socket_for, network, make_delegate):
    vote = open_vote(network, closes_at=utcnow() + timedelta(hours=20))
    delegate_sock, steward_sock = socket_for("delegate", drain=False), socket_for("steward", drain=False)
    observer = socket_for("observer", drain=False)
    observer.emit("join", {"room": f"vote:{vote.id}"}, callback=True)
    for sock in (delegate_sock, steward_sock, observer):
        sock.get_received()
    assert closing.send_reminders() == 1
    (reminder,) = received(delegate_sock, "vote_reminder")
    assert reminder["vote_id"] == vote.id and reminder["coop_id"] == network["member"].id
    assert received(steward_sock, "vote_reminder") == [] and received(observer, "vote_reminder") == []
