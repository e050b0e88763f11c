"""Security headers on every kind of response, and no stack trace ever reaches a user."""
from __future__ import annotations

import logging

import pytest

from deliberate import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY, create_app
from tests.conftest import BASE_CONFIG

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}

# One response of each kind: page, JSON, static file, feed, downloads, errors (HTML and JSON).
RESPONSES = [
    ("page", "GET", "/", {}, 200),
    ("signin page", "GET", "/signin", {}, 200),
    ("json", "GET", "/healthz", {"Accept": "application/json"}, 200),
    ("static js", "GET", "/static/js/live.js", {}, 200),
    ("static css", "GET", "/static/css/app.css", {}, 200),
    ("favicon", "GET", "/favicon.ico", {}, None),
    ("atom feed", "GET", "/feed.atom", {}, 200),
    ("404 page", "GET", "/no-such-page", {}, 404),
    ("404 json", "GET", "/no-such-page", {"Accept": "application/json"}, 404),
    ("405 page", "POST", "/", {}, 405),
    ("redirect", "GET", "/account", {}, 302),
    ("403 page", "GET", "/standards/new", {}, 302),
]


@pytest.mark.parametrize("name, method, path, headers, status", RESPONSES, ids=[r[0] for r in RESPONSES])
def test_every_response_carries_the_security_headers(client, name, method, path, headers, status):
    with client.open(path, method=method, headers=headers) as response:
        response.get_data()  # static files are streamed: read and close them
    if status is not None:
        assert response.status_code == status
    for header, value in EXPECTED.items():
        assert response.headers.get(header) == value, (name, header)
    # Served over plain http outside production: HSTS would be meaningless and is not sent.
    assert "Strict-Transport-Security" not in response.headers


def test_the_policy_allows_no_inline_script_or_foreign_origin():
    directives = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert directives["default-src"] == "'self'" and directives["base-uri"] == "'none'"


def test_pages_have_no_inline_script_or_event_handler(as_role, network):
    import re

    client = as_role("steward")
    for path in ("/", f"/standards/{network['standard'].slug}", "/votes/", "/coops/", "/account"):
        html = client.get(path).get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html, flags=re.I):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)  # data, never code
        assert not re.search(r"\son[a-z]+\s*=", html, flags=re.I), path


def test_hsts_over_https(client):
    response = client.get("/", base_url="https://localhost.test")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_view_can_set_its_own_policy_header(app, client):
    """The defaults never overwrite a header a view chose (e.g. a stricter CSP for a download)."""
    @app.get("/__test_own_header")
    def own_header():
        return "x", 200, {"Referrer-Policy": "no-referrer"}

    assert client.get("/__test_own_header").headers["Referrer-Policy"] == "no-referrer"


# Production configuration: HSTS always, and an unexpected exception is a friendly page --------

@pytest.fixture
def production_app(database_url, monkeypatch):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "ENV_NAME": "production",
                      "TESTING": False, "DEBUG": False, "PROPAGATE_EXCEPTIONS": None,
                      "ARGON2_MEMORY_KIB": 19 * 1024, "ARGON2_TIME_COST": 2})

    @app.get("/__test_boom")
    def boom():
        raise RuntimeError("secret-internal-detail in /srv/deliberate/views.py line 42")

    yield app
    from deliberate.extensions import db
    from deliberate.members import passwords

    with app.app_context():
        db.engine.dispose()
    passwords.configure(memory_kib=BASE_CONFIG["ARGON2_MEMORY_KIB"], time_cost=BASE_CONFIG["ARGON2_TIME_COST"],
                        allow_weak=True)


def test_production_sends_hsts_even_on_http(production_app):
    response = production_app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_an_unexpected_exception_gives_the_friendly_500_without_traceback(production_app, caplog, accept):
    with caplog.at_level(logging.ERROR, logger="deliberate.errors"):
        response = production_app.test_client().get("/__test_boom", headers={"Accept": accept})
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    for leak in ("Traceback", "secret-internal-detail", "RuntimeError", "views.py", "line 42"):
        assert leak not in body
    if accept == "application/json":
        assert response.json == {"code": "server_error",
                                 "message": "Something went wrong on our side. Please try again in a moment."}
    else:
        assert "Something went wrong" in body and "<h1" in body
    for header, value in EXPECTED.items():
        assert response.headers.get(header) == value
    # The operators still get the detail, in the log.
    assert any("secret-internal-detail" in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_a_broken_error_page_still_gives_a_plain_500(production_app, monkeypatch):
    import deliberate.errors as errors

    def broken(*_args, **_kwargs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(errors, "render_template", broken)
    response = production_app.test_client().get("/__test_boom", headers={"Accept": "text/html"})
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong" in body and "Traceback" not in body and "exploded" not in body


def test_a_request_body_over_the_limit_is_a_clear_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/signin", data={"email": "x" * 2000, "password": "y"})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    response = client.post("/signin", data={"email": "x" * 2000}, headers={"Accept": "application/json"})
    assert response.status_code == 413 and response.json["code"] == "request_entity_too_large"


def test_posting_comments_over_http_is_rate_limited(database_url):
    from deliberate.members import services as members
    from deliberate.standards import services as standards
    from tests.conftest import TEST_PASSWORD

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True,
                      "COMMENT_RATE_LIMIT": "3 per minute", "LOGIN_RATE_LIMIT": "100 per minute"})
    with app.app_context():
        steward = members.create_steward(email="s@example.org", name="Steward", password=TEST_PASSWORD)
        coop = members.change_coop_status(actor=steward, status="member", coop=members.register_coop(
            actor=steward, name="Kazi", country="KE", kind="worker"))
        _invitation, token = members.invite_delegate(actor=steward, coop=coop)
        members.accept_invitation(token=token, name="Amara", email="a@example.org", password=TEST_PASSWORD)
        standard = standards.create_standard(actor=steward, title="Principles", sections=[("One", "Text.")])
        client = app.test_client()
        assert client.post("/signin", data={"email": "a@example.org", "password": TEST_PASSWORD}).status_code == 302
        statuses = [client.post(f"/discussions/standard/{standard.id}/comments", data={"body": f"Comment {n}"}).status_code
                    for n in range(4)]
        assert statuses == [302, 302, 302, 429]
        response = client.post(f"/discussions/standard/{standard.id}/comments", data={"body": "One more"})
        assert response.status_code == 429 and "wait a moment" in response.get_data(as_text=True)
        from deliberate.extensions import db

        db.session.remove()
        db.engine.dispose()
