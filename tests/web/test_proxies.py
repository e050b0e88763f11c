"""Behind a reverse proxy (TRUSTED_PROXIES): the client's address and scheme come from the proxy."""
from __future__ import annotations

import pytest
from flask import request


@pytest.fixture
def seen(app):
    found = {}

    @app.before_request
    def _remember():
        found.update(address=request.remote_addr, scheme=request.scheme)

    return found


HEADERS = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(client, seen):
    client.get("/healthz", headers=HEADERS, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert seen == {"address": "10.0.0.1", "scheme": "http"}


@pytest.mark.parametrize("app_config", [{"TRUSTED_PROXIES": 1}])
def test_behind_one_proxy_the_client_address_and_scheme_are_the_forwarded_ones(client, seen):
    client.get("/healthz", headers=HEADERS, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert seen == {"address": "203.0.113.7", "scheme": "https"}
    # A client cannot push its own address in front of the one the proxy appended.
    client.get("/healthz", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7"},
               environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert seen["address"] == "203.0.113.7"
