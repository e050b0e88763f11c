"""Voting services against the database: opening, casting, every rule, closing, second calls.

The clock is passed in (``now=``) wherever deadlines matter; nothing sleeps.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from deliberate.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from deliberate.extensions import db
from deliberate.members import services as members
from deliberate.members.models import Cooperative
from deliberate.realtime.events import Event
from deliberate.voting import closing, ledger, objections, queries, services
from deliberate.voting.models import Ballot, LedgerEntry, Objection, Vote
from deliberate.voting.subjects import get_handler, register_subject
from tests.voting_support import SampleHandler

T0 = datetime(2031, 3, 2, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


@pytest.fixture
def voters(make_delegate):
    """Five member co-ops, one delegate each: [(delegate, coop), ...]."""
    result = []
    for _ in range(5):
        delegate = make_delegate()
        result.append((delegate, delegate.coops[0]))
    return result


@pytest.fixture
def applicant(make_coop):
    return make_coop("applicant", name="Coop Courses", description="Teachers running their own platform.")


@pytest.fixture
def open_on(steward):
    """Open a vote at T0 on a subject (the applicant's admission by default)."""

    def do(subject_id, kind="admission", **options):
        options.setdefault("closes_at", T0 + WEEK)
        options.setdefault("now", T0)
        return services.open_vote(actor=steward, subject_kind=kind, subject_id=subject_id, **options)

    return do


def cast_all(vote, voters, choices, at=T0 + timedelta(hours=1)):
    for (delegate, coop), choice in zip(voters, choices, strict=False):
        if choice is None:
            continue
        if isinstance(choice, list):
            services.cast_ballot(actor=delegate, vote=vote, coop=coop, ranking=choice, now=at)
        elif choice.startswith("object"):
            objections.raise_objection(actor=delegate, vote=vote, coop=coop, argument="It harms our members.", now=at)
        else:
            services.cast_ballot(actor=delegate, vote=vote, coop=coop, choice=choice, now=at)


def verified(vote):
    """Export, verify offline, and check the stored result is exactly the recomputed one."""
    report = ledger.verify(ledger.loads_jsonl(queries.export_ledger(vote)))
    assert report.ok, report.problems
    assert report.recomputed.to_dict() == vote.result
    return report


# Opening ------------------------------------------------------------------------------------

def test_opening_freezes_the_rule_the_member_electorate_and_the_text(open_on, voters, applicant, make_coop, steward):
    suspended = make_coop(status="suspended")
    vote = open_on(applicant.id)
    assert vote.state == "open" and vote.rule_preset == "simple-majority"
    assert vote.rule == services.PRESETS["simple-majority"].to_dict()
    members_now = {coop.id for _d, coop in voters}
    frozen = {m.coop_id for m in queries.electorate(vote)}
    assert frozen == members_now and applicant.id not in frozen and suspended.id not in frozen
    (opened,) = queries.ledger_entries(vote)
    assert opened["type"] == "opened" and opened["seq"] == 0
    assert opened["data"]["text_hash"] == ledger.hash_text(vote.text) == vote.text_hash
    assert "Coop Courses" in vote.text and opened["data"]["subject"] == {"kind": "admission", "id": applicant.id}
    assert sorted(e["voter"] for e in opened["data"]["electorate"]) == sorted(
        f"coop-{coop.slug}" for _d, coop in voters)
    # A co-op admitted later does not join this vote's electorate.
    late = make_coop()
    assert late.id not in {m.coop_id for m in queries.electorate(vote)}
    kinds = db.session.scalars(select(Event.scope).where(Event.kind == "vote_opened")).all()
    assert sorted(kinds) == sorted([f"vote:{vote.id}", "network"])


def test_only_stewards_open_votes(voters, applicant):
    delegate, _coop = voters[0]
    with pytest.raises(PermissionDenied):
        services.open_vote(actor=delegate, subject_kind="admission", subject_id=applicant.id, closes_at=T0 + WEEK, now=T0)


@pytest.mark.parametrize("options, error", [
    ({"closes_at": T0 - timedelta(minutes=1)}, InvalidInput),
    ({"closes_at": T0 + timedelta(days=400)}, InvalidInput),
    ({"rule_preset": "no-such-preset"}, InvalidInput),
    ({"rule_preset": "ranked"}, InvalidInput),  # an admission has no alternatives to rank
    ({"rule": {"method": "majority", "quorum": 0.5}}, InvalidInput),  # floats are refused, fractions only
    ({"rule": {"quorum": "1/2"}}, InvalidInput),  # a rule set in full needs its method
    ({"rule": {"method": "plurality"}}, InvalidInput),
    ({"second_call_quorum": "2/3"}, InvalidInput),  # must be lower than the quorum
    ({"closes_at": datetime(2031, 3, 9, 9, 0)}, InvalidInput),  # naive times are refused
])
def test_opening_refuses_rules_and_times_that_do_not_work(open_on, voters, applicant, options, error):
    with pytest.raises(error) as caught:
        open_on(applicant.id, **options)
    assert caught.value.message


def test_one_open_vote_per_subject_and_only_votable_subjects(open_on, voters, applicant):
    open_on(applicant.id)
    with pytest.raises(Conflict):
        open_on(applicant.id)
    member = voters[0][1]
    with pytest.raises(Conflict, match="already member"):
        open_on(member.id)
    with pytest.raises(NotFound):
        open_on(999_999)
    with pytest.raises(NotFound):
        open_on(1, kind="no-such-kind")


def test_no_electorate_no_vote(steward, applicant):
    with pytest.raises(Conflict, match="no member co-ops"):
        services.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id,
                           closes_at=T0 + WEEK, now=T0)


