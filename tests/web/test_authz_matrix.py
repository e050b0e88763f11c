"""Every route × every role: one table, the expected status of GET and of POST for each.

The table (tests/web/authz_table.py) is keyed by endpoint and checked against ``app.url_map``: a
route added without an entry fails ``test_every_route_is_in_the_table``. (``/static`` serves
files; ``/api/v1`` has its own table in tests/api/test_authz.py.)

Roles: ``observer`` (not signed in), ``delegate`` (of the co-op that owns the amendment, comment
and objection below), ``other_delegate`` (of another member co-op), ``suspended_delegate`` (of a
suspended co-op) and ``steward``.

POSTs carry data a permitted person would send, so authorization, not form validation, decides.
A POST that is refused (4xx, or an observer sent to sign in) must change nothing in the database;
a POST that is accepted runs in a world of its own so that it cannot change what the next role sees.
The world (tests/authz_world.py) is built once per module; each test starts from a copy of it.
"""
from __future__ import annotations

import pytest

from tests.authz_world import ROLES, every_row
from tests.web.authz_table import SIGNIN, TABLE, everyone, fill, form_data, refused

EXCLUDED_PREFIXES = ("/static", "/api/v1")


def _rule_endpoints(app) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(EXCLUDED_PREFIXES):
            continue
        found.setdefault(rule.endpoint, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return found


def test_every_route_is_in_the_table(app):
    """A new route needs its row: who may GET it, who may POST to it."""
    found = _rule_endpoints(app)
    missing = sorted(set(found) - set(TABLE))
    assert not missing, f"routes without an authorization entry in tests/web/authz_table.py: {missing}"
    stale = sorted(set(TABLE) - set(found))
    assert not stale, f"entries for routes that no longer exist: {stale}"
    for endpoint, methods in found.items():
        route = TABLE[endpoint]
        assert (route.get is not None) == ("GET" in methods), (endpoint, "GET", methods)
        assert (route.post is not None) == ("POST" in methods), (endpoint, "POST", methods)
        assert methods <= {"GET", "POST"}, (endpoint, methods)


def _check(response, expected, role, method, path):
    body = response.get_data(as_text=True)
    got = SIGNIN if (response.status_code == 302 and "/signin" in response.headers.get("Location", "")
                     and expected == SIGNIN) else response.status_code
    assert got == expected, (role, method, path, response.status_code, response.headers.get("Location"), body[:300])
    if expected == SIGNIN:
        assert "next=" in response.headers["Location"]
    if response.status_code >= 400:
        assert "Traceback" not in body


GET_CASES = sorted(TABLE)


# Who may do what is decided before any write, in the same code on either database: the table of
# refusals runs once, on SQLite (db_independent). What a permitted person's POST writes runs on
# PostgreSQL too (test_post_accepted).
@pytest.mark.db_independent
@pytest.mark.parametrize("endpoint", GET_CASES)
def test_get_and_refused_posts(authz_world, authz_client, endpoint):
    """GET: the expected status for each role (405 everywhere for POST-only routes).
    POST with a permitted person's data: every refused role gets its status and changes nothing."""
    route = TABLE[endpoint]
    path = fill(route.path, authz_world["ids"])
    expected = route.get or everyone(405)
    clients = {role: authz_client(role) for role in ROLES}
    for role in ROLES:
        if route.get is None and route.shared_path:
            break
        response = clients[role].get(path)
        _check(response, expected[role], role, "GET", path)
    if route.post is None and route.shared_path:
        return
    if route.post is None:  # refused by routing, before any view runs
        for role in ROLES:
            _check(clients[role].post(path, data={}), 405, role, "POST", path)
        return
    before = every_row()
    for role in ROLES:
        if refused(route.post[role]):
            response = clients[role].post(path, data=form_data(route, authz_world["ids"]))
            _check(response, route.post[role], role, "POST", path)
            assert every_row() == before, (role, path, "a refused request changed the database")


ACCEPTED = [(endpoint, role) for endpoint, route in sorted(TABLE.items()) if route.post
            for role in ROLES if not refused(route.post[role])]


@pytest.mark.parametrize("endpoint, role", ACCEPTED, ids=[f"{e}-{r}" for e, r in ACCEPTED])
def test_post_accepted(authz_world, authz_client, endpoint, role):
    """POST by a role the route accepts, in a authz_world of its own."""
    route = TABLE[endpoint]
    path = fill(route.path, authz_world["ids"])
    response = authz_client(role).post(path, data=form_data(route, authz_world["ids"]))
    _check(response, route.post[role], role, "POST", path)
    if response.status_code == 302:
        assert "/signin" not in response.headers["Location"] or endpoint in {"auth.logout", "auth.reset", "auth.forgot",
                                                                           "auth.sign_out_everywhere"}


# Observers' pages carry no CSRF token (deliberate/caching.py): the language picker checks the
# request's origin for them instead (tests/web/test_i18n.py), and the token for everyone signed in.
NO_TOKEN_FOR_OBSERVERS = {"language.choose"}


@pytest.mark.db_independent  # the token is checked before any view reads the database
def test_every_post_needs_the_csrf_token(app, authz_world, authz_client):
    """With CSRF protection on (as in production), a POST without the form's token is refused with
    400 on every route, by whoever sends it (observers on the language picker aside), and changes nothing."""
    clients = {role: authz_client(role) for role in ROLES}
    app.config["WTF_CSRF_ENABLED"] = True
    before = every_row()
    checked = 0
    exempt = sorted(endpoint for endpoint, route in TABLE.items() if route.csrf_exempt)
    assert exempt == ["mail.unsubscribe"]  # one-click unsubscribe: mail programs post it without a session
    for endpoint, route in sorted(TABLE.items()):
        if route.post is None or route.csrf_exempt:
            continue
        accepted = [role for role in ROLES if not refused(route.post[role])] or ["steward"]
        if endpoint in NO_TOKEN_FOR_OBSERVERS:
            accepted = [role for role in accepted if role != "observer"]
        path = fill(route.path, authz_world["ids"])
        response = clients[accepted[0]].post(path, data=form_data(route, authz_world["ids"]))
        assert response.status_code == 400, (endpoint, accepted[0], response.status_code)
        assert "Traceback" not in response.get_data(as_text=True)
        checked += 1
    assert every_row() == before
    assert checked >= 40
