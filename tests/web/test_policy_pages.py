"""The policy pages' editing side (a proposal, never an edit), the history, a policy amendment's
page and vote, and the pages of a standard whose text is closed to direct edits."""
from datetime import timedelta

import pytest

from deliberate.database import utcnow
from deliberate.extensions import db
from deliberate.policies import editing, queries
from deliberate.proposals import services as proposals
from deliberate.proposals.models import Amendment
from deliberate.standards.models import Standard
from deliberate.voting import services as voting
from deliberate.voting.policy import validate_policy


def form_data(policy, network=True, **changes):
    values = editing.form_values(policy, network=network)
    data = {k: ("on" if v is True else str(v)) for k, v in values.items() if v is not False}
    data.update({"summary": "Guidance needs two thirds."}, **changes)
    return data


def test_a_steward_proposes_a_change_to_the_networks_rules(as_role, network):
    client = as_role("steward")
    page = client.get("/policy/propose")
    assert page.status_code == 200 and 'name="rule-guidance"' in page.get_data(as_text=True)
    response = client.post("/policy/propose", data=form_data(validate_policy({}), **{"rule-guidance": "two-thirds"}))
    assert response.status_code == 302
    amendment = db.session.query(Amendment).filter_by(kind="policy").one()
    assert response.headers["Location"].endswith(f"/standards/network-rules/amendments/{amendment.id}")
    assert amendment.head.proposed_policy["amendments"]["guidance"] == "two-thirds"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<ins" in html and "2/3 supermajority" in html  # the change in plain words, as a diff
    # Under way on the policy page.
    assert amendment.reference in client.get("/policy").get_data(as_text=True)


def test_a_field_error_is_shown_on_its_field(as_role, network):
    client = as_role("steward")
    response = client.post("/policy/propose", data=form_data(validate_policy({}), **{"voting_days-guidance": "0"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="voting_days-guidance-error"' in html
    assert "a vote stays open at least one day" in html
    response = client.post("/policy/propose", data=form_data(validate_policy({}), **{"council_size": "many"}))
    assert response.status_code == 422 and 'id="council_size-error"' in response.get_data(as_text=True)
    assert db.session.query(Amendment).count() == 0


def test_a_standards_policy_change_is_proposed_on_its_page(as_role, network):
    slug = network["standard"].slug
    client = as_role("steward")
    current = queries.policy_for(network["standard"])
    response = client.post(f"/standards/{slug}/policy/propose",
                           data=form_data(current, network=False, **{"rule-guidance": "three-quarters"}))
    assert response.status_code == 302
    amendment = db.session.query(Amendment).filter_by(kind="policy").one()
    assert amendment.standard_id == network["standard"].id
    assert amendment.head.proposed_policy == {"amendments": {"guidance": "three-quarters"}}


@pytest.mark.parametrize("role", ["observer", "delegate"])
def test_only_stewards_see_the_propose_button(as_role, network, role):
    html = as_role(role).get("/policy").get_data(as_text=True)
    assert 'id="propose-policy"' not in html
    assert 'id="propose-policy"' in as_role("steward").get("/policy").get_data(as_text=True)


def test_the_vote_on_a_policy_change_shows_it_in_plain_words_and_why_its_rule(as_role, network):
    from deliberate.policies import services as policies

    policy = validate_policy({"amendments": {"principle": "simple-majority"}})
    amendment = policies.propose_policy_change(actor=network["steward"], standard=None, policy=policy,
                                               summary="Loosen principles.")
    amendment = proposals.open_amendment(actor=network["steward"], amendment=amendment)
    vote = voting.open_vote(actor=network["steward"], subject_kind="amendment", subject_id=amendment.id,
                            closes_at=utcnow() + timedelta(days=7))
    html = as_role("observer").get(f"/votes/{vote.id}").get_data(as_text=True)
    assert "Changes the network’s rules" in html and "<del" in html
    assert "the stricter of the current rule" in html
    page = as_role("observer").get(f"/standards/network-rules/amendments/{amendment.id}").get_data(as_text=True)
    assert "the stricter of the current rule" in page and "Simple majority" in page


@pytest.mark.parametrize("maturity", ["candidate", "ratified"])
def test_a_closed_texts_pages_point_to_an_amendment(as_role, network, maturity):
    db.session.get(Standard, network["standard"].id).maturity = maturity
    db.session.commit()
    slug, key = network["standard"].slug, network["section"].key
    client = as_role("delegate")
    html = client.get(f"/standards/{slug}/s/{key}").get_data(as_text=True)
    assert 'id="text-closed"' in html and "Edit the draft" not in html and "editorial fix" in html
    for path in (f"/standards/{slug}/s/{key}/edit", f"/standards/{slug}/s/{key}/together"):
        response = client.get(path)
        assert response.status_code == 409, path
        assert f"/standards/{slug}/amendments/new" in response.get_data(as_text=True)
    response = client.post(f"/standards/{slug}/s/{key}/edit", data={
        "title": "T", "body": "B", "message": "M", "base_revision_id": str(network["section"].head_revision_id)})
    assert response.status_code == 409
    assert as_role("steward").get(f"/standards/{slug}/sections/new").status_code == 409


def test_the_amendment_form_offers_an_editorial_fix(as_role, network):
    slug, section = network["standard"].slug, network["section"]
    client = as_role("delegate")
    html = client.get(f"/standards/{slug}/amendments/new?section={section.key}").get_data(as_text=True)
    assert 'name="change_kind"' in html and "editorial fix" in html
    response = client.post(f"/standards/{slug}/amendments/new", data={
        "kind": "modify", "section": section.key, "summary": "A typo.", "proposed_title": section.title,
        "proposed_body": section.body + " Fixed.", "base_revision_id": str(section.head_revision_id),
        "change_kind": "editorial"})
    assert response.status_code == 302
    amendment = db.session.query(Amendment).one()
    assert amendment.change_kind == "editorial" and amendment.terms["rule"] == "simple-majority"
