"""Personal access tokens: made on the account page (fresh sign-in), stored hashed, scoped,
revoked, and dead after signing out everywhere, a password change or erasure."""
from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import func, select

from deliberate.api import tokens
from deliberate.api.models import ApiToken
from deliberate.extensions import db
from tests.conftest import TEST_PASSWORD


def _make_on_page(client, name="CI script", scopes=("read", "write")):
    response = client.post("/account/tokens/", data={"name": name, "scopes": list(scopes)})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    found = re.search(r'value="(dlb_[A-Za-z0-9_-]+)"', response.get_data(as_text=True))
    assert found, "the new token is shown once on the page"
    return found.group(1), response


def test_a_token_is_made_on_the_account_page_shown_once_and_stored_hashed(world, login, client):
    login(world["delegate"])
    assert "/account/tokens/" in client.get("/account").get_data(as_text=True)
    raw, response = _make_on_page(client)
    assert response.headers["Cache-Control"] == "no-store"
    token = db.session.scalar(select(ApiToken).where(ApiToken.person_id == world["delegate"].id))
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest() and raw.startswith("dlb_")
    assert len(raw) >= 40 and token.prefix == raw[:8] and token.scope_list == ["read", "write"]
    # The token itself is stored nowhere, and the list page does not show it again.
    assert raw not in repr([tuple(r) for r in db.session.execute(select(ApiToken.__table__)).all()])
    listing = client.get("/account/tokens/").get_data(as_text=True)
    assert raw not in listing and token.prefix in listing and "CI script" in listing
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status_code == 200 and me.get_json()["token"]["scopes"] == ["read", "write"]
    assert "email" not in me.get_data(as_text=True)


def test_making_a_token_needs_a_fresh_sign_in_a_name_and_a_scope(world, login, client, app):
    login(world["delegate"])
    bad = client.post("/account/tokens/", data={"name": "", "scopes": []})
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0
    with client.session_transaction() as session:
        session.pop("_fresh_sign_in", None)
    stale = client.post("/account/tokens/", data={"name": "Late", "scopes": ["read"]})
    assert stale.status_code == 302 and "/account/confirm" in stale.headers["Location"]
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0
    # Without the web page, the service asks for the password itself.
    with pytest.raises(Exception, match="not your password"):
        tokens.create_token(actor=world["delegate"], name="x", scopes=["read"], password="wrong password")


def test_observers_have_no_tokens_page(client):
    assert client.get("/account/tokens/").status_code == 302
    assert client.post("/account/tokens/", data={"name": "x", "scopes": ["read"]}).status_code == 302


def test_revoking_on_the_page_stops_the_token_at_once(world, login, client, api):
    login(world["delegate"])
    raw, _ = _make_on_page(client)
    assert api("GET", "/me", token=raw).status_code == 200
    token = db.session.scalar(select(ApiToken))
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    response = api("GET", "/me", token=raw)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    # Even public reads refuse a dead token, so that a script learns about it.
    assert api("GET", "/standards", token=raw).status_code == 401
    assert "revoked" in client.get("/account/tokens/").get_data(as_text=True)


def test_nobody_else_can_revoke_my_token(world, make_token, login, app):
    make_token(world["delegate"])
    token = db.session.scalar(select(ApiToken))
    other = login(world["other_delegate"], test_client=app.test_client())
    assert other.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_signing_out_everywhere_or_changing_the_password_ends_every_token(world, make_token, api):
    from deliberate.members import account

    raw = make_token(world["delegate"])
    assert api("GET", "/me", token=raw).status_code == 200
    account.sign_out_everywhere(actor=world["delegate"])
    assert api("GET", "/me", token=raw).status_code == 401
    fresh = make_token(world["delegate"])
    assert api("GET", "/me", token=fresh).status_code == 200
    account.change_password(actor=db.session.get(type(world["delegate"]), world["delegate"].id),
                            current_password=TEST_PASSWORD, new_password="another long password 123")
    assert api("GET", "/me", token=fresh).status_code == 401


