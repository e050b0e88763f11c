"""A secret ballot stays secret against someone watching the vote live and reading its record.

The adversary (issue 14, section 1): an anonymous Socket.IO client follows ``vote:N`` (the vote's
page and its discussion share that room) from before the first ballot to after the close, keeps
everything it receives with the time it arrived, and then downloads the published record. It is
also given what a watcher could learn elsewhere: when each co-op's delegate was on the vote page.
It tries (a) to link each co-op to a choice from what it saw live (names in presence and typing,
an event per ballot, moving totals) and (b) to match the record's entries, by their times or their
order, to the visits it knows of. It must recover nothing the final totals do not already say.
"""
from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from deliberate.database import utcnow
from deliberate.extensions import db
from deliberate.realtime.events import Event
from deliberate.voting import closing as vote_closing
from deliberate.voting import ledger, services

# The ballots, one co-op at a time: not unanimous, so that the totals alone leave every co-op
# more than one possible choice.
CHOICES = ("for", "against", "abstain", "for")
# Kinds that would tie a co-op to its ballot if a secret vote's room carried them.
PER_BALLOT = {"ballot_cast", "objection_raised", "concern_logged", "objection_resolved", "typing_started"}
TURNOUT_FIELDS = {"id", "kind", "scope", "at", "vote_id", "turnout", "electorate"}


@pytest.fixture
def socket_for(app, login, connect_socket):
    """A Socket.IO test client for a Person (or ``"observer"``), sharing a signed-in HTTP session
    (tests/realtime/conftest.py's client: one user per event, disconnected at the end)."""
    def make(who, http=None):
        """``http``: an HTTP client already signed in as ``who`` (the page's own session)."""
        if http is None:
            http = app.test_client()
            if who != "observer":
                login(who, test_client=http)
        sock = connect_socket(http)
        sock.get_received()
        return sock

    return make


@pytest.fixture
def delegates(network, make_coop, make_delegate):
    """Four member co-ops, one delegate each (the network's own and three more)."""
    people = [network["delegate"]]
    for name in ("Ana Lima", "Ben Okoro", "Chen Wu"):
        people.append(make_delegate(coop=make_coop(name=f"{name.split()[0]}'s Co-op"), name=name))
    return people


def open_vote(network, secret=True):
    return services.open_vote(actor=network["steward"], subject_kind="admission", subject_id=network["applicant"].id,
                              closes_at=utcnow() + timedelta(days=7), rule_preset="simple-majority", secret=secret)


def messages(sock) -> list[tuple[str, Any]]:
    return [(m["name"], m["args"][0] if m["args"] else None) for m in sock.get_received()]


def whole_seconds(at: str) -> bool:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).microsecond == 0