def test_a_rule_can_be_adjusted_or_set_in_full(open_on, voters, applicant):
    vote = open_on(applicant.id, rule_preset="two-thirds", secret=True, second_call_quorum="1/3")
    rule = vote.rule_obj
    assert (rule.method, str(rule.threshold), str(rule.quorum), rule.secret, rule.live_totals,
            str(rule.second_call_quorum)) == ("supermajority", "2/3", "3/5", True, False, "1/3")
    assert vote.rule_preset == "two-thirds"


def test_a_secret_vote_cannot_show_live_totals(open_on, voters, applicant):
    with pytest.raises(InvalidInput) as refused:
        open_on(applicant.id, rule_preset="two-thirds", secret=True, live_totals=True)
    assert "live_totals" in refused.value.field_errors
    with pytest.raises(InvalidInput):
        open_on(applicant.id, rule={"method": "majority", "secret": True, "live_totals": True})
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_a_rule_given_in_full_is_kept_as_given(open_on, voters, applicant):
    given = {"method": "majority", "quorum": "1/2", "secret": True, "live_totals": False,
             "second_call_quorum": "1/4"}
    vote = open_on(applicant.id, rule=given)
    rule = vote.rule_obj
    assert (rule.secret, rule.live_totals, str(rule.second_call_quorum)) == (True, False, "1/4")
    assert vote.secret and vote.rule_preset == "custom"


@pytest.mark.parametrize("keyword", [{"secret": False}, {"live_totals": True}, {"second_call_quorum": "1/3"}])
def test_a_keyword_contradicting_the_rule_given_is_refused_not_applied(open_on, voters, applicant, keyword):
    given = {"method": "majority", "quorum": "1/2", "secret": True, "live_totals": False,
             "second_call_quorum": "1/4"}
    with pytest.raises(InvalidInput) as refused:
        open_on(applicant.id, rule=given, **keyword)
    assert set(keyword) <= set(refused.value.field_errors)
    # Saying the same thing twice is fine.
    vote = open_on(applicant.id, rule=given, secret=True, second_call_quorum="1/4")
    assert vote.secret and str(vote.rule_obj.second_call_quorum) == "1/4"


def test_a_full_custom_rule(open_on, voters, applicant):
    vote = open_on(applicant.id, rule={"method": "supermajority", "threshold": "3/4", "quorum_count": 2,
                                        "threshold_basis": "electorate"})
    assert vote.rule_preset == "custom"
    assert vote.rule_obj.describe().startswith("3/4 supermajority of the whole electorate")


# Casting ------------------------------------------------------------------------------------

def test_a_delegate_casts_and_changes_the_coops_ballot_and_only_the_last_counts(open_on, voters, applicant):
    vote = open_on(applicant.id)
    delegate, coop = voters[0]
    services.cast_ballot(actor=delegate, vote=vote, coop=coop, choice="for", note="GA of 3 March", now=T0 + timedelta(hours=1))
    ballot = services.cast_ballot(actor=delegate, vote=vote, choice="against", now=T0 + timedelta(hours=2))
    assert ballot.choice == "against" and ballot.note == "" and ballot.cast_by_id == delegate.id
    assert ballot.cast_at == T0 + timedelta(hours=1) and ballot.updated_at == T0 + timedelta(hours=2)
    assert db.session.scalar(select(func.count(Ballot.id)).where(Ballot.vote_id == vote.id)) == 1
    entries = queries.ledger_entries(vote)
    assert [e["type"] for e in entries] == ["opened", "ballot", "ballot"]
    assert entries[1]["data"]["note"] == "GA of 3 March" and entries[2]["data"]["choice"] == "against"
    assert entries[2]["data"]["delegate"] == ballot.delegate_pseudonym
    assert ballot.delegate_pseudonym.startswith("d-") and entries[1]["data"]["delegate"] == ballot.delegate_pseudonym
    assert ballot.entry_hash == entries[2]["hash"]
    assert delegate.name not in queries.export_ledger(vote) and delegate.email not in queries.export_ledger(vote)


