"""State changes reach the rooms of the pages that show them (issue 16, "Pages that lie or go stale").

Every change of state a page shows is an event in the room that page follows: a vote's page
follows ``vote:{id}``; an amendment's, a version's and a standard's pages follow
``standard:{id}``; a co-op's page follows ``network``. Each test follows the rooms as the page
does and checks the event's name, its room and its payload: what the page needs (the new state,
the result, what the vote is about), and nothing about single ballots in a secret vote. A reader
who was away gets the same events from ``catch_up``. The pages' side (live.js) is driven by the
browser journeys (tests/browser/test_journey_live_state.py).
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from deliberate.database import utcnow
from deliberate.proposals import services as proposals
from deliberate.realtime.events import latest_event_id
from deliberate.versions import services as versions
from deliberate.voting import closing, objections
from deliberate.voting import services as voting

# What a vote's change of state carries, besides the event's own id, kind, scope and time.
STATE_FIELDS = {"vote_id", "subject_kind", "subject_id", "state"}
CLOSED_FIELDS = STATE_FIELDS | {"passed", "explanation", "second_call_id", "record_head"}
# Words that would be news about single ballots.
BALLOT_WORDS = ("turnout", "totals", "choice", "coop_id", "ballot", "receipt", "voter")


def events(sock) -> list[tuple[str, dict]]:
    return [(m["name"], m["args"][0]) for m in sock.get_received()]


def follow(sock, *rooms: str):
    for room in rooms:
        ack = sock.emit("join", {"room": room}, callback=True)
        assert ack["ok"], (room, ack)
    sock.get_received()
    return sock


def only(received: list[tuple[str, dict]], name: str) -> dict:
    found = [payload for kind, payload in received if kind == name]
    assert len(found) == 1, (name, [kind for kind, _ in received])
    return found[0]


@pytest.fixture
def amendment(network):
    section = network["section"]
    draft = proposals.propose_amendment(actor=network["delegate"], standard=network["standard"], kind="modify",
                                        section=section, summary="Say it plainly.", proposed_title=section.title,
                                        proposed_body=section.body + "\n\nAnd say it plainly.")
    return proposals.open_amendment(actor=network["delegate"], amendment=draft)


def vote_on(network, kind, ident, **options):
    options.setdefault("rule_preset", "simple-majority")
    return voting.open_vote(actor=network["steward"], subject_kind=kind, subject_id=ident,
                            closes_at=utcnow() + timedelta(days=7), **options)


def test_a_vote_opening_on_an_amendment_reaches_the_amendments_page(socket_for, network, amendment):
    page = follow(socket_for("observer"), f"standard:{network['standard'].id}")
    vote = vote_on(network, "amendment", amendment.id)
    received = events(page)
    assert [name for name, _ in received] == ["amendment_state_changed", "vote_opened"]
    state = only(received, "amendment_state_changed")
    assert (state["amendment_id"], state["from"], state["to"], state["state"]) == (amendment.id, "open", "voting", "voting")
    opened = only(received, "vote_opened")
    assert opened["scope"] == f"standard:{network['standard'].id}"
    assert {k: opened[k] for k in STATE_FIELDS} == {"vote_id": vote.id, "subject_kind": "amendment",
                                                   "subject_id": amendment.id, "state": "open"}


@pytest.mark.parametrize("secret", [False, True], ids=["public", "secret"])
def test_closing_a_vote_reaches_its_page_and_its_subjects_page_with_the_result(socket_for, network, amendment, secret):
    vote = vote_on(network, "amendment", amendment.id, secret=secret)
    vote_page = follow(socket_for("observer"), f"vote:{vote.id}")
    amendment_page = follow(socket_for("observer"), f"standard:{network['standard'].id}")
    voting.cast_ballot(actor=network["delegate"], vote=vote, choice="for", note="Our members agreed.")
    cast = events(vote_page)
    assert [name for name, _ in cast] == ([] if secret else ["ballot_cast"])  # per ballot only when public
    events(amendment_page)

    closing.close_vote(actor=network["steward"], vote=vote)
    in_vote_room = events(vote_page)
    assert [name for name, _ in in_vote_room] == ["vote_closed"]
    closed = only(in_vote_room, "vote_closed")
    assert set(closed) - {"id", "kind", "scope", "at"} == CLOSED_FIELDS
    assert (closed["state"], closed["passed"], closed["subject_kind"], closed["subject_id"]) == (
        "closed", True, "amendment", amendment.id)
    if secret:
        assert "." not in closed["at"], "a secret vote's room is told times in whole seconds"
    assert not any(word in key for key in closed for word in BALLOT_WORDS)
    assert "Our members agreed" not in str(closed)

    in_standard_room = events(amendment_page)
    state = only(in_standard_room, "amendment_state_changed")
    assert (state["amendment_id"], state["from"], state["to"]) == (amendment.id, "voting", "adopted")
    wider = only(in_standard_room, "vote_closed")
    assert {k: wider[k] for k in CLOSED_FIELDS} == {k: closed[k] for k in CLOSED_FIELDS}
    assert not any(name in ("ballot_cast", "turnout_changed") for name, _ in in_standard_room)


@pytest.mark.parametrize("secret", [False, True], ids=["public", "secret"])
def test_cancelling_a_vote_reaches_both_pages_and_gives_the_amendment_back(socket_for, network, amendment, secret):
    vote = vote_on(network, "amendment", amendment.id, secret=secret)
    vote_page = follow(socket_for("observer"), f"vote:{vote.id}")
    amendment_page = follow(socket_for("observer"), f"standard:{network['standard'].id}")
    closing.cancel_vote(actor=network["steward"], vote=vote, reason="The text must change first.")
    cancelled = only(events(vote_page), "vote_cancelled")
    assert set(cancelled) - {"id", "kind", "scope", "at"} == STATE_FIELDS | {"reason", "record_head"}
    assert (cancelled["state"], cancelled["reason"]) == ("cancelled", "The text must change first.")
    received = events(amendment_page)
    assert only(received, "vote_cancelled")["subject_id"] == amendment.id
    state = only(received, "amendment_state_changed")
    assert (state["from"], state["to"]) == ("voting", "open")


@pytest.mark.parametrize("secret", [False, True], ids=["public", "secret"])
def test_objections_filed_and_withdrawn_reach_a_public_votes_page_only(socket_for, network, secret):
    vote = vote_on(network, "admission", network["applicant"].id, rule_preset="consent", secret=secret)
    page = follow(socket_for("observer"), f"vote:{vote.id}")
    objection = objections.raise_objection(actor=network["delegate"], vote=vote, argument="Too soon.")
    objections.withdraw_objection(actor=network["delegate"], objection=objection)
    received = events(page)
    if secret:  # tied to one co-op's ballot: never announced in a secret vote
        assert received == []
        return
    raised = only(received, "objection_raised")
    assert raised["objection_id"] == objection.id and "Too soon" not in str(raised)
    withdrawn = only(received, "objection_resolved")
    assert (withdrawn["objection_id"], withdrawn["status"]) == (objection.id, "withdrawn")


def test_a_version_assembled_put_to_vote_and_ratified_reaches_the_standards_pages(socket_for, network):
    standard = network["standard"]
    page = follow(socket_for("observer"), f"standard:{standard.id}")
    version = versions.assemble_version(actor=network["steward"], standard=standard, summary="The first text.")
    assembled = only(events(page), "version_assembled")
    assert (assembled["version_id"], assembled["standard_id"], assembled["number"]) == (version.id, standard.id, version.number)
    vote = vote_on(network, "version", version.id)
    opened = only(events(page), "vote_opened")
    assert (opened["subject_kind"], opened["subject_id"]) == ("version", version.id)
    voting.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    closing.close_vote(actor=network["steward"], vote=vote)
    received = events(page)
    ratified = only(received, "version_ratified")
    assert (ratified["version_id"], ratified["number"], ratified["vote_id"]) == (version.id, version.number, vote.id)
    assert only(received, "vote_closed")["subject_id"] == version.id


def test_an_admitted_coop_is_announced_to_the_networks_pages(socket_for, network):
    applicant = network["applicant"]
    page = follow(socket_for("observer"), "network")
    vote = vote_on(network, "admission", applicant.id)
    opened = only(events(page), "vote_opened")
    assert (opened["subject_kind"], opened["subject_id"], opened["scope"]) == ("admission", applicant.id, "network")
    voting.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    closing.close_vote(actor=network["steward"], vote=vote)
    received = events(page)
    admitted = only(received, "coop_status_changed")
    assert (admitted["coop_id"], admitted["from"], admitted["to"]) == (applicant.id, "applicant", "member")
    assert only(received, "vote_closed")["passed"] is True


@pytest.mark.parametrize("secret", [False, True], ids=["public", "secret"])
def test_a_reader_away_when_the_vote_closed_catches_up_on_it(socket_for, network, secret):
    vote = vote_on(network, "admission", network["applicant"].id, secret=secret)
    since = latest_event_id()  # the page was read
    voting.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    closing.close_vote(actor=network["steward"], vote=vote)
    reader = socket_for("observer")  # its socket (re)connects only now
    ack = reader.emit("catch_up", {"last_event_id": since, "rooms": [f"vote:{vote.id}"]}, callback=True)
    received = events(reader)
    assert [name for name, _ in received] == (["vote_closed"] if secret else ["ballot_cast", "vote_closed"])
    closed = only(received, "vote_closed")
    assert (closed["state"], closed["passed"], closed["subject_kind"]) == ("closed", True, "admission")
    if secret:
        assert "." not in closed["at"]
    assert ack["ok"] and ack["replayed"] == len(received) and ack["last_event_id"] >= closed["id"]


def test_the_pages_name_what_they_follow_and_the_forms_a_change_closes(app, network, amendment, as_role):
    """The markup live.js reads: the rooms, the things shown (data-live-about), the cursor read
    before the page (data-live-since), the badges and the forms a change closes."""
    vote = vote_on(network, "amendment", amendment.id, rule_preset="consent")
    since = latest_event_id()
    delegate = as_role("delegate")
    html = delegate.get(f"/votes/{vote.id}").get_data(as_text=True)
    assert f'data-live-room="vote:{vote.id}" data-live-about="vote:{vote.id}" data-live-since="{since}"' in html
    assert f'data-live-state="vote:{vote.id}" data-state="open"' in html
    ballot = re.search(r'<form[^>]*action="/votes/%d/ballot"[^>]*>' % vote.id, html).group(0)
    assert f'data-live-form="vote:{vote.id}"' in ballot
    steward = as_role("steward").get(f"/votes/{vote.id}").get_data(as_text=True)
    for action in ("close", "cancel"):
        form = re.search(r'<form[^>]*action="/votes/%d/%s"[^>]*>' % (vote.id, action), steward).group(0)
        assert f'data-live-form="vote:{vote.id}"' in form
    page = as_role("observer").get(f"/standards/{network['standard'].slug}/amendments/{amendment.id}").get_data(as_text=True)
    assert f'data-live-about="amendment:{amendment.id}"' in page and f'data-live-since="{since}"' in page
    assert f'data-live-state="amendment:{amendment.id}" data-state="voting"' in page
    coop = as_role("observer").get(f"/coops/{network['member'].slug}").get_data(as_text=True)
    assert 'data-live-room="network"' in coop and f'data-live-about="coop:{network["member"].id}"' in coop
