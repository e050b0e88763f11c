"""Amendments decided by the co-ops: adopted or rejected by their vote, competing ones by ranked choice,
and a vote is cancelled when the text under vote becomes conflicted."""
from datetime import timedelta

import pytest

from deliberate.database import unit_of_work, utcnow
from deliberate.errors import Conflict
from deliberate.extensions import db
from deliberate.proposals import adoption, services
from deliberate.proposals.models import Amendment
from deliberate.standards import services as standards
from deliberate.voting import closing
from deliberate.voting import services as voting
from deliberate.voting.models import Vote
from tests.integration.conftest import ONE_SECTION_TEXT as TEXT


@pytest.fixture
def setup(one_section):
    return one_section


def opened(setup, body, who=0):
    s = standards.get_standard(setup["standard"].slug).sections[0]
    amendment = services.propose_amendment(actor=setup["delegates"][who], standard=setup["standard"], kind="modify",
                                           section=s, summary="Change.", proposed_title=s.title, proposed_body=body)
    return services.open_amendment(actor=setup["delegates"][who], amendment=amendment)


def vote_on(setup, kind, ident, preset="simple-majority"):
    return voting.open_vote(actor=setup["steward"], subject_kind=kind, subject_id=ident, rule_preset=preset,
                            closes_at=utcnow() + timedelta(days=7))


def state(amendment) -> str:
    db.session.expire_all()
    return db.session.get(Amendment, amendment.id).state


@pytest.mark.parametrize("choices, expected", [(["for", "for", "against"], "adopted"),
                                               (["against", "against", "for"], "rejected")])
def test_the_vote_decides(setup, choices, expected):
    amendment = opened(setup, TEXT.replace("together", "jointly"))
    vote = vote_on(setup, "amendment", amendment.id)
    assert state(amendment) == "voting"
    for delegate, choice in zip(setup["delegates"], choices):
        voting.cast_ballot(actor=delegate, vote=vote, choice=choice)
    closing.close_vote(actor=setup["steward"], vote=db.session.get(Vote, vote.id))
    assert state(amendment) == expected
    head = standards.get_standard(setup["standard"].slug).sections[0].head
    assert (head.amendment_id == amendment.id) is (expected == "adopted")


def test_a_grouped_amendment_is_voted_with_its_group(setup):
    a = opened(setup, TEXT.replace("together", "jointly"))
    b = opened(setup, TEXT.replace("together", "as one"), who=1)
    group = services.group_competing(actor=setup["steward"], amendments=[a, b])
    with pytest.raises(Conflict, match="group"):
        vote_on(setup, "amendment", a.id)
    vote = vote_on(setup, "group", group.id, preset="ranked")
    rankings = [[b.reference, a.reference, "status_quo"], [b.reference, "status_quo", a.reference],
                [a.reference, b.reference, "status_quo"]]
    for delegate, ranking in zip(setup["delegates"], rankings):
        voting.cast_ballot(actor=delegate, vote=vote, ranking=ranking)
    closing.close_vote(actor=setup["steward"], vote=db.session.get(Vote, vote.id))
    assert (state(a), state(b)) == ("superseded", "adopted")


def test_a_vote_is_cancelled_when_its_text_becomes_conflicted(setup):
    voted = opened(setup, TEXT.replace("at any time", "at any time, for free"))
    vote = vote_on(setup, "amendment", voted.id)
    rival = opened(setup, TEXT.replace("at any time", "at any time, after a trial"), who=1)
    with unit_of_work() as session:
        adoption.apply_amendment(session, session.get(Amendment, rival.id), setup["steward"])
    assert state(voted) == "conflicted"
    db.session.expire_all()
    assert db.session.get(Vote, vote.id).state == "cancelled"


def test_provenance_names_the_vote_that_adopted_a_passage(setup):
    from deliberate.proposals import queries

    amendment = opened(setup, TEXT.replace("at any time.", "at any time, free of charge."))
    vote = vote_on(setup, "amendment", amendment.id)
    for delegate in setup["delegates"]:
        voting.cast_ballot(actor=delegate, vote=vote, choice="for")
    closing.close_vote(actor=setup["steward"], vote=db.session.get(Vote, vote.id))
    _revision, passages = queries.provenance(standards.get_standard(setup["standard"].slug).sections[0])
    adopted = [p for p in passages if p.amendment is not None]
    assert adopted and adopted[0].vote.id == vote.id and "free of charge" in adopted[0].text