def test_another_delegate_of_the_same_coop_replaces_the_ballot(open_on, voters, applicant, make_delegate):
    vote = open_on(applicant.id)
    first, coop = voters[0]
    second = make_delegate(coop=coop)
    services.cast_ballot(actor=first, vote=vote, choice="for", now=T0 + timedelta(hours=1))
    ballot = services.cast_ballot(actor=second, vote=vote, choice="abstain", now=T0 + timedelta(hours=2))
    assert (ballot.choice, ballot.cast_by_id) == ("abstain", second.id)
    assert len(queries.ballots(vote)) == 1


def test_no_ballot_outside_the_electorate_before_opening_or_after_closing(open_on, voters, applicant, make_delegate, steward):
    vote = open_on(applicant.id, opens_at=T0 + timedelta(days=1))
    delegate, coop = voters[0]
    with pytest.raises(Conflict, match="opens"):
        services.cast_ballot(actor=delegate, vote=vote, choice="for", now=T0)
    late = make_delegate()  # a co-op admitted after the vote opened
    with pytest.raises(PermissionDenied, match="electorate"):
        services.cast_ballot(actor=late, vote=vote, coop=late.coops[0], choice="for", now=T0 + timedelta(days=2))
    applicant_delegate = make_delegate(coop=applicant)
    with pytest.raises(PermissionDenied):
        services.cast_ballot(actor=applicant_delegate, vote=vote, choice="for", now=T0 + timedelta(days=2))
    with pytest.raises(Conflict, match="closed"):
        services.cast_ballot(actor=delegate, vote=vote, choice="for", now=T0 + WEEK)
    closing.close_vote(actor=steward, vote=vote, now=T0 + timedelta(days=3))
    with pytest.raises(Conflict, match="closed"):
        services.cast_ballot(actor=delegate, vote=vote, choice="for", now=T0 + timedelta(days=3, hours=1))
    assert queries.ballots(vote) == []


def test_observers_stewards_and_other_coops_delegates_cannot_cast(open_on, voters, applicant, steward):
    from flask_login import AnonymousUserMixin

    vote = open_on(applicant.id)
    at = T0 + timedelta(hours=1)
    for actor in (None, AnonymousUserMixin(), steward):
        with pytest.raises(PermissionDenied):
            services.cast_ballot(actor=actor, vote=vote, choice="for", now=at)
    mine, other = voters[0], voters[1]
    with pytest.raises(PermissionDenied, match="delegate of"):
        services.cast_ballot(actor=mine[0], vote=vote, coop=other[1], choice="for", now=at)
    assert queries.ballots(vote) == []


def test_a_suspended_coops_delegates_cannot_cast(open_on, voters, applicant, steward):
    vote = open_on(applicant.id)
    delegate, coop = voters[0]
    members.change_coop_status(actor=steward, coop=coop, status="suspended")
    with pytest.raises(PermissionDenied, match="suspended"):
        services.cast_ballot(actor=delegate, vote=vote, choice="for", now=T0 + timedelta(hours=1))
    # It still counts in the frozen electorate (the denominator of the quorum).
    assert coop.id in {m.coop_id for m in queries.electorate(vote)}


def test_an_ended_delegation_cannot_cast(open_on, voters, applicant):
    vote = open_on(applicant.id)
    delegate, coop = voters[0]
    db.session.execute(members.Delegation.__table__.update().where(members.Delegation.person_id == delegate.id)
                       .values(ended_at=T0))
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.cast_ballot(actor=delegate, vote=vote, choice="for", now=T0 + timedelta(hours=1))


def test_a_delegate_of_several_coops_says_which_one(open_on, voters, applicant, steward):
    delegate, coop = voters[0]
    other = voters[1][1]
    _inv, token = members.invite_delegate(actor=steward, coop=other)
    members.accept_invitation(token=token, name="", email="", password="", actor=delegate)
    vote = open_on(applicant.id)
    at = T0 + timedelta(hours=1)
    with pytest.raises(InvalidInput, match="Choose which co-op"):
        services.cast_ballot(actor=delegate, vote=vote, choice="for", now=at)
    services.cast_ballot(actor=delegate, vote=vote, coop=coop, choice="for", now=at)
    services.cast_ballot(actor=delegate, vote=vote, coop=other, choice="against", now=at)
    assert {(b.coop_id, b.choice) for b in queries.ballots(vote)} == {(coop.id, "for"), (other.id, "against")}


@pytest.mark.parametrize("preset, choice, ranking", [
    ("simple-majority", "maybe", None),
    ("simple-majority", None, None),
    ("simple-majority", "consent", None),
    ("simple-majority", "for", ["a"]),
    ("consent", "for", None),
    ("consent", "object", None),  # objections need their reasons: raise_objection
])
def test_invalid_choices_are_refused_plainly(open_on, voters, applicant, preset, choice, ranking):
    vote = open_on(applicant.id, rule_preset=preset)
    with pytest.raises(InvalidInput) as caught:
        services.cast_ballot(actor=voters[0][0], vote=vote, choice=choice, ranking=ranking, now=T0 + timedelta(hours=1))
    assert caught.value.message and caught.value.field_errors


