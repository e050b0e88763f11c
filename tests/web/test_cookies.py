"""Cookies over https (production): Secure, HttpOnly, SameSite and the __Host- prefix's rules."""
from __future__ import annotations

import pytest

from deliberate.config import settings_from_env

HTTPS = {key: value for key, value in settings_from_env({"DELIBERATE_ENV": "production"}, "/i").items()
         if key.startswith(("SESSION_COOKIE_", "REMEMBER_COOKIE_"))}


@pytest.mark.parametrize("app_config", [HTTPS])
def test_signing_in_over_https_sets_host_prefixed_cookies(client, network):
    response = client.post("/signin", data={"email": network["delegate"].email, "password": "a long test password",
                                            "remember": "y"}, base_url="https://localhost.test")
    assert response.status_code == 302
    cookies = {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}
    assert {"__Host-session", "__Host-remember_token"} <= set(cookies)
    for name, header in cookies.items():
        assert name.startswith("__Host-"), header
        attributes = [part.strip().lower() for part in header.split(";")[1:]]
        # What browsers require of a __Host- cookie: Secure, Path=/ and no Domain.
        assert "secure" in attributes and "path=/" in attributes, header
        assert not any(part.startswith("domain=") for part in attributes), header
        assert "httponly" in attributes and "samesite=lax" in attributes, header
    # The session works: the next page knows who is signed in.
    page = client.get("/account", base_url="https://localhost.test")
    assert page.status_code == 200
