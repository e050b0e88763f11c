"""Bad input: malformed JSON, wrong types, unknown fields, oversized bodies, wrong content types,
missing scopes. Each gets a clear 4xx in the one error shape and changes nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from deliberate.discussions.models import Comment
from deliberate.extensions import db
from deliberate.proposals.models import Amendment
from deliberate.voting.models import Ballot


def _counts():
    return tuple(db.session.scalar(select(func.count(m.id))) for m in (Amendment, Comment, Ballot))


def _amendment(world, **overrides):
    body = {"kind": "modify", "section": world["section2"].key, "summary": "Stronger data rights.",
            "proposed_title": "Data rights", "proposed_body": "Members own their data, full stop."}
    body.update(overrides)
    return body


CASES = [
    # (what is sent, status, error code, a field named in "fields" or None)
    ("malformed", 400, "malformed_json", None),
    ("not_an_object", 422, "invalid_input", "body"),
    ("nan", 400, "malformed_json", None),
    ("not_utf8", 400, "malformed_json", None),
    ("empty", 400, "malformed_json", None),
    ("form_encoded", 415, "unsupported_media_type", None),
    ("text_plain", 415, "unsupported_media_type", None),
    ("unknown_field", 422, "invalid_input", "colour"),
    ("wrong_type", 422, "invalid_input", "summary"),
    ("missing_required", 422, "invalid_input", "summary"),
    ("bad_enum", 422, "invalid_input", "kind"),
    ("too_long", 422, "invalid_input", "summary"),
    ("nul_character", 422, "invalid_input", "summary"),
    ("unknown_coop", 422, "invalid_input", "coop"),
    ("unknown_section", 422, "invalid_input", "section"),
    ("service_refuses", 422, "invalid_input", "proposed_body"),
    ("oversized", 413, "payload_too_large", None),
    ("no_token", 401, "unauthorized", None),
    ("read_only_token", 403, "insufficient_scope", None),
]


@pytest.mark.parametrize("case, status, code, field", CASES, ids=[c[0] for c in CASES])
def test_bad_amendment_requests_are_refused_and_change_nothing(world, client, make_token, case, status, code, field):
    import json

    token = make_token(world["delegate"], scopes=("read",) if case == "read_only_token" else ("read", "write"))
    headers = {} if case == "no_token" else {"Authorization": f"Bearer {token}"}
    good = json.dumps(_amendment(world))
    data, content_type = good, "application/json"
    if case == "malformed":
        data = '{"kind": "modify", "summary": '
    elif case == "not_an_object":
        data = "[1, 2, 3]"
    elif case == "nan":
        data = '{"kind": "modify", "summary": "x", "target_position": NaN}'
    elif case == "not_utf8":
        data = b'{"kind": "modify", "summary": "\xff\xfe"}'
    elif case == "empty":
        data = ""
    elif case == "form_encoded":
        data, content_type = "kind=modify&summary=x", "application/x-www-form-urlencoded"
    elif case == "text_plain":
        content_type = "text/plain"
    elif case == "unknown_field":
        data = json.dumps(_amendment(world, colour="red"))
    elif case == "wrong_type":
        data = json.dumps(_amendment(world, summary=42))
    elif case == "missing_required":
        body = _amendment(world)
        del body["summary"]
        data = json.dumps(body)
    elif case == "bad_enum":
        data = json.dumps(_amendment(world, kind="rewrite"))
    elif case == "too_long":
        data = json.dumps(_amendment(world, summary="x" * 601))
    elif case == "nul_character":
        data = json.dumps(_amendment(world, summary="nul \u0000 here"))
    elif case == "unknown_coop":
        data = json.dumps(_amendment(world, coop="no-such-coop"))
    elif case == "unknown_section":
        data = json.dumps(_amendment(world, section="no-such-section"))
    elif case == "service_refuses":  # the same text: the service says it changes nothing
        data = json.dumps(_amendment(world, proposed_title=world["section2"].title,
                                     proposed_body=world["section2"].body))
    elif case == "oversized":
        data = json.dumps(_amendment(world, proposed_body="x" * (300 * 1024)))
    before = _counts()
    response = client.post(f"/api/v1/standards/{world['standard'].slug}/amendments", data=data,
                           content_type=content_type, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    if field:
        assert field in error["fields"], error
    assert set(response.get_json()) == {"error"}
    assert _counts() == before


def test_the_good_request_of_that_table_works(world, client, make_token):
    token = make_token(world["delegate"])
    response = client.post(f"/api/v1/standards/{world['standard'].slug}/amendments", json=_amendment(world),
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201
    assert response.get_json()["state"] == "draft" and response.get_json()["author"] == world["delegate"].name


@pytest.mark.parametrize("method, path, body, status", [
    ("PUT", "/votes/{vote}/ballot", {"choice": "for", "ranking": "first"}, 422),       # wrong type
    ("PUT", "/votes/{vote}/ballot", {"choice": "object"}, 422),                        # not a choice here
    ("PUT", "/votes/{vote}/ballot", {"choice": "consent"}, 422),                       # wrong method's choice
    ("PUT", "/votes/{vote}/ballot", {"choice": "for", "votes": 3}, 422),               # unknown field
    ("PUT", "/votes/{vote}/ballot", {"choice": "for", "coop": "{other}"}, 403),        # not my co-op
    ("PUT", "/votes/{ratification}/ballot", {"choice": "for"}, 409),                   # closed
    ("POST", "/votes/{vote}/objections", {"argument": "No"}, 409),                     # not a consent vote
    ("POST", "/votes/{consent}/objections", {"argument": ""}, 422),                    # empty argument
    ("POST", "/votes/{consent}/objections", {"argument": "No", "paramount": "yes"}, 422),
    ("PATCH", "/comments/{comment}", {"body": None}, 422),
    ("PATCH", "/comments/{comment}", {}, 422),
    ("PATCH", "/standards/{std}/amendments/{opened}", {"expected_draft_id": 999999, "summary": "x"}, 409),
    ("PATCH", "/standards/{std}/amendments/{opened}", {"expected_draft_id": "1"}, 422),
    ("POST", "/standards/{std}/amendments/{opened}/open", None, 403),                  # only drafts open
    ("POST", "/discussions/nonsense/1/comments", {"body": "x"}, 404),
    ("POST", "/discussions/standard/{std_id}/comments", {"body": "x", "parent_id": 999999}, 404),
])
def test_bad_actions_get_a_clear_4xx_and_change_nothing(world, client, make_token, method, path, body, status):
    from deliberate.discussions.models import Comment as C

    token = make_token(world["delegate"])
    comment_id = db.session.scalar(select(C.id))
    path = path.format(vote=world["vote"].id, ratification=world["ratification"].id, consent=world["consent_vote"].id,
                       comment=comment_id, std=world["standard"].slug, opened=world["opened"].id,
                       std_id=world["standard"].id)
    if body and body.get("coop") == "{other}":
        body = {**body, "coop": world["other"].slug}
    before = _counts()
    response = client.open("/api/v1" + path, method=method, headers={"Authorization": f"Bearer {token}"},
                           **({"json": body} if body is not None else {}))
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert set(response.get_json()) == {"error"} and response.get_json()["error"]["message"]
    assert _counts() == before


def test_unknown_paths_and_methods_get_the_api_error_shape(world, client):
    missing = client.get("/api/v1/nowhere")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    wrong = client.delete("/api/v1/standards")
    assert wrong.status_code == 405 and wrong.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in wrong.headers["Allow"].replace(" ", "").split(",")
    assert set(missing.get_json()) == set(wrong.get_json()) == {"error"}
    gone = client.get(f"/api/v1/votes/{2**40}")
    assert gone.status_code == 404 and gone.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("query, status", [("limit=0", 422), ("limit=101", 422), ("limit=ten", 422),
                                           ("cursor=bm9wZQ", 400), ("cursor=!!", 422), ("limit=5", 200)])
def test_bad_query_parameters(world, client, query, status):
    response = client.get(f"/api/v1/standards?{query}")
    assert response.status_code == status
    if status != 200:
        assert response.get_json()["error"]["fields"]


@pytest.mark.parametrize("app_config", [{"API_VALIDATE_RESPONSES": True, "RATELIMIT_ENABLED": True,
                                         "API_RATE_LIMIT": "3 per minute"}])
def test_rate_limits_send_headers_and_429(world, client, make_token, app_config):
    from deliberate.extensions import limiter

    limiter.reset()
    statuses = [client.get("/api/v1/standards") for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert statuses[0].headers["X-RateLimit-Limit"] == "3"
    assert statuses[1].headers["X-RateLimit-Remaining"] == "1"
    limited = statuses[3]
    assert limited.get_json()["error"]["code"] == "rate_limited" and "Retry-After" in limited.headers
    # A token has its own allowance, separate from the address's.
    token = make_token(world["delegate"])
    assert client.get("/api/v1/standards", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    limiter.reset()