@pytest.mark.parametrize("ranking", [["z"], ["a", "a"], None])
def test_invalid_rankings_are_refused(open_on, voters, ranking):
    vote = open_on(1, kind="sample")
    with pytest.raises(InvalidInput):
        services.cast_ballot(actor=voters[0][0], vote=vote, ranking=ranking, now=T0 + timedelta(hours=1))


def test_a_mandate_note_is_limited(open_on, voters, applicant):
    vote = open_on(applicant.id)
    with pytest.raises(InvalidInput):
        services.cast_ballot(actor=voters[0][0], vote=vote, choice="for", note="x" * 2001, now=T0 + timedelta(hours=1))


# Every rule through the database -------------------------------------------------------------

RULE_CASES = [
    # preset or rule, choices of the five co-ops, passed, counts
    ("simple-majority", ["for", "for", "for", "against", None], True, {"for": 3, "against": 1, "abstain": 0}),
    ("simple-majority", ["for", "for", "against", "against", "abstain"], False, {"for": 2, "against": 2, "abstain": 1}),
    ("simple-majority", ["for", None, None, None, None], False, {"for": 1, "against": 0, "abstain": 0}),  # quorum
    ("simple-majority", ["abstain", "abstain", "abstain", None, None], False, {"for": 0, "against": 0, "abstain": 3}),
    ("two-thirds", ["for", "for", "against", None, None], True, {"for": 2, "against": 1, "abstain": 0}),  # exactly 2/3, quorum 3/5 exactly
    ("two-thirds", ["for", "against", "abstain", "abstain", None], False, {"for": 1, "against": 1, "abstain": 2}),
    ("three-quarters", ["for", "for", "for", "against", "abstain"], True, {"for": 3, "against": 1, "abstain": 1}),
    ("three-quarters", ["for", "for", "against", "abstain", None], False, {"for": 2, "against": 1, "abstain": 1}),
    ("unanimity", ["for", "for", "for", "abstain", None], True, {"for": 3, "against": 0, "abstain": 1}),
    ("unanimity", ["for", "for", "for", "for", "against"], False, {"for": 4, "against": 1, "abstain": 0}),
    ("consent", ["consent", "consent", "stand_aside", None, None], True,
     {"consent": 2, "stand_aside": 1, "object": 0, "object_resolved": 0}),
    ("consent", ["consent", "consent", "object", None, None], False,
     {"consent": 2, "stand_aside": 0, "object": 1, "object_resolved": 0}),
    ({"method": "majority", "threshold_basis": "electorate"}, ["for", "for", "against", None, None], False,
     {"for": 2, "against": 1, "abstain": 0}),
    ({"method": "majority", "threshold_basis": "electorate"}, ["for", "for", "for", None, None], True,
     {"for": 3, "against": 0, "abstain": 0}),
    ({"method": "majority", "quorum_count": 4}, ["for", "for", "for", None, None], False,
     {"for": 3, "against": 0, "abstain": 0}),
]


@pytest.mark.parametrize("rule, choices, passed, counts", RULE_CASES)
def test_every_rule_decides_through_the_database(open_on, voters, applicant, rule, choices, passed, counts):
    options = {"rule_preset": rule} if isinstance(rule, str) else {"rule": rule}
    vote = open_on(applicant.id, **options)
    cast_all(vote, voters, choices)
    closing.close_vote(actor=services.SYSTEM, vote=vote, now=T0 + WEEK)
    vote = db.session.get(Vote, vote.id)
    assert (vote.passed, vote.result["counts"]) == (passed, counts), vote.explanation
    assert vote.explanation == vote.result["explanation"]
    verified(vote)
    admitted = db.session.get(Cooperative, applicant.id).status == "member"
    assert admitted is passed


@pytest.mark.parametrize("rankings, winner", [
    ([["a", "status_quo"], ["a", "b"], ["b", "a"], ["status_quo"], []], "a"),
    ([["status_quo"], ["status_quo", "a"], ["a"], None, None], None),
    ([["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"], None, None], None),  # a cycle: no single winner
])
def test_ranked_choice_through_the_database(open_on, voters, rankings, winner):
    vote = open_on(1, kind="sample")
    assert vote.rule_obj.method == "ranked" and vote.alternatives == [["a", "Wording A"], ["b", "Wording B"],
                                                                       ["c", "Wording C"]]
    cast_all(vote, voters, rankings)
    closing.close_vote(actor=services.SYSTEM, vote=vote, now=T0 + WEEK)
    vote = db.session.get(Vote, vote.id)
    assert vote.result["winner"] == winner and vote.passed is (winner is not None)
    assert (vote.id, vote.passed, winner) in SampleHandler.closed
    assert vote.effect_note.startswith("Sample decided")
    verified(vote)


