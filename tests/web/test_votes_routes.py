"""Every vote route against every role: one table, one expected status each."""
from datetime import timedelta

import pytest

from deliberate.database import utcnow
from deliberate.voting import closing, services

ROLES = ("observer", "delegate", "suspended_delegate", "steward")

# (method, path template, {role: status}); 302 for observers means "sent to sign in".
TABLE = [
    ("GET", "/votes/", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/votes/new", dict(observer=302, delegate=403, suspended_delegate=403, steward=200)),
    ("GET", "/votes/new?subject=admission:{applicant}", dict(observer=302, delegate=403, suspended_delegate=403, steward=200)),
    ("GET", "/votes/new?subject=nonsense", dict(observer=302, delegate=403, suspended_delegate=403, steward=200)),
    ("POST", "/votes/new", dict(observer=302, delegate=403, suspended_delegate=403, steward=422)),
    ("GET", "/votes/{open}", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/votes/{closed}", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/votes/999999", dict(observer=404, delegate=404, suspended_delegate=404, steward=404)),
    ("POST", "/votes/{open}/ballot", dict(observer=302, delegate=422, suspended_delegate=403, steward=403)),
    ("POST", "/votes/{closed}/ballot", dict(observer=302, delegate=409, suspended_delegate=403, steward=403)),
    ("POST", "/votes/999999/ballot", dict(observer=302, delegate=404, suspended_delegate=404, steward=404)),
    ("POST", "/votes/{open}/concerns", dict(observer=302, delegate=422, suspended_delegate=403, steward=403)),
    ("POST", "/votes/{open}/objections/999999/withdraw", dict(observer=302, delegate=404, suspended_delegate=404, steward=404)),
    ("POST", "/votes/{open}/objections/999999/resolve", dict(observer=302, delegate=404, suspended_delegate=404, steward=404)),
    ("POST", "/votes/{open}/close", dict(observer=302, delegate=403, suspended_delegate=403, steward=302)),
    ("POST", "/votes/{closed}/close", dict(observer=302, delegate=403, suspended_delegate=403, steward=409)),
    ("POST", "/votes/{open}/cancel", dict(observer=302, delegate=403, suspended_delegate=403, steward=422)),
    ("POST", "/votes/{closed}/cancel", dict(observer=302, delegate=403, suspended_delegate=403, steward=422)),
    ("POST", "/votes/{closed}/statement", dict(observer=302, delegate=403, suspended_delegate=403, steward=422)),
    ("GET", "/votes/{closed}/record.jsonl", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/votes/{open}/record.jsonl", dict(observer=409, delegate=409, suspended_delegate=409, steward=409)),
]


@pytest.fixture
def votes(network):
    """A closed (failed) and an open consent vote on the applicant's admission."""
    steward, applicant = network["steward"], network["applicant"]
    closes = utcnow() + timedelta(days=7)
    closed = services.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id, closes_at=closes)
    closing.close_vote(actor=steward, vote=closed)
    opened = services.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id, closes_at=closes,
                                rule_preset="consent")
    return {"open": opened.id, "closed": closed.id}


# A table of who may do what (statuses decided before any write): once, on SQLite.
@pytest.mark.db_independent
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, template, expected", TABLE, ids=[f"{m} {t}" for m, t, _ in TABLE])
def test_route_role_status(as_role, network, votes, role, method, template, expected):
    path = template.format(applicant=network["applicant"].id, **votes)
    client = as_role(role)
    response = client.open(path, method=method, data={})
    assert response.status_code == expected[role], (role, method, path, response.get_data(as_text=True)[:300])
    if expected[role] == 302 and role == "observer":
        assert "/signin" in response.headers["Location"]
    if response.status_code >= 400:
        body = response.get_data(as_text=True)
        assert "Traceback" not in body and "<h1" in body