def test_erasure_deletes_the_tokens_and_the_export_lists_them_without_hashes(world, make_token, api):
    from deliberate.members import erasure

    raw = make_token(world["delegate"], name="Voting script")
    assert api("GET", "/me", token=raw).status_code == 200
    exported = erasure.export_person(actor=world["delegate"])["api_tokens"]
    assert [t["name"] for t in exported] == ["Voting script"]
    assert exported[0]["scopes"] == ["read", "write", "vote"] and exported[0]["last_used_at"]
    assert "hash" not in repr(exported) and raw not in repr(exported)
    erasure.erase_self(actor=world["delegate"], password=TEST_PASSWORD, comments="anonymise")
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0
    assert api("GET", "/me", token=raw).status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(world, make_token, api):
    from datetime import timedelta

    raw = make_token(world["delegate"])
    token = db.session.scalar(select(ApiToken))
    assert token.last_used_at is None
    api("GET", "/me", token=raw)
    db.session.expire_all()
    first = db.session.scalar(select(ApiToken)).last_used_at
    assert first is not None
    api("GET", "/me", token=raw)
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken)).last_used_at == first
    later = tokens.authenticate(raw, now=first + timedelta(minutes=2))
    assert later.last_used_at == first + timedelta(minutes=2)


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer dlb_not-a-real-token-at-all",
                                    "Bearer not-even-the-prefix", "Token abc"])
def test_malformed_or_unknown_tokens_get_401(world, client, header):
    response = client.get("/api/v1/standards", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] in ("bad_authorization", "invalid_token")


@pytest.mark.parametrize("scopes, method, path, body, expected", [
    (("read",), "POST", "/discussions/standard/{std_id}/comments", {"body": "Hello"}, 403),
    (("vote",), "POST", "/discussions/standard/{std_id}/comments", {"body": "Hello"}, 403),
    (("write",), "POST", "/discussions/standard/{std_id}/comments", {"body": "Hello"}, 201),
    (("read", "write"), "PUT", "/votes/{vote}/ballot", {"choice": "for"}, 403),
    (("vote",), "PUT", "/votes/{vote}/ballot", {"choice": "for"}, 200),
    (("write",), "GET", "/standards", None, 403),
    (("read",), "GET", "/standards", None, 200),
    (("write",), "GET", "/me", None, 403),
])
def test_each_write_needs_its_scope(world, make_token, api, scopes, method, path, body, expected):
    raw = make_token(world["delegate"], scopes=scopes)
    path = path.format(std_id=world["standard"].id, vote=world["vote"].id)
    response = api(method, path, token=raw, **({"json": body} if body is not None else {}))
    assert response.status_code == expected, response.get_json()
    if expected == 403:
        assert response.get_json()["error"]["code"] == "insufficient_scope"
        assert "insufficient_scope" in response.headers["WWW-Authenticate"]


def test_the_api_ignores_the_session_cookie(world, login, client, app):
    """Signed in on the web, without a token: the API treats the caller as an observer."""
    csrf_app_client = login(world["delegate"])
    response = csrf_app_client.post("/api/v1/discussions/standard/%d/comments" % world["standard"].id,
                                    json={"body": "From a browser session"})
    assert response.status_code == 401
    drafts = csrf_app_client.get(f"/api/v1/standards/{world['standard'].slug}/amendments/{world['draft'].id}")
    assert drafts.status_code == 404  # the draft is visible to its author only through a token


def test_too_many_tokens_is_a_conflict(world, make_token):
    from deliberate.errors import Conflict

    for n in range(tokens.MAX_ACTIVE_TOKENS):
        make_token(world["delegate"], name=f"t{n}")
    with pytest.raises(Conflict):
        make_token(world["delegate"], name="one too many")


@pytest.mark.parametrize("app_config", [{"API_VALIDATE_RESPONSES": True, "WTF_CSRF_ENABLED": True}])
def test_token_requests_need_no_csrf_token_but_the_web_forms_still_do(world, make_token, api, client, app_config):
    raw = make_token(world["delegate"])
    response = api("POST", f"/discussions/standard/{world['standard'].id}/comments", token=raw,
                   json={"body": "Sent by a script."})
    assert response.status_code == 201 and response.get_json()["body"] == "Sent by a script."
    assert client.post("/account/tokens/", data={"name": "x", "scopes": ["read"]}).status_code == 400  # CSRF
