"""The registry through the JSON API: reading declarations, declaring, refusals, re-affirming."""
from __future__ import annotations

from deliberate.standards import services as standards
from tests.registry_support import ratify


def test_read_the_worlds_declaration(world, api):
    listed = api("GET", f"/standards/{world['standard'].slug}/declarations").get_json()
    (item,) = listed["items"]
    assert item["coop"]["slug"] == world["member"].slug and item["state"] == "current"
    assert {s["key"] for s in item["sections"]} == {"member-ownership", "data-rights"}
    one = api("GET", f"/declarations/{item['id']}").get_json()
    assert one["record_hash"] == item["record_hash"]
    (question,) = one["questions"]  # the world's question by the other co-op, not escalated
    assert question["state"] == "open" and question["objection_id"] is None


def test_an_unsafe_evidence_link_is_refused(world, api, make_token):
    token = make_token(world["other_delegate"])
    response = api("POST", f"/standards/{world['standard'].slug}/versions/1.0/declarations", token=token, json={
        "stance": "adopts", "sections": [
            {"key": "member-ownership", "status": "met", "justification": "Yes.",
             "evidence_url": "https://10.0.0.1/internal"},
            {"key": "data-rights", "status": "met", "justification": "Yes."}]})
    assert response.status_code == 422
    assert "sections.member-ownership.evidence_url" in response.get_json()["error"]["fields"]


def test_reaffirm_after_a_new_version(world, api, make_token):
    section = standards.get_standard(world["standard"].slug).sections[1]
    standards.revise_section(actor=world["steward"], section=section, title=section.title,
                             body="Members own their data, and decide who uses it.", message="Stronger",
                             base_revision_id=section.head_revision_id)
    ratify(world["steward"], world["standard"].slug,
           [(world["delegate"], world["member"]), (world["other_delegate"], world["other"])])
    token = make_token(world["delegate"])
    response = api("POST", f"/standards/{world['standard'].slug}/versions/1.1/declarations", token=token, json={
        "stance": "adopts", "reaffirm": True,
        "sections": [{"key": "data-rights", "status": "partly", "justification": "Consent asked, not recorded."}]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["reaffirms"] == world["declaration"].id and body["version"] == "1.1"
    assert [(s["key"], s["status"], s["carried"]) for s in body["sections"]] == [
        ("member-ownership", "met", True), ("data-rights", "partly", False)]