def test_weighted_votes_need_explicit_weights(open_on, voters, applicant):
    rule = {"method": "majority", "weighted": True, "quorum": "1/2"}
    with pytest.raises(InvalidInput, match="weight"):
        open_on(applicant.id, rule=rule)
    weights = {coop.id: weight for (_d, coop), weight in zip(voters, [5, 1, 1, 1, 1], strict=True)}
    vote = open_on(applicant.id, rule=rule, weights=weights)
    cast_all(vote, voters, ["for", "against", "against", "against", None])
    closing.close_vote(actor=services.SYSTEM, vote=vote, now=T0 + WEEK)
    vote = db.session.get(Vote, vote.id)
    assert vote.passed and vote.result["counts"] == {"for": 5, "against": 3, "abstain": 0}
    verified(vote)


# Consent: objections and concerns -----------------------------------------------------------

@pytest.fixture
def consent_vote(open_on, voters, applicant):
    vote = open_on(applicant.id, rule_preset="consent")
    cast_all(vote, voters, ["consent", "consent", "stand_aside"])
    return vote


def _object(voters, vote, index=3, **extra):
    delegate, coop = voters[index]
    extra.setdefault("argument", "Our members were not consulted.")
    return objections.raise_objection(actor=delegate, vote=vote, passage="as a member of the network", paramount=True,
                                    now=T0 + timedelta(hours=2), **extra)


@pytest.mark.parametrize("ending, passed", [(None, False), ("withdrawn", True), ("resolved", True), ("upheld", False)])
def test_a_standing_objection_blocks_until_withdrawn_or_resolved(consent_vote, voters, steward, ending, passed):
    objection = _object(voters, consent_vote)
    assert (objection.status, objection.paramount, objection.passage) == ("standing", True, "as a member of the network")
    later = T0 + timedelta(hours=3)
    if ending == "withdrawn":
        objections.withdraw_objection(actor=voters[3][0], objection=objection, note="Talked it through", now=later)
    elif ending == "resolved":
        objections.resolve_objection(actor=steward, objection=objection, note="They were consulted since.", now=later)
    elif ending == "upheld":
        objections.resolve_objection(actor=steward, objection=objection, upheld=True, note="A real risk", now=later)
    closing.close_vote(actor=services.SYSTEM, vote=consent_vote, now=T0 + WEEK)
    vote = db.session.get(Vote, consent_vote.id)
    assert vote.passed is passed, vote.explanation
    objection = db.session.get(Objection, objection.id)
    assert objection.status == (ending or "standing")
    if ending == "resolved":
        assert objection.resolved_amendment_id is None
        resolved = [e for e in queries.ledger_entries(vote) if e["type"] == "objection_resolved"]
        assert resolved[0]["data"]["how"] == "resolved" and "consulted since" in resolved[0]["data"]["note"]
    verified(vote)


def test_objections_need_reasons_belong_to_consent_votes_and_one_stands_per_coop(consent_vote, open_on, voters, applicant):
    with pytest.raises(InvalidInput, match="reasons"):
        _object(voters, consent_vote, argument="  ")
    _object(voters, consent_vote)
    with pytest.raises(Conflict, match="already has an objection"):
        _object(voters, consent_vote)


def test_objections_only_in_consent_votes(open_on, voters, applicant):
    vote = open_on(applicant.id)
    with pytest.raises(Conflict, match="consent"):
        _object(voters, vote)


def test_only_the_objecting_coop_withdraws_and_only_stewards_resolve(consent_vote, voters, steward):
    objection = _object(voters, consent_vote)
    later = T0 + timedelta(hours=3)
    with pytest.raises(PermissionDenied):
        objections.withdraw_objection(actor=voters[0][0], objection=objection, now=later)
    with pytest.raises(PermissionDenied):
        objections.resolve_objection(actor=voters[3][0], objection=objection, amendment_id=1, now=later)
    with pytest.raises(InvalidInput):
        objections.resolve_objection(actor=steward, objection=objection, now=later)  # neither amendment nor note
    with pytest.raises(InvalidInput):
        objections.resolve_objection(actor=steward, objection=objection, upheld=True, now=later)  # no reason


def test_a_new_ballot_replaces_an_objection(consent_vote, voters):
    objection = _object(voters, consent_vote)
    services.cast_ballot(actor=voters[3][0], vote=consent_vote, choice="consent", now=T0 + timedelta(hours=4))
    assert db.session.get(Objection, objection.id).status == "withdrawn"
    closing.close_vote(actor=services.SYSTEM, vote=consent_vote, now=T0 + WEEK)
    assert db.session.get(Vote, consent_vote.id).passed
    verified(db.session.get(Vote, consent_vote.id))


def test_concerns_are_logged_and_never_block(consent_vote, voters):
    concern = objections.log_concern(actor=voters[0][0], vote=consent_vote, passage="member",
                                   argument="Review the fee in a year.", now=T0 + timedelta(hours=2))
    assert (concern.kind, concern.status, concern.blocks) == ("concern", "logged", False)
    with pytest.raises(Conflict):
        objections.withdraw_objection(actor=voters[0][0], objection=concern, now=T0 + timedelta(hours=3))
    closing.close_vote(actor=services.SYSTEM, vote=consent_vote, now=T0 + WEEK)
    assert db.session.get(Vote, consent_vote.id).passed


