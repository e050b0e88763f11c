"""Account security: signing out everywhere, password and email changes, the fresh sign-in guard,
and the rate limits on password reset requests."""
from __future__ import annotations

import re
import time

import pytest

from deliberate.members.fresh import FRESH_KEY
from tests.conftest import TEST_PASSWORD

NEW_PASSWORD = "a brand new pass phrase"


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def _make_stale(client) -> None:
    with client.session_transaction() as session:
        mark = dict(session[FRESH_KEY])
        mark["at"] = int(time.time()) - 11 * 60
        session[FRESH_KEY] = mark


def test_sign_out_everywhere_ends_every_session(app, network, login):
    laptop, phone = app.test_client(), app.test_client()
    login(network["delegate"], test_client=laptop)
    login(network["delegate"], test_client=phone)
    assert _signed_in(laptop) and _signed_in(phone)
    response = phone.post("/account/sign-out-everywhere")
    assert response.status_code == 302 and response.headers["Location"].endswith("/signin")
    assert not _signed_in(phone) and not _signed_in(laptop)
    # Signing in again works, with a new session.
    login(network["delegate"], test_client=laptop)
    assert _signed_in(laptop)


def test_sign_out_everywhere_also_ends_keep_me_signed_in_cookies(app, network):
    remembered, other = app.test_client(), app.test_client()
    response = remembered.post("/signin", data={"email": "delegate@example.org", "password": TEST_PASSWORD,
                                                 "remember": "y"})
    assert response.status_code == 302
    remembered.delete_cookie("session", domain="localhost.test")
    assert remembered.get_cookie("session", domain="localhost.test") is None
    assert remembered.get_cookie("remember_token", domain="localhost.test") is not None
    assert _signed_in(remembered)  # back in through the remember cookie alone
    other.post("/signin", data={"email": "delegate@example.org", "password": TEST_PASSWORD})
    other.post("/account/sign-out-everywhere")
    remembered.delete_cookie("session", domain="localhost.test")
    assert remembered.get_cookie("remember_token", domain="localhost.test") is not None
    assert not _signed_in(remembered)


