"""Every route against every role: one table, one expected status each."""
import pytest

# Statuses decided before any write, in the same code on either database: once, on SQLite.
pytestmark = pytest.mark.db_independent

ROLES = ("observer", "delegate", "suspended_delegate", "steward")

# (method, path template, {role: status}); 302 for observers means "sent to sign in".
TABLE = [
    ("GET", "/", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/how-it-works", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/healthz", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/signin", dict(observer=200, delegate=302, suspended_delegate=302, steward=302)),
    ("GET", "/forgot", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/account", dict(observer=302, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/standards/", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/standards/new", dict(observer=302, delegate=403, suspended_delegate=403, steward=200)),
    ("POST", "/standards/new", dict(observer=302, delegate=403, suspended_delegate=403, steward=422)),
    ("GET", "/standards/{std}", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/standards/no-such-standard", dict(observer=404, delegate=404, suspended_delegate=404, steward=404)),
    ("GET", "/standards/{std}/sections/new", dict(observer=302, delegate=403, suspended_delegate=403, steward=200)),
    ("POST", "/standards/{std}/sections/new", dict(observer=302, delegate=403, suspended_delegate=403, steward=422)),
    ("GET", "/standards/{std}/s/{key}", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/standards/{std}/s/{key}/r/1", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/standards/{std}/s/{key}/r/99", dict(observer=404, delegate=404, suspended_delegate=404, steward=404)),
    ("GET", "/standards/{std}/s/{key}/edit", dict(observer=302, delegate=200, suspended_delegate=403, steward=200)),
    ("POST", "/standards/{std}/s/{key}/edit", dict(observer=302, delegate=422, suspended_delegate=403, steward=422)),
    ("GET", "/coops/", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/coops/new", dict(observer=302, delegate=403, suspended_delegate=403, steward=200)),
    ("POST", "/coops/new", dict(observer=302, delegate=403, suspended_delegate=403, steward=422)),
    ("GET", "/coops/{member}", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/coops/{applicant}", dict(observer=404, delegate=404, suspended_delegate=404, steward=200)),
    ("POST", "/coops/{applicant}/status", dict(observer=302, delegate=404, suspended_delegate=404, steward=302)),
    ("POST", "/coops/{member}/status", dict(observer=302, delegate=403, suspended_delegate=403, steward=302)),
    ("GET", "/coops/{member}/invite", dict(observer=302, delegate=200, suspended_delegate=403, steward=200)),
    ("GET", "/coops/{suspended}/invite", dict(observer=302, delegate=403, suspended_delegate=403, steward=403)),
    ("POST", "/signout", dict(observer=302, delegate=302, suspended_delegate=302, steward=302)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, template, expected", TABLE, ids=[f"{m} {t}" for m, t, _ in TABLE])
def test_route_role_status(as_role, network, role, method, template, expected):
    path = template.format(std=network["standard"].slug, key=network["section"].key, member=network["member"].slug,
                           applicant=network["applicant"].slug, suspended=network["suspended"].slug)
    client = as_role(role)
    response = client.open(path, method=method, data={})
    assert response.status_code == expected[role], (role, method, path, response.get_data(as_text=True)[:300])
    if expected[role] == 302 and role == "observer" and path not in ("/signout",):
        assert "/signin" in response.headers["Location"]