# Closing ------------------------------------------------------------------------------------

def test_closing_computes_once_stores_the_verified_result_and_admits(open_on, voters, applicant):
    vote = open_on(applicant.id)
    cast_all(vote, voters, ["for", "for", "for", "against", "abstain"])
    closed = closing.close_vote(actor=services.SYSTEM, vote=vote, now=T0 + WEEK)
    assert closed.state == "closed" and closed.passed and closed.closed_at == T0 + WEEK
    assert closed.explanation.startswith("Quorum 50% met: 5 of 5 co-ops took part.")
    coop = db.session.get(Cooperative, applicant.id)
    assert coop.status == "member" and coop.member_since is not None
    assert closed.effect_note == "Coop Courses is now a member."
    change = db.session.scalar(select(Event).where(Event.kind == "coop_status_changed",
                                                   Event.payload["coop_id"].as_integer() == applicant.id))
    assert change.payload["to"] == "member" and change.payload["vote_id"] == vote.id
    report = verified(closed)
    assert report.summary() == f"OK: vote {vote.id} — 7 entries, 5 ballots, result recomputed: adopted"
    assert ledger.replay(queries.ledger_entries(closed)).declared == closed.result


def test_closing_twice_is_a_no_op_and_a_closed_vote_never_changes(open_on, voters, applicant, steward):
    vote = open_on(applicant.id)
    cast_all(vote, voters, ["for", "against"])
    first = closing.close_vote(actor=steward, vote=vote, now=T0 + timedelta(days=1))
    before = (first.result, first.closed_at, queries.export_ledger(first), [b.choice for b in queries.ballots(first)])
    again = closing.close_vote(actor=services.SYSTEM, vote=vote, now=T0 + WEEK)
    assert closing.close_due_votes(T0 + WEEK * 2) == []
    assert (again.result, again.closed_at, queries.export_ledger(again),
            [b.choice for b in queries.ballots(again)]) == before
    assert first.closed_by_id == steward.id
    with pytest.raises(Conflict):
        closing.cancel_vote(actor=steward, vote=vote, reason="Too late")
    # Nobody can change a closed vote, its ballots or its record behind the services' back.
    for change in (lambda v: setattr(v, "explanation", "Adopted after all"),
                   lambda v: setattr(v, "rule", {"method": "majority"}),
                   lambda v: setattr(queries.ballots(v)[0], "choice", "abstain"),
                   lambda v: setattr(db.session.scalars(select(LedgerEntry)).first(), "hash", "0" * 64),
                   lambda v: db.session.delete(queries.ballots(v)[0])):
        fresh = db.session.get(Vote, vote.id)
        change(fresh)
        with pytest.raises(ValueError):
            db.session.flush()
        db.session.rollback()
    assert queries.export_ledger(db.session.get(Vote, vote.id)) == before[2]


def test_the_system_closes_only_due_votes(open_on, voters, applicant, make_coop):
    vote = open_on(applicant.id)
    other = open_on(make_coop("applicant").id, closes_at=T0 + WEEK * 2)
    with pytest.raises(Conflict, match="not due"):
        closing.close_vote(actor=services.SYSTEM, vote=vote, now=T0 + timedelta(days=1))
    with pytest.raises(PermissionDenied):
        closing.close_vote(actor=voters[0][0], vote=vote, now=T0 + WEEK)
    assert closing.close_due_votes(T0 + WEEK - timedelta(seconds=1)) == []
    assert closing.close_due_votes(T0 + WEEK) == [vote.id]
    assert db.session.get(Vote, other.id).state == "open"


def test_a_refused_effect_still_closes_the_vote_with_its_result(open_on, voters, applicant, steward):
    vote = open_on(applicant.id)
    cast_all(vote, voters, ["for", "for", "for"])
    # Meanwhile the co-op left the process: it can no longer be admitted by this vote.
    members.change_coop_status(actor=steward, coop=applicant, status="member")
    members.change_coop_status(actor=steward, coop=db.session.get(Cooperative, applicant.id), status="suspended")
    closed = closing.close_vote(actor=services.SYSTEM, vote=vote, now=T0 + WEEK)
    assert closed.state == "closed" and closed.passed
    assert closed.effect_note.startswith("The result could not be carried out")
    assert db.session.get(Cooperative, applicant.id).status == "suspended"
    assert not db.session.scalar(select(Event).where(Event.kind == "coop_status_changed",
                                                     Event.payload["reason"].as_string().like("Admitted by vote%")))
    verified(closed)


# Second call --------------------------------------------------------------------------------

