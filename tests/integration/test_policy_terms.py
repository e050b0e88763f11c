"""Invariant 13: the policy's terms are copied into each amendment and vote when it starts, so changing
a policy never changes a running process; the pages and the API say which rule decides and why."""
from datetime import timedelta
from fractions import Fraction

import pytest

from deliberate.database import utcnow
from deliberate.errors import InvalidInput
from deliberate.extensions import db
from deliberate.proposals import services
from deliberate.proposals.models import Amendment
from deliberate.standards import services as standards
from deliberate.standards.models import Standard
from deliberate.voting import services as voting
from deliberate.voting.models import Vote
from deliberate.voting.policy import validate_policy
from tests.integration.conftest import ONE_SECTION_TEXT as TEXT


@pytest.fixture
def setup(one_section):
    return one_section


def set_policy(setup, policy):
    standard = db.session.get(Standard, setup["standard"].id)
    standard.policy = policy
    db.session.commit()


def propose(setup, body, change_kind=None):
    s = standards.get_standard(setup["standard"].slug).sections[0]
    return services.propose_amendment(actor=setup["delegates"][0], standard=setup["standard"], kind="modify",
                                      section=s, summary="Change.", proposed_title=s.title, proposed_body=body,
                                      change_kind=change_kind)


def open_vote(setup, amendment):
    return voting.open_vote(actor=setup["steward"], subject_kind="amendment", subject_id=amendment.id,
                            closes_at=utcnow() + timedelta(days=7))


def test_terms_are_copied_at_creation_and_when_opened_then_never_change(setup):
    set_policy(setup, {"amendments": {"principle": "two-thirds"}, "phases": {"principle": {"discussion_days": 3}}})
    amendment = propose(setup, TEXT.replace("together", "jointly"))
    assert amendment.change_kind == "principle"
    assert amendment.terms["rule"] == "two-thirds" and amendment.terms["discussion_days"] == 3
    set_policy(setup, {"amendments": {"principle": "three-quarters"}, "quorums": {"principle": "4/5"}})
    opened = services.open_amendment(actor=setup["delegates"][0], amendment=amendment)
    assert opened.terms["rule"] == "three-quarters" and opened.terms["quorum"] == "4/5"  # its process starts here
    set_policy(setup, {"amendments": {"principle": "consent"}})
    db.session.expire_all()
    assert db.session.get(Amendment, amendment.id).terms["rule"] == "three-quarters"
    vote = open_vote(setup, amendment)
    assert vote.rule_preset == "three-quarters" and vote.terms["rule"] == "three-quarters"
    assert Fraction(vote.rule["quorum"]) == Fraction(4, 5)  # the policy's quorum for the kind
    set_policy(setup, {"amendments": {"principle": "simple-majority"}})
    db.session.expire_all()
    stored = db.session.get(Vote, vote.id)
    assert stored.rule_preset == "three-quarters" and stored.terms["change_kind"] == "principle"


def test_an_editorial_fix_has_the_editorial_terms(setup):
    set_policy(setup, {"amendments": {"editorial": "simple-majority", "principle": "consent"}})
    amendment = propose(setup, TEXT.replace("together", "togehter").replace("togehter", "together."),
                        change_kind="editorial")
    assert amendment.change_kind == "editorial" and amendment.terms["rule"] == "simple-majority"
    assert amendment.terms["urgent"] is True


def test_a_change_kind_other_than_the_section_kind_or_editorial_is_refused(setup):
    with pytest.raises(InvalidInput) as caught:
        propose(setup, TEXT.replace("together", "jointly"), change_kind="guidance")
    assert "change_kind" in caught.value.field_errors


def test_pages_and_api_say_why_this_rule(setup, client):
    amendment = services.open_amendment(actor=setup["delegates"][0],
                                        amendment=propose(setup, TEXT.replace("together", "jointly")))
    vote = open_vote(setup, amendment)
    slug = setup["standard"].slug
    page = client.get(f"/standards/{slug}/amendments/{amendment.id}").get_data(as_text=True)
    assert "Decided under the rule “Consent, quorum 50%” because this is a change to a core principle." in page
    assert f'href="/standards/{slug}/policy"' in page
    page = client.get(f"/votes/{vote.id}").get_data(as_text=True)
    assert "because this is a change to a core principle" in page
    policy = client.get(f"/standards/{slug}/policy")
    assert policy.status_code == 200 and "Formal objections within" in policy.get_data(as_text=True)
    assert client.get("/policy").status_code == 200
    data = client.get(f"/api/v1/standards/{slug}").get_json()
    assert data["policy"]["phases"] == validate_policy({})["phases"] and data["policy_stored"] == {}
    assert client.get(f"/api/v1/votes/{vote.id}").get_json()["terms"]["change_kind"] == "principle"
