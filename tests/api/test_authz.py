"""Every API operation against every role: one table, one expected status each.

Roles: an observer (no token), a delegate of the co-op concerned (author of the amendments and the
comment), a delegate of another member co-op, a delegate of a suspended co-op, and a steward;
each with a token holding every scope. Each row runs on a fresh world; the roles go in the
order below, the delegate last, so that a write that succeeds does not change what the others see.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from deliberate.api.openapi import PREFIX
from deliberate.database import utcnow

ORDER = ("observer", "other_delegate", "suspended_delegate", "steward", "delegate")
ALL_200 = dict(observer=200, delegate=200, other_delegate=200, suspended_delegate=200, steward=200)


def statuses(observer, delegate, other_delegate, suspended_delegate, steward):
    return dict(observer=observer, delegate=delegate, other_delegate=other_delegate,
                suspended_delegate=suspended_delegate, steward=steward)


# (method, path template, JSON body or None, {role: status})
TABLE = [
    ("GET", "/openapi.json", None, ALL_200),
    ("GET", "/docs", None, ALL_200),
    ("GET", "/me", None, statuses(401, 200, 200, 200, 200)),
    ("GET", "/coops", None, ALL_200),
    ("GET", "/coops/{member}", None, ALL_200),
    # The world has an open admission vote on the applicant: its application is public from then on.
    ("GET", "/coops/{applicant}", None, statuses(200, 200, 200, 200, 200)),
    ("GET", "/standards", None, ALL_200),
    ("GET", "/standards/{std}", None, ALL_200),
    ("GET", "/standards/no-such-standard", None, statuses(404, 404, 404, 404, 404)),
    ("GET", "/standards/{std}/sections", None, ALL_200),
    ("GET", "/standards/{std}/sections/{key}", None, ALL_200),
    ("GET", "/standards/{std}/sections/{key}/revisions", None, ALL_200),
    ("GET", "/standards/{std}/sections/{key}/revisions/1", None, ALL_200),
    ("GET", "/standards/{std}/sections/{key}/revisions/99", None, statuses(404, 404, 404, 404, 404)),
    ("GET", "/standards/{std}/versions", None, ALL_200),
    ("GET", "/standards/{std}/versions/1.0", None, ALL_200),
    ("GET", "/standards/{std}/versions/1.0/contributions", None, ALL_200),
    ("GET", "/standards/{std}/versions/9.0/contributions", None, statuses(404, 404, 404, 404, 404)),
    ("GET", "/coops/{member}/contributions", None, ALL_200),
    ("GET", "/standards/{std}/amendments", None, ALL_200),
    ("GET", "/standards/{std}/amendments/{opened}", None, ALL_200),
    ("GET", "/standards/{std}/amendments/{draft}", None, statuses(404, 200, 404, 404, 200)),
    ("POST", "/standards/{std}/amendments",
     {"kind": "modify", "section": "{key2}", "summary": "Stronger data rights.", "proposed_title": "Data rights",
      "proposed_body": "Members own their data and decide who may use it."}, statuses(401, 201, 201, 403, 201)),
    ("PATCH", "/standards/{std}/amendments/{opened}", {"expected_draft_id": "{opened_draft}", "summary": "Better."},
     statuses(401, 200, 403, 403, 403)),
    ("POST", "/standards/{std}/amendments/{draft}/open", None, statuses(401, 200, 404, 404, 403)),
    # The test network's policy has no last call (tests/conftest.py): those who may start one are told so.
    ("POST", "/standards/{std}/amendments/{opened}/last-call", None, statuses(401, 409, 403, 403, 409)),
    ("POST", "/standards/{std}/amendments/{opened}/withdraw", {"note": "No longer needed."},
     statuses(401, 200, 403, 403, 403)),
    ("GET", "/discussions/standard/{std_id}/threads", None, ALL_200),
    ("GET", "/discussions/amendment/{draft}/threads", None, statuses(404, 200, 404, 404, 200)),
    ("GET", "/threads/{thread}/comments", None, ALL_200),
    ("GET", "/comments/{comment}", None, ALL_200),
    ("POST", "/discussions/standard/{std_id}/comments", {"body": "Agreed."}, statuses(401, 201, 201, 403, 201)),
    ("PATCH", "/comments/{comment}", {"body": "A first comment, edited."}, statuses(401, 200, 403, 403, 403)),
    ("GET", "/votes", None, ALL_200),
    ("GET", "/votes/{vote}", None, ALL_200),
    ("GET", "/votes/{vote}/ballots", None, statuses(409, 409, 409, 409, 409)),
    ("GET", "/votes/{ratification}/ballots", None, ALL_200),
    ("GET", "/votes/{vote}/record", None, statuses(409, 409, 409, 409, 409)),
    ("GET", "/votes/{ratification}/record", None, ALL_200),
    ("GET", "/votes/{consent}/objections", None, ALL_200),
    ("PUT", "/votes/{vote}/ballot", {"choice": "for"}, statuses(401, 200, 200, 403, 403)),
    ("POST", "/votes/{consent}/objections", {"argument": "Too soon."}, statuses(401, 201, 409, 403, 403)),
    ("POST", "/votes/{consent}/objections/{objection}/withdraw", {}, statuses(401, 403, 200, 403, 403)),
    # The registry: public reads; delegates of member co-ops declare for their own co-op.
    ("GET", "/standards/{std}/declarations", None, ALL_200),
    ("GET", "/declarations/{declaration}", None, ALL_200),
    ("GET", "/declarations/999999", None, statuses(404, 404, 404, 404, 404)),
    ("POST", "/standards/{std}/versions/1.0/declarations",
     {"stance": "adopts", "sections": [
         {"key": "member-ownership", "status": "met", "justification": "Yes.", "evidence_url": "https://e.org/x"},
         {"key": "data-rights", "status": "not_met"}]}, statuses(401, 201, 201, 403, 403)),
    ("GET", "/objections", None, ALL_200),
    ("GET", "/objections/999", None, statuses(404, 404, 404, 404, 404)),
    ("POST", "/objections", {"subject": "version:{version}", "issue": "Too soon.", "rationale": "We were not asked.",
                             "proposed_change": "Wait a month."}, statuses(401, 201, 201, 403, 403)),
    # The asking co-op takes its question to a formal objection (filed in the same step).
    ("POST", "/questions/{question}/escalate", {"proposed_change": "Say not met."}, statuses(401, 403, 201, 403, 403)),
    ("POST", "/questions/999999/escalate", None, statuses(401, 404, 404, 404, 404)),
    # Proxies: public lists; the giver's delegates give and revoke, the holder's accept or decline.
    ("GET", "/coops/{member}/proxies", None, ALL_200),
    ("GET", "/coops/no-such-coop/proxies", None, statuses(404, 404, 404, 404, 404)),
    ("POST", "/coops/{member}/proxies", {"holder": "{other}", "scope": "standard", "standard": "{std}",
                                        "ends_at": "{ends_at}"}, statuses(401, 201, 403, 403, 403)),
    ("POST", "/proxies/{proxy}/accept", None, statuses(401, 200, 403, 403, 403)),
    ("POST", "/proxies/{proxy}/decline", None, statuses(401, 200, 403, 403, 403)),
    ("POST", "/proxies/{proxy}/revoke", None, statuses(401, 403, 200, 403, 403)),
    # Policy changes: stewards propose them (a draft policy amendment).
    ("POST", "/policy/proposals", {"policy": {"phases": {"guidance": {"voting_days": 21}}}, "summary": "Longer votes."},
     statuses(401, 403, 403, 403, 201)),
    ("POST", "/standards/{std}/policy/proposals", {"policy": {"amendments": {"guidance": "two-thirds"}},
                                                   "summary": "Guidance needs two thirds."},
     statuses(401, 403, 403, 403, 201)),
]


def _values(world) -> dict[str, object]:
    from deliberate.discussions.models import Comment
    from deliberate.extensions import db

    comment = db.session.get(Comment, world["comment"].id)
    return {"std": world["standard"].slug, "std_id": world["standard"].id, "key": world["section"].key,
            "key2": world["section2"].key, "member": world["member"].slug, "applicant": world["applicant"].slug,
            "opened": world["opened"].id, "opened_draft": world["opened"].head_draft_id, "draft": world["draft"].id,
            "thread": comment.thread_id, "comment": comment.id, "vote": world["vote"].id,
            "consent": world["consent_vote"].id, "ratification": world["ratification"].id,
            "objection": world["objection"].id, "declaration": world["declaration"].id, "version": world["version"].id,
            "other": world["other"].slug, "proxy": world["proxy"].id, "question": world["question"].id,
            "ends_at": (utcnow() + timedelta(days=30)).replace(microsecond=0).isoformat()}


def _fill(value, values):
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in values and \
                isinstance(values[value[1:-1]], int):
            return values[value[1:-1]]
        return value.format(**values)
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    return value


def _check(api, role_tokens, values, method, template, body, expected) -> dict[str, int]:
    path = template.format(**values)
    seen = {}
    for role in ORDER:
        kwargs = {"json": _fill(body, values)} if body is not None else {}
        response = api(method, path, token=role_tokens[role], **kwargs)
        seen[role] = response.status_code
        if response.status_code >= 400:
            assert set(response.get_json()) == {"error"}, response.get_data(as_text=True)
    return seen


READS = [row for row in TABLE if row[0] == "GET"]
WRITES = [row for row in TABLE if row[0] != "GET"]


def test_reads_by_role(world, api, role_tokens):
    """Reads change nothing, so they share one world."""
    values = _values(world)
    wrong = {}
    for method, template, body, expected in READS:
        seen = _check(api, role_tokens, values, method, template, body, expected)
        if seen != expected:
            wrong[f"{method} {template}"] = {"expected": expected, "got": seen}
    assert not wrong


@pytest.mark.parametrize("method, template, body, expected", WRITES, ids=[f"{m} {t}" for m, t, _b, _e in WRITES])
def test_write_by_role(world, api, role_tokens, method, template, body, expected):
    assert _check(api, role_tokens, _values(world), method, template, body, expected) == expected


def _rules(app):
    return {(method, rule.rule.removeprefix(PREFIX)) for rule in app.url_map.iter_rules()
            if rule.rule.startswith(PREFIX + "/") for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_api_route_is_in_the_table(app, world):
    values = _values(world)
    adapter = app.url_map.bind("localhost.test")
    covered = set()
    for method, template, _body, _expected in TABLE:
        rule, _args = adapter.match(PREFIX + template.format(**values), method=method, return_rule=True)
        covered.add((method, rule.rule.removeprefix(PREFIX)))
    missing = _rules(app) - covered
    assert not missing, f"API routes with no row in the authorization table: {sorted(missing)}"
