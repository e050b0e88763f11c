"""Room access asks the permission predicate of the feature that owns the room (realtime/rooms.py).

For every room kind with an id, the room's reader must call its feature's ``can_read``-style
predicate about the very thing the room carries: with the predicate saying no, nobody joins (not
even a steward); with it saying yes, the room opens. A room kind registered later without a line
in READERS fails ``test_every_room_kind_with_an_id_is_in_the_table``.
"""
from __future__ import annotations

import importlib
from datetime import timedelta

import pytest

from deliberate.database import utcnow
from deliberate.realtime import rooms

# A person's own room: decided by who they are, no feature to ask.
OWN = {"user"}


def _amendment(network):
    from deliberate.proposals import services

    section = network["section"]
    return services.propose_amendment(actor=network["delegate"], standard=network["standard"], kind="modify",
                                      section=section, summary="Clearer", proposed_title=section.title,
                                      proposed_body="Other words.")


def _vote(network):
    from deliberate.voting import services

    return services.open_vote(actor=network["steward"], subject_kind="admission", subject_id=network["applicant"].id,
                              closes_at=utcnow() + timedelta(days=7))


# room kind → (module of the predicate, its name, the thing the room carries, how the predicate sees it)
READERS = {
    "standard": ("deliberate.standards.permissions", "can_read_standard", lambda n: n["standard"], lambda o: o),
    "amendment": ("deliberate.proposals.permissions", "can_read", _amendment, lambda o: o),
    "vote": ("deliberate.voting.permissions", "can_read", _vote, lambda o: o),
    "coedit_section": ("deliberate.coediting.services", "can_coedit", lambda n: n["section"], lambda d: d.obj),
    "coedit_amendment": ("deliberate.coediting.services", "can_coedit", _amendment, lambda d: d.obj),
}


def test_every_room_kind_with_an_id_is_in_the_table(app):
    with_id = {kind for kind, (needs_id, _reader) in rooms._READERS.items() if needs_id}
    assert with_id - OWN == set(READERS)


@pytest.mark.parametrize("kind", sorted(READERS))
@pytest.mark.parametrize("answer", [False, True])
def test_a_room_is_joined_exactly_when_its_features_predicate_says_so(network, monkeypatch, kind, answer):
    module_name, predicate, make, seen_as = READERS[kind]
    thing = make(network)
    asked = []

    def predicate_says(person, obj):
        asked.append((person, seen_as(obj)))
        return answer

    monkeypatch.setattr(importlib.import_module(module_name), predicate, predicate_says)
    steward = network["steward"]
    assert rooms.can_join(steward, f"{kind}:{thing.id}") is answer
    assert asked == [(steward, thing)]