def test_a_vote_failing_only_on_quorum_is_called_once_more_with_the_lower_quorum(open_on, voters, applicant):
    vote = open_on(applicant.id, second_call_quorum="1/5")
    cast_all(vote, voters, ["for", "for"])  # 2 of 5: quorum 1/2 not met, but it would pass
    closed = closing.close_vote(actor=services.SYSTEM, vote=vote, now=T0 + WEEK)
    assert not closed.passed and closed.result["failed_only_on_quorum"]
    second = queries.second_call_of(closed)
    assert second is not None and second.state == "open" and second.second_call_of_id == vote.id
    assert second.rule_obj.quorum == closed.rule_obj.second_call_quorum and second.rule_obj.second_call_quorum is None
    assert second.title.startswith("Second call:") and second.text_hash == closed.text_hash
    assert second.opens_at == T0 + WEEK and second.closes_at == T0 + WEEK * 2
    assert {m.coop_id for m in queries.electorate(second)} == {m.coop_id for m in queries.electorate(closed)}
    assert db.session.get(Cooperative, applicant.id).status == "applicant"
    assert "second time" in closed.effect_note
    verified(closed)
    cast_all(second, voters, ["for"], at=T0 + WEEK + timedelta(hours=1))
    closing.close_vote(actor=services.SYSTEM, vote=second, now=T0 + WEEK * 2)
    second = db.session.get(Vote, second.id)
    assert second.passed and db.session.get(Cooperative, applicant.id).status == "member"
    verified(second)


def test_there_is_no_third_call_and_no_second_call_for_a_real_rejection(open_on, voters, applicant, make_coop):
    vote = open_on(applicant.id, second_call_quorum="1/5")
    cast_all(vote, voters, ["against", "against"])
    closing.close_vote(actor=services.SYSTEM, vote=vote, now=T0 + WEEK)
    assert queries.second_call_of(db.session.get(Vote, vote.id)) is None
    nobody = open_on(make_coop("applicant").id, second_call_quorum="2/5")
    closing.close_vote(actor=services.SYSTEM, vote=nobody, now=T0 + WEEK)  # nobody voted: it would not have passed anyway
    assert queries.second_call_of(db.session.get(Vote, nobody.id)) is None
    vote3 = open_on(make_coop("applicant").id, second_call_quorum="2/5")
    cast_all(vote3, voters, ["for"])
    closing.close_vote(actor=services.SYSTEM, vote=vote3, now=T0 + WEEK)
    second = queries.second_call_of(db.session.get(Vote, vote3.id))
    cast_all(second, voters, ["for"], at=T0 + WEEK + timedelta(hours=1))
    closing.close_vote(actor=services.SYSTEM, vote=second, now=T0 + WEEK * 2)  # 1 of 5 misses even the lower quorum
    second = db.session.get(Vote, second.id)
    assert second.result["failed_only_on_quorum"] and queries.second_call_of(second) is None


# Cancelling and the outcome statement -------------------------------------------------------

def test_a_steward_cancels_an_open_vote_with_a_reason(open_on, voters, applicant, steward):
    vote = open_on(applicant.id)
    cast_all(vote, voters, ["for"])
    with pytest.raises(PermissionDenied):
        closing.cancel_vote(actor=voters[0][0], vote=vote, reason="No")
    with pytest.raises(InvalidInput):
        closing.cancel_vote(actor=steward, vote=vote, reason=" ")
    cancelled = closing.cancel_vote(actor=steward, vote=vote, reason="The description must change.")
    assert (cancelled.state, cancelled.cancel_reason, cancelled.result) == ("cancelled", "The description must change.", None)
    with pytest.raises(Conflict):
        services.cast_ballot(actor=voters[1][0], vote=vote, choice="for", now=T0 + timedelta(hours=2))
    assert closing.close_vote(actor=services.SYSTEM, vote=vote, now=T0 + WEEK).state == "cancelled"
    # The record says the vote ended: a final "cancelled" entry with the reason.
    entries = queries.published_record(vote)
    assert (entries[-1]["type"], entries[-1]["data"]) == ("cancelled", {"reason": "The description must change."})
    assert vote.record_head == entries[-1]["hash"]
    report = ledger.verify(ledger.loads_jsonl(queries.export_ledger(vote)))
    assert report.ok and not report.closed and report.final == "cancelled"
    # A new vote can now be opened on the corrected text.
    assert open_on(applicant.id).state == "open"


def test_cancel_votes_on_subject_inside_another_transaction(open_on, voters, applicant):
    from deliberate.database import unit_of_work

    vote = open_on(applicant.id)
    with unit_of_work() as session:
        assert closing.cancel_votes_on_subject(session, "admission", applicant.id, "The text moved.") == [vote.id]
    assert db.session.get(Vote, vote.id).state == "cancelled"


