"""Proxies, policy changes and the escalation of registry questions through the JSON API: each
calls the service its page calls, with the API's error shape and scopes."""
from __future__ import annotations

from datetime import timedelta

from deliberate.appeals.models import FormalObjection
from deliberate.database import utcnow
from deliberate.extensions import db
from deliberate.proposals.models import Amendment
from deliberate.proxies.models import Proxy
from deliberate.registry.models import DeclarationQuestion


def _later(days=30):
    return (utcnow() + timedelta(days=days)).replace(microsecond=0).isoformat()


# Proxies ----------------------------------------------------------------------------------------

def test_a_coops_proxies_given_and_held(world, api):
    body = api("GET", f"/coops/{world['member'].slug}/proxies").get_json()
    (held,) = body["held"]
    assert body["given"] == [] and body["max_per_coop"] == 2
    assert held["giver"]["slug"] == world["other"].slug and held["state"] == "offered" and held["scope"] == "network"
    other = api("GET", f"/coops/{world['other'].slug}/proxies").get_json()
    assert [p["id"] for p in other["given"]] == [held["id"]] and other["held"] == []


def test_give_accept_and_revoke_through_the_api(world, api, make_token):
    giver, holder = make_token(world["delegate"]), make_token(world["other_delegate"])
    response = api("POST", f"/coops/{world['member'].slug}/proxies", token=giver, json={
        "holder": world["other"].slug, "scope": "standard", "standard": world["standard"].slug, "ends_at": _later()})
    assert response.status_code == 201, response.get_json()
    proxy = response.get_json()
    assert proxy["state"] == "offered" and proxy["standard"] == world["standard"].slug
    assert api("POST", f"/proxies/{proxy['id']}/accept", token=giver).status_code == 403  # the giver cannot accept
    accepted = api("POST", f"/proxies/{proxy['id']}/accept", token=holder)
    assert accepted.status_code == 200 and accepted.get_json()["state"] == "accepted"
    again = api("POST", f"/proxies/{proxy['id']}/decline", token=holder)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    revoked = api("POST", f"/proxies/{proxy['id']}/revoke", token=giver).get_json()
    assert revoked["state"] == "revoked" and db.session.get(Proxy, proxy["id"]).state == "revoked"


def test_giving_refusals_name_their_field(world, api, make_token):
    token = make_token(world["delegate"])
    path = f"/coops/{world['member'].slug}/proxies"
    cases = [({"holder": "nobody", "scope": "network", "ends_at": _later()}, "holder"),
             ({"holder": world["member"].slug, "scope": "network", "ends_at": _later()}, "holder"),
             ({"holder": world["other"].slug, "scope": "network", "ends_at": _later(-1)}, "ends_at"),
             ({"holder": world["other"].slug, "scope": "network", "ends_at": _later(400)}, "ends_at"),
             ({"holder": world["other"].slug, "scope": "standard", "ends_at": _later()}, "standard"),
             ({"holder": world["other"].slug, "scope": "standard", "standard": "nope", "ends_at": _later()}, "standard"),
             ({"holder": world["other"].slug, "scope": "vote", "vote_id": 999999, "ends_at": _later()}, "vote_id")]
    for body, field in cases:
        response = api("POST", path, token=token, json=body)
        assert response.status_code == 422, (body, response.get_json())
        assert field in response.get_json()["error"]["fields"], (body, response.get_json())


def test_proxy_writes_need_the_vote_scope(world, api, make_token):
    token = make_token(world["delegate"], scopes=("read", "write"))
    response = api("POST", f"/proxies/{world['proxy'].id}/accept", token=token)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "insufficient_scope"
    assert db.session.get(Proxy, world["proxy"].id).state == "offered"


# Policy changes ---------------------------------------------------------------------------------