def names_someone(payload: Any, people) -> bool:
    """Whether a message carries a person's name or id (under any of the keys events use for them)."""
    text = json.dumps(payload, default=str)
    if any(person.name in text or person.email in text for person in people):
        return True
    found = []

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key in {"person_id", "author_id", "people", "name", "actor_id"} and item not in (None, [], ""):
                    found.append(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(payload)
    return bool(found)


# Presence and typing (the live side) ------------------------------------------------------------

@pytest.mark.parametrize("secret", [True, False])
def test_a_secret_votes_page_shows_how_many_read_it_never_who_nor_who_types(socket_for, network, delegates, secret):
    vote = open_vote(network, secret=secret)
    room = f"vote:{vote.id}"
    watcher = socket_for("observer")
    assert watcher.emit("join", {"room": room}, callback=True)["ok"]
    first, second = socket_for(delegates[0]), socket_for(delegates[1])
    ack = first.emit("announce_presence", {"room": room}, callback=True)
    second.emit("announce_presence", {"room": room}, callback=True)
    typing = second.emit("typing", {"subject_kind": "vote", "subject_id": vote.id}, callback=True)
    second.disconnect()
    seen = messages(watcher) + messages(first)
    states = [payload for name, payload in seen if name == "presence_changed"]
    assert [s["room"] for s in states] and all(s["room"] == room for s in states)
    if secret:
        assert ack == {"ok": True, "room": room, "readers": 1, "names_hidden": True}
        assert [s["readers"] for s in states if s is not None][:3] == [1, 2, 1]  # watcher: 1, 2, then 1 again
        assert all(set(s) == {"room", "readers", "names_hidden"} for s in states)
        assert typing == {"ok": True, "shown": False}
        assert not [name for name, _ in seen if name == "typing_started"]
        assert not any(names_someone(payload, delegates) for _, payload in seen)
    else:  # a public vote keeps today's behaviour: who is reading, who is writing
        assert [p["name"] for p in ack["people"]] == [delegates[0].name]
        assert {p["name"] for p in states[1]["people"]} == {delegates[0].name, delegates[1].name}
        assert typing == {"ok": True}
        assert [payload["name"] for name, payload in seen if name == "typing_started"] == [delegates[1].name] * 2


def test_the_vote_discussion_page_is_the_votes_room_so_the_same_rule_holds(app, socket_for, network, delegates, login):
    """A thread anchored to the vote lives in ``vote:N``: its page and the vote page tell the same (a count)."""
    vote = open_vote(network)
    http = login(delegates[2], test_client=app.test_client())
    page = http.get(f"/discussions/vote/{vote.id}")
    assert page.status_code == 200 and f'data-room="vote:{vote.id}"' in page.get_data(as_text=True)
    assert f'data-live-room="vote:{vote.id}"' in http.get(f"/votes/{vote.id}").get_data(as_text=True)
    sock = socket_for(delegates[2], http=http)
    ack = sock.emit("announce_presence", {"room": f"vote:{vote.id}"}, callback=True)
    assert ack["names_hidden"] is True and "people" not in ack


def test_a_secret_votes_room_gets_no_event_per_ballot_and_only_whole_seconds(socket_for, network, delegates):
    vote = open_vote(network)
    watcher = socket_for("observer")
    watcher.emit("join", {"room": f"vote:{vote.id}"}, callback=True)
    services.cast_ballot(actor=delegates[0], vote=vote, choice="against")
    services.cast_ballot(actor=delegates[1], vote=vote, choice="for")
    live = messages(watcher)
    assert not [name for name, _ in live if name in PER_BALLOT]
    assert all(whole_seconds(payload["at"]) for _, payload in live if isinstance(payload, dict) and "at" in payload)
    stored = db.session.scalars(db.select(Event).where(Event.scope == f"vote:{vote.id}")).all()
    assert stored and all(event.created_at.microsecond == 0 for event in stored)


def test_catch_up_in_a_secret_vote_replays_what_is_sent_live_and_nothing_more(socket_for, network, delegates):
    """Rows written before the rule (an event per ballot, times to the microsecond) are not replayed as they were."""
    vote = open_vote(network)
    room = f"vote:{vote.id}"
    before = utcnow().replace(microsecond=123456)
    db.session.add_all([
        Event(kind="ballot_cast", scope=room, payload={"vote_id": vote.id, "turnout": 1, "electorate": 4,
                                                       "totals": {"for": 1, "against": 0, "abstain": 0}},
              actor_id=delegates[0].id, created_at=before),
        Event(kind="comment_posted", scope=room, payload={"vote_id": vote.id}, created_at=before),
    ])
    db.session.commit()
    sock = socket_for("observer")
    ack = sock.emit("catch_up", {"last_event_id": 0, "rooms": [room]}, callback=True)
    replayed = messages(sock)
    assert ack["ok"] and ack["replayed"] == len(replayed)
    assert ack["last_event_id"] == db.session.scalar(db.select(db.func.max(Event.id)).where(Event.scope == room))
    assert "ballot_cast" not in [name for name, _ in replayed] and "comment_posted" in [name for name, _ in replayed]
    assert all(whole_seconds(payload["at"]) for _, payload in replayed)


def test_a_public_votes_room_keeps_its_event_per_ballot(socket_for, network, delegates):
    vote = open_vote(network, secret=False)
    watcher = socket_for("observer")
    watcher.emit("join", {"room": f"vote:{vote.id}"}, callback=True)
    services.cast_ballot(actor=delegates[0], vote=vote, choice="against")
    (event,) = [payload for name, payload in messages(watcher) if name == "ballot_cast"]
    assert event["turnout"] == 1 and event["electorate"] == 4


# The page's scripts ----------------------------------------------------------------------------

NODE = shutil.which("node")
DRIVER = Path(__file__).resolve().parents[1] / "js" / "live_page_driver.js"


def run_page(room, events, typing_ack):
    """live.js and discussions.js in node on a stub page: what the page shows after ``events``."""
    request = {"room": room, "events": events, "input": True, "typing_ack": typing_ack}
    done = subprocess.run([NODE, str(DRIVER)], input=json.dumps(request), capture_output=True, text=True,
                          timeout=30, check=True)
    return json.loads(done.stdout)


@pytest.mark.skipif(not NODE, reason="needs node")
def test_the_page_shows_batched_turnout_and_a_count_and_stops_asking_to_show_typing():
    shown = run_page("vote:7", [["turnout_changed", {"vote_id": 7, "turnout": 3, "electorate": 4}],
                                ["presence_changed", {"room": "vote:7", "readers": 2, "names_hidden": True}]],
                     {"ok": True, "shown": False})
    assert shown["turnout"] == "3 of 4" and shown["presence"] == "Reading now: 2 people."
    assert shown["typing_sent"] == 1  # told once that nobody is shown typing here, it stops sending


@pytest.mark.skipif(not NODE, reason="needs node")
def test_a_public_votes_page_keeps_names_and_turnout_per_ballot():
    shown = run_page("vote:7", [["ballot_cast", {"vote_id": 7, "turnout": 1, "electorate": 4}],
                                ["presence_changed", {"room": "vote:7", "people": [{"id": 5, "name": "Ana"}],
                                                      "visitors": 1}]],
                     {"ok": True})
    assert shown["turnout"] == "1 of 4" and shown["presence"] == "Reading now: Ana, 1 visitor."
    assert shown["typing_sent"] == 2


# The adversary -------------------------------------------------------------------------------

@dataclass
class Seen:
    arrived: datetime
    name: str
    payload: Any


@dataclass
class Visit:
    coop_id: int
    start: datetime
    end: datetime

    def covers(self, moment: datetime, slack: timedelta = timedelta(0)) -> bool:
        return self.start - slack <= moment <= self.end + slack


def _at(value: str) -> datetime:
    return ledger.parse_at(value) if value.endswith("Z") else datetime.fromisoformat(value)


def live_links(seen: list[Seen], visits: list[Visit], coop_of: dict[int, int]) -> dict[int, str]:
    """Attack (a): co-op -> choice from what arrived live. Presence naming people (or typing
    naming its writer) says whose delegates are on the page; a change of the running totals
    while only one co-op is known to be there gives that co-op's choice."""
    links: dict[int, str] = {}
    named: set[int] = set()  # the co-ops whose delegates the last presence message named
    moves = dict(_moves(seen))
    for item in seen:
        payload = item.payload if isinstance(item.payload, dict) else {}
        if item.name == "presence_changed" and "people" in payload:
            named = {coop_of[p["id"]] for p in payload["people"] or [] if p.get("id") in coop_of}
        if payload.get("person_id") in coop_of:
            named.add(coop_of[payload["person_id"]])
        if item.arrived not in moves or not isinstance(payload.get("totals"), dict):
            continue
        there = named | {v.coop_id for v in visits if v.covers(item.arrived, timedelta(milliseconds=50))}
        if len(there) == 1:
            links[next(iter(there))] = moves[item.arrived]
    return links


def _moves(seen: list[Seen]) -> list[tuple[datetime, str]]:
    """(arrival, choice) for each live message whose running totals grew by one choice only."""
    moves, previous = [], {}
    for item in seen:
        totals = item.payload.get("totals") if isinstance(item.payload, dict) else None
        if item.name == "vote_closed" or not isinstance(totals, dict):
            continue
        grew = [choice for choice, count in totals.items() if count > previous.get(choice, 0)]
        previous = dict(totals)
        if len(grew) == 1:
            moves.append((item.arrived, grew[0]))
    return moves


def consistent_assignments(record: list[dict], seen: list[Seen], visits: list[Visit], coops) -> set[tuple]:
    """Attack (b), by brute force: every way of giving the record's ballots to the co-ops that
    agrees with what the adversary knows, as the tuple of choices it gives the co-ops (in order).

    What it uses: a ballot naming its co-op; ballot times that fall inside one co-op's visit;
    ballot times in the order of the visits; a record not sorted by voter read as casting order;
    an event per ballot (or moving totals) that arrived during one visit. A time shared by several
    ballots, or the closing time, is not when they were cast: it tells nothing about who cast them."""
    ballots = [entry for entry in record if entry["type"] == "ballot"]
    counted: dict[str, dict] = {}
    for entry in ballots:  # a co-op's last ballot counts
        counted[entry["data"]["voter"]] = entry
    entries = list(counted.values())
    shared = Counter(entry["at"] for entry in ballots)
    timed = {id(entry) for entry in ballots if shared[entry["at"]] == 1 and entry["at"] != record[-1]["at"]}
    voters = [entry["data"]["voter"] for entry in ballots]
    in_casting_order = voters != sorted(voters)
    by_coop = {visit.coop_id: visit for visit in visits}
    slack = timedelta(milliseconds=50)
    moves = _moves(seen)
    found = set()
    for order in itertools.permutations(entries):
        given = dict(zip([coop.id for coop in coops], order, strict=True))
        ok = True
        for coop in coops:
            entry, visit = given[coop.id], by_coop[coop.id]
            voter, at = entry["data"]["voter"], _at(entry["at"])
            if voter.startswith("coop-") and voter != f"coop-{coop.slug}":
                ok = False
            inside = [v.coop_id for v in visits if v.covers(at, slack)]
            if id(entry) in timed and len(inside) == 1 and inside[0] != coop.id:
                ok = False
            for other in coops:
                later = by_coop[other.id]
                if visit.end < later.start and _at(given[other.id]["at"]) < at:
                    ok = False  # cast later, recorded earlier
                if in_casting_order and visit.end < later.start and \
                        ballots.index(given[other.id]) < ballots.index(entry):
                    ok = False
            for arrived, choice in moves:
                if visit.covers(arrived, slack) and choice != entry["data"]["choice"]:
                    ok = False
        if ok:
            found.add(tuple(given[coop.id]["data"]["choice"] for coop in coops))
    return found


def test_the_adversary_links_no_coop_to_its_choice_live_or_from_the_record(app, socket_for, network, delegates, login):
    vote = open_vote(network)
    room = f"vote:{vote.id}"
    coops = [person.acting_coops[0] for person in delegates]
    coop_of = {person.id: coop.id for person, coop in zip(delegates, coops, strict=True)}
    attacker = socket_for("observer")
    assert attacker.emit("join", {"room": room}, callback=True)["ok"]
    assert attacker.emit("catch_up", {"last_event_id": 0, "rooms": [room]}, callback=True)["ok"]
    seen: list[Seen] = []

    def watch():
        arrived = utcnow()
        seen.extend(Seen(arrived, name, payload) for name, payload in messages(attacker))

    watch()
    visits = []
    for person, coop, choice in zip(delegates, coops, CHOICES, strict=True):
        start = utcnow()
        http = login(person, test_client=app.test_client())
        assert http.get(f"/votes/{vote.id}").status_code == 200
        sock = socket_for(person, http=http)
        assert sock.emit("catch_up", {"last_event_id": 0, "rooms": [room]}, callback=True)["ok"]
        assert sock.emit("announce_presence", {"room": room}, callback=True)["ok"]
        watch()
        sock.emit("typing", {"subject_kind": "vote", "subject_id": vote.id}, callback=True)
        watch()
        cast = http.post(f"/votes/{vote.id}/ballot", data={"choice": choice})
        assert cast.status_code == 302, cast.get_data(as_text=True)[:300]
        watch()
        sock.emit("end_presence", {"room": room}, callback=True)
        sock.disconnect()
        watch()
        visits.append(Visit(coop.id, start, utcnow()))
        # The scheduler's tick after every ballot: the worst case for the batches (a batch of one).
        vote_closing.publish_turnouts(now=utcnow())
        watch()
    vote_closing.close_vote(actor=network["steward"], vote=vote)
    watch()
    # Reconnecting later replays the room: it must tell no more than the live events did.
    late = socket_for("observer")
    assert late.emit("catch_up", {"last_event_id": 0, "rooms": [room]}, callback=True)["ok"]
    replayed = [Seen(utcnow(), name, payload) for name, payload in messages(late)]
    response = app.test_client().get(f"/votes/{vote.id}/record.jsonl")
    assert response.status_code == 200
    record = ledger.loads_jsonl(response.get_data())

    everything = seen + replayed
    # Nobody is named, nothing comes per ballot, no running totals, no fraction of a second.
    assert not [item for item in everything if names_someone(item.payload, delegates)]
    assert not [item.name for item in everything if item.name in PER_BALLOT]
    assert not [item for item in everything if isinstance(item.payload, dict) and "totals" in item.payload
                and item.name != "vote_closed"]
    assert all(whole_seconds(item.payload["at"]) for item in everything
               if isinstance(item.payload, dict) and isinstance(item.payload.get("at"), str))
    presence_states = [item.payload for item in seen if item.name == "presence_changed"]
    assert presence_states and all(set(state) == {"room", "readers", "names_hidden"} for state in presence_states)
    # The turnout moved, in batches, and said nothing but the turnout.
    turnouts = [item.payload for item in seen if item.name == "turnout_changed"]
    assert [t["turnout"] for t in turnouts] == [1, 2, 3, 4]
    assert all(set(t) == TURNOUT_FIELDS and t["electorate"] == len(coops) for t in turnouts)

    # Attack (a): nothing seen live links a co-op to a choice.
    assert live_links(everything, [], coop_of) == {}
    assert live_links(everything, visits, coop_of) == {}

    # Attack (b): the published record is sealed: sorted by receipt, one time for all, no delegate.
    ballots = [entry for entry in record if entry["type"] in ("ballot", "objection")]
    final = record[-1]
    assert final["type"] == "closed" and len(ballots) == len(coops)
    assert [entry["data"]["voter"] for entry in ballots] == sorted(entry["data"]["voter"] for entry in ballots)
    assert {entry["at"] for entry in ballots} == {final["at"]}
    assert all(entry["data"]["delegate"] is None for entry in ballots)
    assert not any(entry["data"]["voter"] == f"coop-{coop.slug}" for entry in ballots for coop in coops)
    assert ledger.verify(record).ok
    # Brute force: every assignment the totals allow is still possible, so every co-op keeps
    # more than one possible choice, however the adversary reads times and order.
    possible = consistent_assignments(record, everything, visits, coops)
    allowed_by_totals = set(itertools.permutations(CHOICES))
    assert possible == allowed_by_totals
    for index, coop in enumerate(coops):
        assert len({assignment[index] for assignment in possible}) > 1, coop.name


# The adversary is not toothless: what it recovers from the leaks issue 14 observed ----------

_T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
_COOPS = [SimpleNamespace(id=n, slug=f"coop{n}", name=f"Co-op {n}") for n in range(len(CHOICES))]
_VISITS = [Visit(n, _T0 + timedelta(seconds=10 * n), _T0 + timedelta(seconds=10 * n + 5)) for n in range(len(CHOICES))]
_RECEIPTS = ["r-dd", "r-bb", "r-aa", "r-cc"]  # co-op n's receipt: not in casting order


def _record(times, order):
    closing = _T0 + timedelta(minutes=5)
    return [{"type": "ballot", "at": ledger.format_at(times[n]),
             "data": {"voter": _RECEIPTS[n], "delegate": None, "choice": CHOICES[n]}} for n in order] + [
        {"type": "closed", "at": ledger.format_at(closing), "data": {}}]


def _sealed():
    closing = _T0 + timedelta(minutes=5)
    return _record([closing] * len(CHOICES), sorted(range(len(CHOICES)), key=lambda n: _RECEIPTS[n]))


@pytest.mark.parametrize("leak", ["casting times", "casting order", "named presence and live totals"])
def test_the_adversary_links_every_coop_when_something_leaks(leak):
    seen: list[Seen] = []
    record = _sealed()
    if leak == "casting times":  # each ballot recorded about when it was cast
        record = _record([visit.start + timedelta(seconds=2) for visit in _VISITS], range(len(CHOICES)))
    elif leak == "casting order":
        record = _record([_T0 + timedelta(minutes=5)] * len(CHOICES), range(len(CHOICES)))
    else:
        totals = dict.fromkeys(CHOICES, 0)
        for n, visit in enumerate(_VISITS):
            seen.append(Seen(visit.start, "presence_changed", {"room": "vote:1", "people": [{"id": 100 + n, "name": "A"}]}))
            totals[CHOICES[n]] += 1
            seen.append(Seen(visit.start + timedelta(seconds=1), "ballot_cast", {"totals": dict(totals)}))
        assert live_links(seen, [], {100 + n: n for n in range(len(CHOICES))}) == dict(enumerate(CHOICES))
    assert consistent_assignments(record, seen, _VISITS, _COOPS) == {CHOICES}


def test_a_sealed_record_and_quiet_room_leave_the_adversary_only_the_totals():
    possible = consistent_assignments(_sealed(), [], _VISITS, _COOPS)
    assert possible == set(itertools.permutations(CHOICES)) and len(possible) == 12
