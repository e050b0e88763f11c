"""Oversized input anywhere: a clear refusal (form error, JSON error or 413), never a 500, nothing stored.

Every POST route of the authorization table is sent, by a role it accepts, the data a permitted
person would send with one field at a time made far longer than any limit. The request must be
refused with a clear 4xx, or (for a field the route parses and ignores, e.g. an id or a choice)
go ahead without the text: the oversized text is stored nowhere, and nothing is a 500.
"""
from __future__ import annotations

import pytest

from deliberate import limits
from tests.authz_world import ROLES, every_row
from tests.web.authz_table import TABLE, fill, form_data, refused

HUGE = "x" * (limits.MAX_TEXT + 1)

CASES = []
for endpoint, route in sorted(TABLE.items()):
    if not route.post or not route.data:
        continue
    accepted = [role for role in ROLES if not refused(route.post[role])]
    # A role the route accepts (the steward where possible): the size check, not a refusal, decides.
    if accepted:
        CASES.append((endpoint, "steward" if "steward" in accepted else accepted[0]))


@pytest.mark.parametrize("endpoint, role", CASES, ids=[e for e, _ in CASES])
def test_every_field_refuses_oversized_text(authz_world, authz_client, endpoint, role):
    route = TABLE[endpoint]
    path = fill(route.path, authz_world["ids"])
    client = authz_client(role)
    for name in route.data:
        data = {**form_data(route, authz_world["ids"]), name: HUGE}
        response = client.post(path, data=data)
        body = response.get_data(as_text=True)
        assert response.status_code < 500 and "Traceback" not in body, (endpoint, name, response.status_code)
        # Refused, or the field was one the route parses and ignores (an id, a choice): either way
        # the oversized text itself is stored nowhere.
        assert not _stored_oversized(), (endpoint, name, response.status_code, "oversized text was stored")
        if response.status_code >= 400:
            assert "<h1" in body or "error" in body.lower(), (endpoint, name)


def _stored_oversized() -> list[str]:
    return [f"{table}: {len(value)} characters" for table, rows in every_row().items() for row in rows
            for value in row if isinstance(value, str) and len(value) > limits.MAX_TEXT]


def test_the_request_body_limit_gives_a_clear_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = client.post("/signin", data={"email": "x" * 20_000, "password": "y"})
    assert response.status_code == 413 and "too large" in response.get_data(as_text=True)


def test_form_validators_and_services_share_the_limits():
    from deliberate.discussions import models as discussions
    from deliberate.standards import services as standards

    assert standards.MAX_TITLE == limits.TITLE and standards.MAX_BODY == limits.SECTION_BODY
    assert discussions.BODY_LIMIT == limits.COMMENT_BODY and discussions.REASON_LIMIT == limits.REASON
    assert limits.MAX_TEXT >= max(limits.SECTION_BODY, limits.COMMENT_BODY)