def test_a_steward_proposes_a_change_to_the_networks_rules(world, api, make_token):
    token = make_token(world["steward"])
    response = api("POST", "/policy/proposals", token=token, json={
        "policy": {"phases": {"guidance": {"voting_days": 21}}}, "summary": "Votes on guidance last three weeks.",
        "rationale": "Co-ops meet monthly."})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["kind"] == "policy" and body["state"] == "draft" and body["rationale"] == "Co-ops meet monthly."
    assert body["draft"]["proposed_policy"]["phases"]["guidance"]["voting_days"] == 21
    # The rest of the policy in force is kept as it is.
    assert body["draft"]["proposed_policy"]["phases"]["principle"]["voting_days"] == 14
    amendment = db.session.get(Amendment, body["id"])
    assert amendment.standard.role == "network-rules" and amendment.terms


def test_a_standards_policy_change_stores_only_what_differs(world, api, make_token):
    token = make_token(world["steward"])
    response = api("POST", f"/standards/{world['standard'].slug}/policy/proposals", token=token, json={
        "policy": {"amendments": {"guidance": "two-thirds"}}, "summary": "Guidance needs two thirds."})
    assert response.status_code == 201, response.get_json()
    draft = response.get_json()["draft"]
    assert response.get_json()["standard"] == world["standard"].slug
    assert draft["proposed_policy"]["amendments"] == {"guidance": "two-thirds"}


def test_an_invalid_policy_is_refused_on_its_entry(world, api, make_token):
    token = make_token(world["steward"])
    cases = [({"phases": {"guidance": {"voting_days": 0}}}, "policy.phases.guidance.voting_days"),
             ({"phases": {"guidance": {"voting_days": 900}}}, "policy.phases.guidance.voting_days"),
             ({"quorums": {"principle": "7/5"}}, "policy.quorums.principle"),
             ({"amendments": {"guidance": "no-such-rule"}}, "policy.amendments.guidance"),
             ({"proxies": {"max_per_coop": -1}}, "policy.proxies.max_per_coop"),
             ({"no_such_entry": 1}, "policy")]
    for policy, field in cases:
        response = api("POST", "/policy/proposals", token=token, json={"policy": policy, "summary": "Change."})
        assert response.status_code == 422, (policy, response.get_json())
        assert list(response.get_json()["error"]["fields"]) == [field], (policy, response.get_json())
    assert db.session.query(Amendment).filter_by(kind="policy").count() == 0


def test_a_proposal_that_changes_nothing_is_refused(world, api, make_token):
    token = make_token(world["steward"])
    response = api("POST", f"/standards/{world['standard'].slug}/policy/proposals", token=token,
                   json={"policy": {}, "summary": "Nothing."})
    assert response.status_code == 422 and "policy" in response.get_json()["error"]["fields"]


# Escalating a registry question -----------------------------------------------------------------

def test_escalating_a_question_files_the_objection_and_links_both_ways(world, api, make_token):
    token = make_token(world["other_delegate"])
    question = world["question"]
    response = api("POST", f"/questions/{question.id}/escalate", token=token,
                   json={"proposed_change": "Mark data rights not met."})
    assert response.status_code == 201, response.get_json()
    objection = response.get_json()
    assert objection["subject"] == f"declaration_question:{question.id}" and objection["state"] == "filed"
    assert objection["coop"] == world["other"].slug and objection["proposed_change"] == "Mark data rights not met."
    declaration = api("GET", f"/declarations/{world['declaration'].id}").get_json()
    (shown,) = declaration["questions"]
    assert shown["state"] == "escalated" and shown["objection_id"] == objection["id"]
    assert api("GET", f"/objections/{objection['id']}").get_json()["subject"] == objection["subject"]
    again = api("POST", f"/questions/{question.id}/escalate", token=token)
    assert again.status_code == 409
    assert db.session.query(FormalObjection).filter_by(subject_kind="declaration_question").count() == 1


def test_the_declaring_coop_cannot_escalate(world, api, make_token):
    response = api("POST", f"/questions/{world['question'].id}/escalate", token=make_token(world["delegate"]))
    assert response.status_code == 403
    assert db.session.get(DeclarationQuestion, world["question"].id).objection_id is None
