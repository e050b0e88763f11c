"""The network amends its own rules: the Network rules standard, policy amendments decided under the
ratchet, adoption writing the policy and the generated sections, and terms fixed at each start."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from deliberate.database import utcnow
from deliberate.errors import Conflict, InvalidInput, PermissionDenied
from deliberate.extensions import db
from deliberate.policies import changes, netrules, queries, ratchet, rules_text
from deliberate.policies import services as policies
from deliberate.proposals import services as proposals
from deliberate.proposals.models import Amendment
from deliberate.standards.models import Revision, Section, Standard
from deliberate.voting import closing
from deliberate.voting import services as voting
from deliberate.voting.policy import validate_policy


@pytest.fixture
def world(steward, make_coop, make_delegate, make_standard):
    coops = [make_coop(name=f"Coop {n}") for n in range(3)]
    delegates = [make_delegate(coop=coop, name=f"Delegate {n}") for n, coop in enumerate(coops)]
    standard = make_standard(sections=[("Ownership", "Members own the platform.")])
    return {"steward": steward, "coops": coops, "delegates": delegates, "standard": standard}


def decide(world, amendment, choice):
    vote = voting.open_vote(actor=world["steward"], subject_kind="amendment", subject_id=amendment.id,
                            closes_at=utcnow() + timedelta(days=14))
    for person, coop in zip(world["delegates"], world["coops"]):
        voting.cast_ballot(actor=person, vote=vote, coop=coop, choice=choice)
    return closing.close_vote(actor=world["steward"], vote=vote)


def propose_network(world, **changes_):
    policy = validate_policy(queries.network_policy())
    for path, value in changes_.items():
        top, _, inner = path.partition("__")
        if inner:
            policy[top][inner] = value
        else:
            policy[top] = value
    return policies.propose_policy_change(actor=world["steward"], standard=None, policy=policy,
                                          summary="Stricter rules for guidance.")


def test_no_network_rules_means_the_defaults(world):
    assert netrules.network_rules_standard() is None
    assert queries.network_policy_stored() == {}


def test_the_network_rules_standard_is_generated_from_the_policy(world):
    standard = netrules.ensure_network_rules(actor=world["steward"])
    assert standard.role == "network-rules" and standard.title == "Network rules" and standard.maturity == "draft"
    assert netrules.ensure_network_rules(actor=world["steward"]).id == standard.id  # only one
    assert queries.network_policy_stored() == validate_policy({})
    sections = db.session.scalars(select(Section).where(Section.standard_id == standard.id).order_by(Section.position))
    assert [(s.key, s.title, s.body) for s in sections] == rules_text.render_sections({})


def test_only_stewards_set_up_the_network_rules(world):
    with pytest.raises(PermissionDenied):
        netrules.ensure_network_rules(actor=world["delegates"][0])
    with pytest.raises(PermissionDenied):
        policies.propose_policy_change(actor=world["delegates"][0], standard=None, policy=validate_policy({}),
                                       summary="x")


def test_an_adopted_network_change_sets_the_policy_and_rewrites_the_sections(world):
    amendment = propose_network(world, amendments__guidance="two-thirds", council__size=7)
    assert amendment.kind == "policy" and amendment.standard.role == "network-rules"
    # The ratchet: current guidance rule is majority, the proposed two-thirds; a policy change is
    # decided as a principle (consent, in both), so consent decides; the record says both.
    assert amendment.terms["rule"] == "consent" and amendment.terms["ratchet"]["decided_by"] == "same"
    amendment = proposals.open_amendment(actor=world["steward"], amendment=amendment)
    vote = decide(world, amendment, "consent")
    assert vote.state == "closed"
    db.session.expire_all()
    amendment = db.session.get(Amendment, amendment.id)
    assert amendment.state == "adopted"
    stored = queries.network_policy_stored()
    assert stored["amendments"]["guidance"] == "two-thirds" and stored["council"]["size"] == 7
    revisions = list(db.session.scalars(select(Revision).where(Revision.amendment_id == amendment.id)))
    changed = {db.session.get(Section, r.section_id).key for r in revisions}
    assert changed == {"kinds-of-change", "council"}
    assert all(r.message.startswith(amendment.reference) for r in revisions)
    # The history on the policy page.
    (entry,) = changes.history(amendment.standard)
    assert entry.amendment.id == amendment.id and entry.vote is not None
    assert set(entry.changed) == {"How each kind of change is decided", "Formal objections and the council"}


def test_the_vote_binds_the_exact_proposed_policy(world):
    amendment = propose_network(world, proxies__max_per_coop=3)
    amendment = proposals.open_amendment(actor=world["steward"], amendment=amendment)
    vote = voting.open_vote(actor=world["steward"], subject_kind="amendment", subject_id=amendment.id,
                            closes_at=utcnow() + timedelta(days=14))
    import json

    frozen = json.loads(vote.text)
    assert frozen["policy"] == amendment.head.proposed_policy and frozen["policy"]["proxies"]["max_per_coop"] == 3
    assert frozen["base_policy"] == amendment.head.base_policy
    assert vote.terms["ratchet"]["current"]["rule"] == "consent"


def test_a_loosening_is_decided_under_the_old_stricter_rule(world):
    amendment = propose_network(world, amendments__principle="simple-majority")
    assert amendment.terms["rule"] == "consent" and amendment.terms["ratchet"]["decided_by"] == "current"
    assert amendment.terms["ratchet"]["proposed"]["rule"] == "simple-majority"


def test_a_tightening_is_decided_under_the_new_stricter_rule(world):
    amendment = propose_network(world, amendments__principle="unanimity")
    assert amendment.terms["rule"] == "unanimity" and amendment.terms["ratchet"]["decided_by"] == "proposed"


def test_a_mixed_change_combines_the_stricter_parts(world):
    policy = validate_policy({})
    current_discussion = policy["phases"]["principle"]["discussion_days"]  # 0 in the tests' network
    policy["amendments"]["principle"] = "simple-majority"
    policy["quorums"]["principle"] = "3/4"
    policy["phases"]["principle"]["discussion_days"] = 3
    amendment = policies.propose_policy_change(actor=world["steward"], standard=None, policy=policy, summary="Mixed.")
    terms = amendment.terms
    assert terms["ratchet"]["decided_by"] == "combined"
    # The stricter part of each: consent (the old rule), the new 3/4 quorum, the longer discussion.
    assert (terms["rule"], terms["quorum"], terms["discussion_days"]) == ("consent", "3/4", max(3, current_discussion))


def test_an_unchanged_policy_is_refused(world):
    netrules.ensure_network_rules(actor=world["steward"])
    with pytest.raises(InvalidInput, match="changes nothing"):
        policies.propose_policy_change(actor=world["steward"], standard=None, policy=queries.network_policy(),
                                       summary="Nothing.")


def test_an_invalid_policy_names_its_field(world):
    policy = validate_policy({})
    policy["phases"]["guidance"]["voting_days"] = 0
    with pytest.raises(InvalidInput) as caught:
        policies.propose_policy_change(actor=world["steward"], standard=None, policy=policy, summary="Bad.")
    assert "voting_days-guidance" in caught.value.field_errors


def test_a_standard_policy_change_stores_only_its_differences(world):
    policy = queries.policy_for(world["standard"])
    policy["amendments"]["guidance"] = "three-quarters"
    amendment = policies.propose_policy_change(actor=world["steward"], standard=world["standard"], policy=policy,
                                               summary="Guidance needs more.")
    assert amendment.head.proposed_policy == {"amendments": {"guidance": "three-quarters"}}
    amendment = proposals.open_amendment(actor=world["steward"], amendment=amendment)
    decide(world, amendment, "consent")
    db.session.expire_all()
    assert db.session.get(Standard, world["standard"].id).policy == {"amendments": {"guidance": "three-quarters"}}
    assert queries.policy_for(db.session.get(Standard, world["standard"].id))["amendments"]["guidance"] == "three-quarters"


def test_a_policy_amendment_whose_base_moved_cannot_go_to_a_vote(world):
    first = proposals.open_amendment(actor=world["steward"],
                                     amendment=propose_network(world, council__size=9))
    second = proposals.open_amendment(actor=world["steward"],
                                      amendment=propose_network(world, proxies__max_per_coop=4))
    decide(world, first, "consent")
    with pytest.raises(Conflict, match="policy changed"):
        voting.open_vote(actor=world["steward"], subject_kind="amendment", subject_id=second.id,
                         closes_at=utcnow() + timedelta(days=14))


def test_rules_take_effect_for_processes_started_after_them(world):
    """An amendment opened before a network-rules change keeps its terms; one opened after gets the new."""
    section = world["standard"].sections[0]
    before = proposals.open_amendment(actor=world["delegates"][0], amendment=proposals.propose_amendment(
        actor=world["delegates"][0], standard=world["standard"], kind="modify", section=section,
        summary="Before.", proposed_title=section.title, proposed_body="Members own it together."))
    assert before.terms["rule"] == "consent"
    assert before.terms["discussion_days"] == validate_policy({})["phases"]["principle"]["discussion_days"]
    change = propose_network(world, amendments__principle="three-quarters")
    change = proposals.open_amendment(actor=world["steward"], amendment=change)
    assert change.terms["rule"] == "consent"  # consent is stricter than 3/4: the old rule decides
    decide(world, change, "consent")
    assert queries.network_policy()["amendments"]["principle"] == "three-quarters"
    db.session.expire_all()
    before = db.session.get(Amendment, before.id)
    assert before.terms["rule"] == "consent" and proposals.current_terms(before)["rule"] == "consent"
    section = db.session.get(Standard, world["standard"].id).sections[0]
    after = proposals.open_amendment(actor=world["delegates"][1], amendment=proposals.propose_amendment(
        actor=world["delegates"][1], standard=db.session.get(Standard, world["standard"].id), kind="modify",
        section=section, summary="After.", proposed_title=section.title, proposed_body="Members own it jointly."))
    assert after.terms["rule"] == "three-quarters"
    # The vote on the earlier amendment still follows the rule it started with.
    vote = voting.open_vote(actor=world["steward"], subject_kind="amendment", subject_id=before.id,
                            closes_at=utcnow() + timedelta(days=14))
    assert vote.rule_preset == "consent" and vote.terms["rule"] == "consent"


def test_policy_amendments_are_not_edited_in_place(world):
    amendment = propose_network(world, council__size=9)
    from deliberate.proposals.permissions import can_edit

    assert not can_edit(world["steward"], amendment)
    assert ratchet.POLICY_CHANGE_KIND == amendment.change_kind
