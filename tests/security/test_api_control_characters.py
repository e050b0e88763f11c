"""Control characters in every text property of every JSON API body: a 4xx naming the field, never a
500 and never stored (the HTML forms: tests/security/test_control_characters_everywhere.py; the
sockets: tests/realtime/test_socket_text.py). The API checks NUL itself (validation.py); the other
control characters are refused by the services' one cleaner, ``limits.clean_text``."""
from __future__ import annotations

import re

import pytest

from deliberate.api.openapi import OPERATIONS
from deliberate.api.schemas import COMPONENTS
from tests.authz_world import every_row
from tests.conftest import TEST_PASSWORD

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
BAD = {"nul": "x\x00y", "escape": "x\x1b[31my", "bell": "x\x07y", "c1": "x\x85y"}


def _is_text(schema: dict) -> bool:
    kinds = schema.get("type")
    return (kinds == "string" or (isinstance(kinds, list) and "string" in kinds)) and "enum" not in schema


def _bodies(ids: dict) -> dict[tuple[str, str], tuple[str, dict]]:
    """A valid body for each operation that takes one, on the authorization world's things."""
    return {
        ("POST", "/standards/{slug}/amendments"): (f"/standards/{ids['std']}/amendments", {
            "kind": "modify", "section": ids["key"], "summary": "Plainer.", "proposed_title": "Member ownership",
            "proposed_body": "Members own it, together.", "base_revision_id": ids["base_revision"]}),
        ("PATCH", "/standards/{slug}/amendments/{amendment_id}"): (f"/standards/{ids['std']}/amendments/{ids['amendment']}", {
            "expected_draft_id": ids["amendment_draft"], "summary": "Plainer still.",
            "proposed_body": "The members own the platform, together."}),
        ("POST", "/standards/{slug}/amendments/{amendment_id}/withdraw"): (
            f"/standards/{ids['std']}/amendments/{ids['draft']}/withdraw", {"note": "Not needed."}),
        ("POST", "/discussions/{subject_kind}/{subject_id}/comments"): (
            f"/discussions/standard/{ids['std_id']}/comments", {"body": "I agree.", "quote": "Members own", "client_id": "c-1"}),
        ("PATCH", "/comments/{comment_id}"): (f"/comments/{ids['comment']}", {"body": "I agree, with one change."}),
        ("PUT", "/votes/{vote_id}/ballot"): (f"/votes/{ids['vote']}/ballot", {"choice": "consent", "note": "Our assembly."}),
        ("POST", "/votes/{vote_id}/objections"): (f"/votes/{ids['vote']}/objections", {
            "argument": "We worry about the timing.", "passage": "the timing", "note": "Our assembly."}),
        ("POST", "/votes/{vote_id}/objections/{objection_id}/withdraw"): (
            f"/votes/{ids['vote']}/objections/{ids['objection']}/withdraw", {"note": "We talked it through."}),
        ("POST", "/coops/{coop_slug}/proxies"): (f"/coops/{ids['member']}/proxies", {
            "holder": ids["other_coop"], "scope": "standard", "standard": ids["std"],
            "ends_at": "2099-01-01T00:00:00Z"}),
        ("POST", "/policy/proposals"): ("/policy/proposals", {
            "policy": {"phases": {"guidance": {"voting_days": 21}}}, "summary": "Longer votes.",
            "rationale": "Co-ops meet monthly.", "name": "Three weeks"}, "steward"),
        ("POST", "/standards/{slug}/policy/proposals"): (f"/standards/{ids['std']}/policy/proposals", {
            "policy": {"amendments": {"guidance": "two-thirds"}}, "summary": "Guidance by two thirds.",
            "rationale": "It binds us all.", "name": "Two thirds"}, "steward"),
        ("POST", "/standards/{slug}/versions/{number}/declarations"): (
            f"/standards/{ids['reg_std']}/versions/1.0/declarations", {
                "stance": "aspires", "note": "Our assembly agreed."}),
        ("POST", "/questions/{question_id}/escalate"): (
            f"/questions/{ids['question']}/escalate", {"proposed_change": "Say not met."}, "other_delegate"),
        ("POST", "/objections"): ("/objections", {
            "subject": f"version:{ids['version']}", "issue": "Too soon.", "rationale": "We were not asked.",
            "proposed_change": "Wait a month."}),
    }


COVERED = list(_bodies({k: 1 for k in ("std", "key", "base_revision", "amendment", "amendment_draft", "draft",
                                        "std_id", "comment", "vote", "objection", "member", "other_coop",
                                        "reg_std", "question", "version")}))


def _body_schema(method: str, path: str) -> str | None:
    return next((op.body for op in OPERATIONS if (op.method, op.path) == (method, path)), None)


def test_every_operation_with_a_body_is_covered(app):
    # The operations are declared when the app is built (the API package's init_app).
    assert {(op.method, op.path) for op in OPERATIONS if op.body} == set(COVERED)


@pytest.mark.parametrize("method, path", COVERED, ids=[f"{m} {p}" for m, p in COVERED])
def test_no_text_property_takes_a_control_character(app, authz_world, method, path):
    from deliberate.api import tokens
    from deliberate.extensions import db
    from deliberate.members.models import Person

    url, body, *who = _bodies(authz_world["ids"])[(method, path)]
    # The person the operation is for (a steward proposes a policy; the asking co-op escalates).
    person = db.session.get(Person, authz_world["person_ids"][who[0] if who else "delegate"])
    raw = tokens.create_token(actor=person, name="cc", scopes=["read", "write", "vote"], password=TEST_PASSWORD)[1]
    client = app.test_client()
    body_schema = _body_schema(method, path)
    properties = [name for name, schema in COMPONENTS[body_schema]["properties"].items() if _is_text(schema)]
    assert properties, body_schema
    failures = []
    for name in properties:
        for label, bad in BAD.items():
            response = client.open("/api/v1" + url, method=method, json={**body, name: bad},
                                   headers={"Authorization": f"Bearer {raw}"})
            if response.status_code >= 500 or response.status_code < 400:
                failures.append((name, label, response.status_code))
    stored = [f"{table}: {value!r}" for table, rows in every_row().items() for row in rows
              for value in row if isinstance(value, str) and CONTROL.search(value)]
    assert not failures and not stored, (failures, stored[:3])