def test_changing_the_password_signs_out_the_other_devices_only(app, network, login):
    here, there = app.test_client(), app.test_client()
    login(network["delegate"], test_client=here)
    login(network["delegate"], test_client=there)
    response = here.post("/account/password", data={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert _signed_in(here) and not _signed_in(there)
    assert there.post("/signin", data={"email": "delegate@example.org", "password": TEST_PASSWORD}).status_code == 422
    assert there.post("/signin", data={"email": "delegate@example.org", "password": NEW_PASSWORD}).status_code == 302


@pytest.mark.parametrize("data, field", [
    ({"current_password": "not my password", "new_password": NEW_PASSWORD}, "current password"),
    ({"current_password": TEST_PASSWORD, "new_password": "short"}, "at least 10"),
])
def test_a_refused_password_change_keeps_everything(client, network, login, data, field):
    login(network["delegate"])
    response = client.post("/account/password", data=data)
    assert response.status_code == 422 and field in response.get_data(as_text=True).lower()
    client.post("/signout")
    login(network["delegate"])  # the old password still works


def test_changing_the_email(client, network, login):
    login(network["delegate"])
    taken = client.post("/account/email", data={"email": "suspended@example.org", "current_password": TEST_PASSWORD})
    assert taken.status_code == 422 and "Already in use" in taken.get_data(as_text=True)
    wrong = client.post("/account/email", data={"email": "new@example.org", "current_password": "nope nope"})
    assert wrong.status_code == 422
    done = client.post("/account/email", data={"email": "new@example.org", "current_password": TEST_PASSWORD})
    assert done.status_code == 302
    client.post("/signout")
    assert client.post("/signin", data={"email": "new@example.org", "password": TEST_PASSWORD}).status_code == 302


@pytest.mark.parametrize("path", ["/account/password", "/account/email", "/account/erase"])
def test_a_form_that_asks_for_the_password_asks_only_once(client, network, login, path):
    """Its own password field is the fresh sign-in: no second confirmation before it."""
    login(network["delegate"])
    _make_stale(client)
    page = client.get(path)
    assert page.status_code == 200 and 'type="password"' in page.get_data(as_text=True)


def test_a_stale_sign_in_must_confirm_the_password_first(client, network, login):
    login(network["steward"])
    path = f"/people/{network['suspended_delegate'].id}/erase"
    assert client.get(path).status_code == 200  # fresh right after signing in
    _make_stale(client)
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/confirm?next=")
    wrong = client.post(response.headers["Location"], data={"password": "not my password"})
    assert wrong.status_code == 422
    right = client.post(response.headers["Location"], data={"password": TEST_PASSWORD})
    assert right.status_code == 302 and right.headers["Location"] == path
    assert client.get(path).status_code == 200


def test_a_stale_post_changes_nothing_then_finishes_once_the_password_is_confirmed(client, network, login):
    from sqlalchemy import func, select

    from deliberate.api.models import ApiToken
    from deliberate.extensions import db

    login(network["delegate"])
    _make_stale(client)
    response = client.post("/account/tokens/", data={"name": "For our CMS", "scopes": ["read"]})
    assert response.status_code == 302 and response.headers["Location"] == "/account/confirm?next=/account/tokens/"
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0  # nothing done before the confirmation
    confirmed = client.post(response.headers["Location"], data={"password": TEST_PASSWORD})
    page = confirmed.get_data(as_text=True)
    # The same form, filled in as the person sent it, ready to go (sent at once by the page's script).
    assert confirmed.status_code == 200 and 'action="/account/tokens/" data-auto-submit' in page
    assert 'name="name" value="For our CMS"' in page and 'name="scopes" value="read"' in page
    assert TEST_PASSWORD not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = client.post("/account/tokens/", data={"csrf_token": token, "name": "For our CMS", "scopes": ["read"]})
    assert done.status_code == 200 and db.session.scalar(select(func.count(ApiToken.id))) == 1
    # The waiting form is used once: confirming again goes back to the page, nothing is sent twice.
    again = client.post("/account/confirm?next=/account/tokens/", data={"password": TEST_PASSWORD})
    assert again.status_code == 302


def test_a_waiting_form_never_keeps_a_password_and_only_serves_its_own_page(client, network, login):
    login(network["steward"])
    _make_stale(client)
    path = f"/people/{network['suspended_delegate'].id}/erase"
    client.post(path, data={"reason": "asked", "comments": "keep", "password": "a typed secret"})
    with client.session_transaction() as session:
        pending = session["_pending_action"]
    assert pending["path"] == path and ("password", "a typed secret") not in [tuple(f) for f in pending["fields"]]
    other = client.post("/account/confirm?next=/account/tokens/", data={"password": TEST_PASSWORD})
    assert other.status_code == 302  # a form waits for its own page only


def test_a_json_client_gets_a_clear_401(client, network, login):
    login(network["delegate"])
    _make_stale(client)
    response = client.post("/account/tokens/", data={"name": "x", "scopes": ["read"]}, headers={"Accept": "application/json"})
    assert response.status_code == 401 and response.get_json()["code"] == "reauthentication_required"


def test_coming_back_through_a_remember_cookie_is_not_fresh(app, network):
    c = app.test_client()
    c.post("/signin", data={"email": "delegate@example.org", "password": TEST_PASSWORD, "remember": "y"})
    c.delete_cookie("session", domain="localhost.test")
    assert _signed_in(c)
    assert c.get("/account/tokens/").status_code == 200  # a page, then its form:
    assert c.post("/account/tokens/", data={"name": "x", "scopes": ["read"]}).status_code == 302


def test_another_persons_fresh_mark_does_not_carry_over(app, network, login):
    c = app.test_client()
    login(network["delegate"], test_client=c)
    with c.session_transaction() as session:
        stolen = dict(session[FRESH_KEY])
    c.post("/signout")
    login(network["steward"], test_client=c)
    with c.session_transaction() as session:
        session[FRESH_KEY] = stolen
    assert c.get("/account/tokens/").status_code == 200  # a page, then its form:
    assert c.post("/account/tokens/", data={"name": "x", "scopes": ["read"]}).status_code == 302


def test_signed_out_people_are_sent_to_sign_in(client, network):
    for path in ("/account/password", "/account/email", "/account/erase", "/account/export", "/account/confirm"):
        response = client.get(path)
        assert response.status_code == 302 and "/signin" in response.headers["Location"], path


class TestResetRateLimits:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "PASSWORD_RESET_RATE_LIMIT": "4 per minute",
                "PASSWORD_RESET_EMAIL_RATE_LIMIT": "2 per hour"}

    def test_per_email(self, client, network):
        for _ in range(2):
            assert client.post("/forgot", data={"email": "delegate@example.org"}).status_code == 302
        assert client.post("/forgot", data={"email": "Delegate@example.org "}).status_code == 429
        assert client.post("/forgot", data={"email": "someone@example.org"}).status_code == 302

    def test_per_address(self, client, network):
        for n in range(4):
            assert client.post("/forgot", data={"email": f"person{n}@example.org"}).status_code == 302
        assert client.post("/forgot", data={"email": "person9@example.org"}).status_code == 429


class TestConfirmRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}

    def test_guessing_the_password_on_the_confirmation_form_is_limited(self, client, network, login):
        login(network["delegate"])
        for _ in range(3):
            assert client.post("/account/confirm", data={"password": "a wrong guess"}).status_code == 422
        assert client.post("/account/confirm", data={"password": TEST_PASSWORD}).status_code == 429
