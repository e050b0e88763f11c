"""Control characters anywhere: a clear refusal, never a 500, never stored.

The HTML comment form used to store NUL on SQLite and give a 500 on PostgreSQL (the API refused
it); other control characters were stored in titles. Every POST route of the authorization table
is sent, by a role it accepts, its usual data with one field at a time carrying a control character.
"""
from __future__ import annotations

import re

import pytest

from tests.authz_world import ROLES, every_row
from tests.web.authz_table import TABLE, fill, form_data, refused

# What no stored text may hold: C0 controls other than tab, LF and CR, DEL, C1 controls.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

CASES = []
for endpoint, route in sorted(TABLE.items()):
    if not route.post or not route.data:
        continue
    accepted = [role for role in ROLES if not refused(route.post[role])]
    if accepted:
        CASES.append((endpoint, "steward" if "steward" in accepted else accepted[0]))


def _stored_controls() -> list[str]:
    return [f"{table}: {value!r}" for table, rows in every_row().items() for row in rows
            for value in row if isinstance(value, str) and CONTROL.search(value)]


@pytest.mark.parametrize("endpoint, role", CASES, ids=[e for e, _ in CASES])
def test_every_field_refuses_control_characters(authz_world, authz_client, endpoint, role):
    route = TABLE[endpoint]
    path = fill(route.path, authz_world["ids"])
    client = authz_client(role)
    for name in route.data:
        for bad in ("x\x00y", "x\x1by"):
            data = {**form_data(route, authz_world["ids"]), name: bad}
            response = client.post(path, data=data)
            body = response.get_data(as_text=True)
            assert response.status_code < 500 and "Traceback" not in body, (endpoint, name, response.status_code)
            assert not _stored_controls(), (endpoint, name, response.status_code, "a control character was stored")


# The five named by the audit: a clear 422 with the form shown again.
REFUSED = [("discussions.comments", "delegate", "body", {}),
           ("standards.new_section", "steward", "title", {}),
           ("amendments.new", "delegate", "name", {}),
           ("votes.cast", "delegate", "note", {}),
           ("coops.new", "steward", "name", {})]


@pytest.mark.parametrize("bad", ["a\x00b", "a\x07b"], ids=["nul", "bell"])
@pytest.mark.parametrize("endpoint, role, field, extra", REFUSED, ids=[r[0] for r in REFUSED])
def test_control_characters_are_refused_with_422(authz_world, authz_client, endpoint, role, field, extra, bad):
    route = TABLE[endpoint]
    client = authz_client(role)
    before = every_row()
    response = client.post(fill(route.path, authz_world["ids"]),
                           data={**form_data(route, authz_world["ids"]), **extra, field: bad})
    assert response.status_code == 422, (endpoint, response.status_code)
    assert "control character" in response.get_data(as_text=True)
    after = every_row()
    changed = {table for table in before if before[table] != after[table]} - {"people", "sessions"}
    assert not changed, f"{endpoint}: stored something in {sorted(changed)}"
