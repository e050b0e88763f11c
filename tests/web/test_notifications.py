"""Follow buttons, the notifications page, the navigation's count, and the live path behind it."""
from __future__ import annotations

import re

import pytest

from deliberate.database import unit_of_work, utcnow
from deliberate.extensions import socketio
from deliberate.follows import queries, services
from deliberate.proposals import services as proposals
from deliberate.realtime.events import record_event
from tests.sql_statements import recorded_statements

ROLES = ("observer", "delegate", "suspended_delegate", "steward")

TABLE = [
    ("POST", "/standards/{std}/follow", dict(observer=302, delegate=302, suspended_delegate=302, steward=302)),
    ("POST", "/standards/{std}/unfollow", dict(observer=302, delegate=302, suspended_delegate=302, steward=302)),
    ("POST", "/standards/no-such-standard/follow", dict(observer=302, delegate=404, suspended_delegate=404,
                                                        steward=404)),
    ("GET", "/standards/{std}/follow", dict(observer=405, delegate=405, suspended_delegate=405, steward=405)),
    ("GET", "/notifications", dict(observer=302, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/notifications/count", dict(observer=302, delegate=200, suspended_delegate=200, steward=200)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, template, expected", TABLE, ids=[f"{m} {t}" for m, t, _ in TABLE])
def test_route_role_status(as_role, network, role, method, template, expected):
    path = template.format(std=network["standard"].slug)
    response = as_role(role).open(path, method=method, data={})
    assert response.status_code == expected[role], (role, method, path)
    if response.status_code == 302 and role == "observer":
        assert "/signin" in response.headers["Location"]


def open_amendment(network):
    section = network["section"]
    amendment = proposals.propose_amendment(
        actor=network["delegate"], standard=network["standard"], kind="modify", section=section,
        summary="Clearer.", proposed_title=section.title, proposed_body="Members own the platform jointly.")
    return proposals.open_amendment(actor=network["delegate"], amendment=amendment)


def count_in(html: str) -> int | None:
    match = re.search(r'id="notification-count"( hidden)?>.*?data-count>(\d+)</span>', html, re.S)
    assert match, "no notification count in the page"
    return None if match.group(1) else int(match.group(2))


def test_the_standard_page_offers_to_follow_and_then_to_stop(as_role, network):
    client = as_role("steward")
    slug = network["standard"].slug
    page = client.get(f"/standards/{slug}").get_data(as_text=True)
    assert "Follow this standard" in page and "Stop following" not in page
    response = client.post(f"/standards/{slug}/follow", data={"next": f"/standards/{slug}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/standards/{slug}")
    page = client.get(f"/standards/{slug}").get_data(as_text=True)
    assert "Stop following" in page and "Follow this standard" not in page
    client.post(f"/standards/{slug}/unfollow")
    assert "Follow this standard" in client.get(f"/standards/{slug}").get_data(as_text=True)


def test_the_button_and_the_badge_read_the_persons_follows_once(as_role, network):
    from deliberate.extensions import db

    client = as_role("steward")
    slug = network["standard"].slug
    client.post(f"/standards/{slug}/follow", data={"next": f"/standards/{slug}"})
    db.session.remove()
    with recorded_statements() as statements:
        page = client.get(f"/standards/{slug}").get_data(as_text=True)
    assert "Stop following" in page
    assert len([s for s in statements if s.startswith("SELECT") and " FROM follows " in f"{s} "]) == 1, statements


def test_observers_get_the_feed_instead_of_a_button(client, network):
    page = client.get(f"/standards/{network['standard'].slug}").get_data(as_text=True)
    assert "Follow this standard" not in page and "Stop following" not in page
    assert f'href="/standards/{network["standard"].slug}/feed.atom"' in page
    assert 'id="notifications-link"' not in page


def test_follow_redirects_only_within_the_site(as_role, network):
    slug = network["standard"].slug
    response = as_role("steward").post(f"/standards/{slug}/follow", data={"next": "//evil.example/x"})
    assert response.headers["Location"].endswith(f"/standards/{slug}")


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_following_needs_the_csrf_token(app, network, app_config):
    from tests.conftest import TEST_PASSWORD

    client = app.test_client()

    def token(path):
        # A form's field or the signed-in page's meta tag (observers' pages carry none: deliberate/caching.py).
        return re.search(r'name="csrf[-_]token"[^>]*?(?:value|content)="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)

    signed_in = client.post("/signin", data={"email": network["steward"].email, "password": TEST_PASSWORD,
                                             "csrf_token": token("/signin")})
    assert signed_in.status_code == 302
    slug = network["standard"].slug
    assert client.post(f"/standards/{slug}/follow").status_code == 400
    assert not queries.is_following(network["steward"], network["standard"].id)
    assert client.post(f"/standards/{slug}/follow", data={"csrf_token": token(f"/standards/{slug}")}).status_code == 302
    assert queries.is_following(network["steward"], network["standard"].id)


def test_news_shows_in_the_count_then_on_the_page_then_is_seen(as_role, network):
    client = as_role("steward")
    slug = network["standard"].slug
    client.post(f"/standards/{slug}/follow")
    assert count_in(client.get("/").get_data(as_text=True)) is None
    amendment = open_amendment(network)
    assert count_in(client.get("/").get_data(as_text=True)) == 1
    assert client.get("/notifications/count").get_json()["unread"] == 1
    page = client.get("/notifications").get_data(as_text=True)
    assert "notification-new" in page and f"/standards/{slug}/amendments/{amendment.id}" in page
    assert "Platform Co-op Principles" in page  # in the list of followed standards too
    assert count_in(page) is None  # looking at the page is reading it
    again = client.get("/notifications").get_data(as_text=True)
    assert "notification-new" not in again and f"/amendments/{amendment.id}" in again


def test_the_count_endpoint_tells_the_live_layer_what_to_join(as_role, network):
    client = as_role("delegate")
    client.post(f"/standards/{network['standard'].slug}/follow")
    data = client.get("/notifications/count").get_json()
    assert data == {"unread": 0, "rooms": [f"standard:{network['standard'].id}"], "next_due_at": None}
    html = client.get("/").get_data(as_text=True)
    assert f'data-rooms="standard:{network["standard"].id}"' in html
    assert "vote_opened" in html and re.search(r"notifications\.[0-9a-f]{12}\.js", html)


def test_a_version_notification_links_to_the_version(as_role, network):
    client = as_role("steward")
    standard = network["standard"]
    client.post(f"/standards/{standard.slug}/follow")
    with unit_of_work() as session:
        record_event(session, "version_ratified", f"standard:{standard.id}",
                     {"standard_id": standard.id, "version_id": 7, "number": "1.2", "title": standard.title})
    page = client.get("/notifications").get_data(as_text=True)
    assert "New version ratified: Platform Co-op Principles 1.2" in page and f'href="/standards/{standard.slug}/v/1.2"' in page


def test_the_page_says_when_there_is_nothing(as_role):
    page = as_role("delegate").get("/notifications").get_data(as_text=True)
    assert "Nothing yet." in page and "You do not follow any standard yet." in page


def test_a_follower_receives_the_events_live_and_others_do_not(app, network, login, make_delegate):
    """What notifications.js does: join the rooms the badge names, recount on an event."""
    follower = network["steward"]
    services.follow_standard(actor=follower, standard=network["standard"])
    stranger = make_delegate(name="Stranger")
    sockets = {}
    for name, person in (("follower", follower), ("stranger", stranger)):
        http = app.test_client()
        login(person, test_client=http)
        sockets[name] = (socketio.test_client(app, flask_test_client=http), http)
    sock, http = sockets["follower"]
    for room in queries.badge(follower, utcnow()).rooms:
        assert sock.emit("join", {"room": room}, callback=True)["ok"]
    for s, _ in sockets.values():
        s.get_received()
    open_amendment(network)
    received = [m["name"] for m in sock.get_received()]
    assert "amendment_opened" in received
    assert http.get("/notifications/count").get_json()["unread"] == 1
    assert "amendment_opened" not in [m["name"] for m in sockets["stranger"][0].get_received()]
    for s, _ in sockets.values():
        s.disconnect()


NODE_HARNESS = r"""
const fs = require("fs");
const vm = require("vm");
const emitted = [], handlers = {}, fetched = [];
const element = (attrs) => ({ attrs, hidden: true, textContent: "",
  getAttribute(name) { return this.attrs[name] === undefined ? null : this.attrs[name]; },
  querySelector() { return number; } });
const number = element({});
const link = element({ "data-rooms": "standard:1", "data-kinds": "amendment_opened vote_opened",
                       "data-count-url": "/notifications/count" });
const badge = element({});
const socket = { connected: true, emit(name, data) { emitted.push([name, data.room]); },
                 on(name, fn) { (handlers[name] = handlers[name] || []).push(fn); } };
const fire = (name) => (handlers[name] || []).forEach((fn) => fn({ id: 1 }));
const context = { window: { deliberateSocket: socket, fetch: true }, setTimeout, clearTimeout, Date,
  document: { getElementById: (id) => ({ "notifications-link": link, "notification-count": badge })[id] || null },
  fetch: (url) => { fetched.push(url); return Promise.resolve({ ok: true, json: () => Promise.resolve(
    { unread: 3, rooms: ["standard:1", "standard:2"], next_due_at: null }) }); } };
vm.runInNewContext(fs.readFileSync(process.argv[2], "utf8"), context);
const steps = { joinedAtLoad: emitted.slice() };
fire("amendment_opened"); fire("vote_opened");
setTimeout(() => {
  steps.fetchedOnce = fetched.length; steps.count = number.textContent; steps.hidden = badge.hidden;
  steps.joinedAfter = emitted.slice();
  fire("connect");
  setTimeout(() => { steps.fetchedAfterReconnect = fetched.length; steps.joinedAtReconnect = emitted.slice();
                     console.log(JSON.stringify(steps)); }, 600);
}, 600);
"""


def test_notifications_js_joins_recounts_and_shows_the_badge(tmp_path):
    """notifications.js run by node against stand-ins for the page, the socket and fetch."""
    import json
    import shutil
    import subprocess

    from deliberate import ROOT

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    harness = tmp_path / "harness.js"
    harness.write_text(NODE_HARNESS)
    script = ROOT / "deliberate" / "static" / "js" / "notifications.js"
    result = subprocess.run([node, str(harness), str(script)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    steps = json.loads(result.stdout)
    assert steps["joinedAtLoad"] == [["join", "standard:1"]]
    assert steps["fetchedOnce"] == 1  # two events close together: one recount
    assert steps["count"] == "3" and steps["hidden"] is False
    assert steps["joinedAfter"] == [["join", "standard:1"], ["join", "standard:2"]]  # followed elsewhere
    assert steps["fetchedAfterReconnect"] == 2  # a reconnect catches up
    assert steps["joinedAtReconnect"][-2:] == [["join", "standard:1"], ["join", "standard:2"]]