def test_the_outcome_statement_comes_after_close(open_on, voters, applicant, steward):
    from datetime import date

    vote = open_on(applicant.id)
    with pytest.raises(Conflict):
        closing.add_outcome_statement(actor=steward, vote=vote, text="Welcome!")
    closing.close_vote(actor=steward, vote=vote, now=T0 + timedelta(days=1))
    with pytest.raises(PermissionDenied):
        closing.add_outcome_statement(actor=voters[0][0], vote=vote, text="Welcome!")
    with pytest.raises(InvalidInput):
        closing.add_outcome_statement(actor=steward, vote=vote, text="Welcome!", review_date=date(2030, 1, 1))
    stated = closing.add_outcome_statement(actor=steward, vote=vote, text="Not enough co-ops took part.",
                                           review_date=date(2031, 9, 1))
    assert stated.outcome_statement == "Not enough co-ops took part." and stated.review_date == date(2031, 9, 1)
    assert stated.state == "closed" and stated.statement_by_id == steward.id
    verified(stated)


# Reminders ----------------------------------------------------------------------------------

def test_coops_that_have_not_voted_are_reminded_once_a_day_before_close(open_on, voters, applicant, make_delegate):
    vote = open_on(applicant.id)
    colleague = make_delegate(coop=voters[1][1])
    cast_all(vote, voters, ["for"])
    assert closing.send_reminders(T0 + timedelta(days=5)) == 0  # too early
    sent = closing.send_reminders(T0 + timedelta(days=6, hours=1))
    reminded = db.session.scalars(select(Event).where(Event.kind == "vote_reminder")).all()
    rooms = sorted(e.scope for e in reminded)
    expected = sorted([f"user:{d.id}" for d, _c in voters[1:]] + [f"user:{colleague.id}"])
    assert sent == 5 and rooms == expected
    assert all(e.payload["vote_id"] == vote.id for e in reminded)
    assert closing.send_reminders(T0 + timedelta(days=6, hours=2)) == 0  # never twice
    assert queries.waiting_for(voters[1][0], T0 + timedelta(days=6)) == [(db.session.get(Vote, vote.id), voters[1][1])]
    assert queries.waiting_for(voters[0][0], T0 + timedelta(days=6)) == []


def test_the_scheduler_tick_closes_and_reminds(app, open_on, voters, applicant):
    from deliberate.voting import scheduler

    vote = open_on(applicant.id)
    from deliberate import worker

    assert worker.jobs(app)["votes"].tick is scheduler.tick
    assert scheduler.tick(app, now=T0 + timedelta(days=6, hours=12))["reminders"] == 5
    assert scheduler.tick(app, now=T0 + WEEK)["closed"] == [vote.id]


# Erasure ------------------------------------------------------------------------------------

def test_erasing_a_delegate_keeps_the_ballot_and_the_record(open_on, voters, applicant):
    from sqlalchemy import delete

    from deliberate.members.models import Person

    vote = open_on(applicant.id)
    cast_all(vote, voters, ["for", "for", "for"])
    closing.close_vote(actor=services.SYSTEM, vote=vote, now=T0 + WEEK)
    before = queries.export_ledger(vote)
    gone = voters[0][0].id
    db.session.execute(delete(Person).where(Person.id == gone))
    db.session.commit()
    ballot = db.session.scalar(select(Ballot).where(Ballot.vote_id == vote.id, Ballot.coop_id == voters[0][1].id))
    assert ballot.cast_by_id is None and ballot.choice == "for"
    assert queries.export_ledger(vote) == before
    verified(db.session.get(Vote, vote.id))


def test_subject_registry():
    handler = get_handler("admission")
    assert handler.kind == "admission" and handler.label
    from deliberate.voting.subjects import parse_subject, registered_kinds

    assert {"admission", "sample"} <= set(registered_kinds())
    assert parse_subject("admission:12") == ("admission", 12)
    with pytest.raises(InvalidInput):
        parse_subject("admission")
    with pytest.raises(TypeError):
        register_subject(object())


def test_a_vote_whose_subject_disappeared_still_closes_and_cancels(open_on, voters, steward, monkeypatch):
    vote = open_on(2, kind="sample")
    other = open_on(4, kind="sample")
    cast_all(vote, voters, ["for", "for", "for"])

    def gone(self, subject_id):
        raise NotFound("No such sample.")

    monkeypatch.setattr(SampleHandler, "load", gone)
    closed = closing.close_vote(actor=None, vote=vote, now=T0 + WEEK)  # None: the system, like SYSTEM
    assert closed.state == "closed" and closed.passed and "no longer exists" in closed.effect_note
    verified(closed)
    assert closing.cancel_vote(actor=steward, vote=other, reason="Withdrawn").state == "cancelled"


def test_a_secret_vote_cannot_be_weighted(open_on, voters, applicant):
    """The weights stand next to the receipts in a secret record: a co-op with a known, unique
    weight would be named, and its choice read from the sealed record."""
    weights = {coop.id: n + 1 for n, (_delegate, coop) in enumerate(voters)}
    with pytest.raises(InvalidInput) as refused:
        open_on(applicant.id, rule={"method": "majority", "weighted": True, "secret": True}, weights=weights)
    assert "secret" in refused.value.field_errors
    assert db.session.scalar(select(func.count(Vote.id))) == 0
