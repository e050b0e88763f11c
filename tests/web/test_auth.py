"""Sign-in, sign-out, invitations, password reset and the protections around them."""
import re

import pytest

from deliberate.members import services
from tests.conftest import TEST_PASSWORD


def test_sign_in_and_out(client, network):
    response = client.post("/signin", data={"email": "delegate@example.org", "password": TEST_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Delegate" in client.get("/account").get_data(as_text=True)
    assert client.post("/signout").status_code == 302
    assert client.get("/account").status_code == 302


def test_wrong_password_gets_a_clear_message(client, network):
    response = client.post("/signin", data={"email": "delegate@example.org", "password": "not the password"})
    assert response.status_code == 422
    assert "do not match an account" in response.get_data(as_text=True)


@pytest.mark.parametrize("target, expected", [
    ("/standards/", "/standards/"),
    ("/account?tab=coops", "/account?tab=coops"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_next_never_leaves_the_site(client, network, target, expected):
    response = client.post("/signin", query_string={"next": target},
                           data={"email": "delegate@example.org", "password": TEST_PASSWORD})
    assert response.headers["Location"] == expected


def test_account_shows_coops_and_roles(client, network, login):
    login(network["delegate"])
    page = client.get("/account").get_data(as_text=True)
    assert "Kazi Riders" in page and "Delegate" in page and "member" in page


def test_join_from_an_invitation_link(client, network):
    _inv, token = services.invite_delegate(actor=network["steward"], coop=network["member"], email="amara@example.org")
    page = client.get(f"/join/{token}")
    assert page.status_code == 200 and "Join as a delegate of Kazi Riders" in page.get_data(as_text=True)
    response = client.post(f"/join/{token}", data={"name": "Amara", "email": "amara@example.org", "password": "riders own the road"})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert "Kazi Riders" in client.get("/account").get_data(as_text=True)
    client.post("/signout")
    used = client.get(f"/join/{token}")
    assert used.status_code == 410 and "already been used" in used.get_data(as_text=True)


def test_join_with_bad_input_keeps_the_link_usable(client, network):
    _inv, token = services.invite_delegate(actor=network["steward"], coop=network["member"])
    response = client.post(f"/join/{token}", data={"name": "A", "email": "a@example.org", "password": "short"})
    assert response.status_code == 422
    assert client.get(f"/join/{token}").status_code == 200


def test_unknown_invitation_is_a_clear_404(client, network):
    response = client.get("/join/not-a-token")
    assert response.status_code == 404 and "not valid" in response.get_data(as_text=True)


def test_password_reset_through_the_log(client, network, caplog):
    from deliberate.mail import sender

    response = client.post("/forgot", data={"email": "delegate@example.org"})
    assert response.status_code == 302
    with caplog.at_level("WARNING"):
        sender.deliver_due()  # without SMTP_HOST, outside production: the mail goes to the log
    token = re.search(r"/reset/(\S+)", caplog.text).group(1)
    unknown = client.post("/forgot", data={"email": "nobody@example.org"})
    assert unknown.status_code == 302  # the same answer: no account enumeration
    assert client.post(f"/reset/{token}", data={"password": "my new long password"}).status_code == 302
    assert client.post("/signin", data={"email": "delegate@example.org", "password": "my new long password"}).status_code == 302


def test_changing_the_password_signs_out_other_sessions(app, network, login):
    other = login(network["delegate"], test_client=app.test_client())
    token = services.request_password_reset(email="delegate@example.org")
    services.reset_password(token=token, password="my new long password")
    assert other.get("/account").status_code == 302


def test_session_cookie_flags(client, network):
    response = client.post("/signin", data={"email": "delegate@example.org", "password": TEST_PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    remember = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session, remember):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}])
def test_sign_in_is_rate_limited(client, network):
    statuses = [client.post("/signin", data={"email": "delegate@example.org", "password": "wrong guess!"}).status_code
                for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    assert "Too many attempts" in client.post("/signin", data={}).get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_forms_need_a_csrf_token(client, network):
    response = client.post("/signin", data={"email": "delegate@example.org", "password": TEST_PASSWORD})
    assert response.status_code == 400 and "reload the page" in response.get_data(as_text=True)
    page = client.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    ok = client.post("/signin", data={"email": "delegate@example.org", "password": TEST_PASSWORD, "csrf_token": token})
    assert ok.status_code == 302
    assert client.post("/signout").status_code == 400  # sign-out is a form too


def test_oversized_bodies_are_refused(client, network):
    response = client.post("/signin", data={"email": "x" * (2 * 1024 * 1024), "password": "p"})
    assert response.status_code == 413 and "too large" in response.get_data(as_text=True)


def test_security_headers(client, network):
    headers = client.get("/").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "same-origin"


def test_errors_answer_json_to_json_clients(client, network):
    response = client.get("/standards/nope", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


def test_production_refuses_a_known_secret(monkeypatch, tmp_path):
    from deliberate import create_app
    from deliberate.config import ConfigError

    monkeypatch.setenv("DELIBERATE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "dev")
    with pytest.raises(ConfigError):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})


def test_a_secret_is_generated_into_the_instance_folder_once(monkeypatch, tmp_path):
    from deliberate import create_app

    monkeypatch.setenv("DELIBERATE_INSTANCE", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"}).config["SECRET_KEY"]
    second = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"}).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
