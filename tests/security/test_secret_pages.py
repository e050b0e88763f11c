"""Pages that show a secret or a single-use link are never cached (``Cache-Control: no-store``):
the webhook page (its signing secret), a new API token, a new invitation link, and the pages an
invitation or a password-reset link opens. Ordinary pages keep the default."""
from __future__ import annotations

import pytest

SECRET_PAGES = {
    "webhook and its secret": ("delegate", "GET", "/webhooks/{hook}", {}),
    "new API token": ("delegate", "POST", "/account/tokens/", {"name": "Our script", "scopes": ["read"]}),
    "API tokens": ("delegate", "GET", "/account/tokens/", {}),
    "new invitation link": ("delegate", "POST", "/coops/{member}/invite", {"email": "new@example.org"}),
    "invitation form": ("delegate", "GET", "/coops/{member}/invite", {}),
    "invitation link opened": ("observer", "GET", "/join/{join_token}", {}),
    "reset link opened": ("observer", "GET", "/reset/{reset_token}", {}),
    "reset link refused": ("observer", "POST", "/reset/{reset_token}", {"password": "short", "confirm": "short"}),
    "account data export": ("delegate", "GET", "/account/export", {}),
}


@pytest.mark.parametrize("page", SECRET_PAGES, ids=list(SECRET_PAGES))
def test_pages_with_secrets_are_never_stored(authz_world, authz_client, page):
    role, method, path, data = SECRET_PAGES[page]
    response = authz_client(role).open(path.format(**authz_world["ids"]), method=method, data=data)
    assert response.status_code in (200, 422), (page, response.status_code)
    assert "no-store" in response.headers.get("Cache-Control", ""), page


def test_the_new_secrets_are_really_on_those_pages(authz_world, authz_client):
    """The test above is about the right responses: each shows what must not be kept."""
    client = authz_client("delegate")
    invite = client.post("/coops/{member}/invite".format(**authz_world["ids"]), data={"email": "new@example.org"})
    assert "/join/" in invite.get_data(as_text=True)
    token = client.post("/account/tokens/", data={"name": "Our script", "scopes": ["read"]})
    assert "dlb_" in token.get_data(as_text=True)
    hook = client.get("/webhooks/{hook}".format(**authz_world["ids"]))
    assert "whsec_" in hook.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/standards/{std}", "/votes/{vote}"])
def test_ordinary_pages_are_not_marked(authz_world, authz_client, path):
    response = authz_client("delegate").get(path.format(**authz_world["ids"]))
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
