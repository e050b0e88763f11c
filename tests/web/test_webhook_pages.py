"""Webhook pages: every route against every role, registering with good and bad input, the
buttons, the delivery log, CSRF, and the links from the co-op page and the navigation."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from deliberate.database import utcnow
from deliberate.extensions import db
from deliberate.voting import services as voting
from deliberate.webhooks import delivery, services, signing
from deliberate.webhooks.models import Webhook, WebhookDelivery

ROLES = ("observer", "delegate", "suspended_delegate", "steward")
ALL = list(signing.EVENT_TYPES)


@pytest.fixture
def hooks(network):
    """A network-wide webhook and one of the member co-op's."""
    network_hook = services.create_webhook(actor=network["steward"], coop=None, url="https://net.example.org/h",
                                           events=ALL)
    coop_hook = services.create_webhook(actor=network["delegate"], coop=network["member"],
                                        url="https://kazi.example.org/h?token=abc", events=["vote.closed"],
                                        description="Our board's dashboard")
    return {"network": network_hook, "coop": coop_hook}


# (method, path template, {role: status}); observers are sent to sign in (302).
TABLE = [
    ("GET", "/webhooks/", dict(observer=302, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/webhooks/new", dict(observer=302, delegate=200, suspended_delegate=403, steward=200)),
    ("POST", "/webhooks/new", dict(observer=302, delegate=422, suspended_delegate=403, steward=422)),
    ("GET", "/coops/{member}/webhooks", dict(observer=302, delegate=200, suspended_delegate=404, steward=200)),
    ("GET", "/coops/{suspended}/webhooks", dict(observer=302, delegate=404, suspended_delegate=200, steward=200)),
    ("GET", "/coops/no-such-coop/webhooks", dict(observer=302, delegate=404, suspended_delegate=404, steward=404)),
    ("GET", "/webhooks/{network_hook}", dict(observer=302, delegate=404, suspended_delegate=404, steward=200)),
    ("GET", "/webhooks/{coop_hook}", dict(observer=302, delegate=200, suspended_delegate=404, steward=200)),
    ("GET", "/webhooks/999999", dict(observer=302, delegate=404, suspended_delegate=404, steward=404)),
    ("POST", "/webhooks/{coop_hook}/ping", dict(observer=302, delegate=302, suspended_delegate=404, steward=302)),
    ("POST", "/webhooks/{coop_hook}/disable", dict(observer=302, delegate=302, suspended_delegate=404, steward=302)),
    ("POST", "/webhooks/{coop_hook}/enable", dict(observer=302, delegate=302, suspended_delegate=404, steward=302)),
    ("POST", "/webhooks/{coop_hook}/secret", dict(observer=302, delegate=302, suspended_delegate=404, steward=302)),
    ("POST", "/webhooks/{network_hook}/ping", dict(observer=302, delegate=404, suspended_delegate=404, steward=302)),
    ("POST", "/webhooks/{network_hook}/delete", dict(observer=302, delegate=404, suspended_delegate=404, steward=302)),
    ("GET", "/webhooks/{coop_hook}/delete", dict(observer=405, delegate=405, suspended_delegate=405, steward=405)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, template, expected", TABLE, ids=[f"{m} {t}" for m, t, _ in TABLE])
def test_route_role_status(as_role, network, hooks, role, method, template, expected):
    path = template.format(member=network["member"].slug, suspended=network["suspended"].slug,
                           network_hook=hooks["network"].id, coop_hook=hooks["coop"].id)
    response = as_role(role).open(path, method=method, data={})
    assert response.status_code == expected[role], (role, method, path, response.get_data(as_text=True)[:300])
    if expected[role] == 302 and role == "observer":
        assert "/signin" in response.headers["Location"]


def test_lists_show_each_role_what_it_manages(as_role, network, hooks):
    mine = as_role("delegate").get("/webhooks/").get_data(as_text=True)
    assert "https://kazi.example.org/h" in mine and "Our board" in mine and "net.example.org" not in mine
    assert "The whole network" not in mine
    stewards = as_role("steward").get("/webhooks/").get_data(as_text=True)
    assert "net.example.org" in stewards and "kazi.example.org" in stewards
    # A suspended co-op's delegates see its (empty) list but cannot add to it.
    suspended = as_role("suspended_delegate").get("/webhooks/").get_data(as_text=True)
    assert "kazi.example.org" not in suspended and "Add a webhook" not in suspended


def test_registering_a_coop_webhook_shows_its_secret(as_role, network):
    client = as_role("delegate")
    form = client.get(f"/webhooks/new?owner=coop:{network['member'].slug}").get_data(as_text=True)
    assert f'<option selected value="coop:{network["member"].slug}">' in form
    assert 'name="events" value="vote.opened" checked' in form
    response = client.post("/webhooks/new", data={"owner": f"coop:{network['member'].slug}",
                                                  "url": "https://kazi.example.org/in",
                                                  "events": ["vote.opened", "version.ratified"],
                                                  "description": "Board dashboard"})
    assert response.status_code == 302
    hook = db.session.scalar(select(Webhook))
    assert response.headers["Location"].endswith(f"/webhooks/{hook.id}")
    assert (hook.coop_id, hook.url, hook.events, hook.created_by_id) == \
        (network["member"].id, "https://kazi.example.org/in", ["vote.opened", "version.ratified"],
         network["delegate"].id)
    page = client.get(f"/webhooks/{hook.id}").get_data(as_text=True)
    assert hook.secret in page and "Copy its secret now" in page and "Nothing sent yet" in page


@pytest.mark.parametrize("data, message", [
    ({"url": "ftp://kazi.example.org/"}, "must start with https://"),
    ({"url": ""}, "Give the address"),
    ({"url": "http://10.0.0.3/hook"}, "Private and local network addresses"),
    ({"events": []}, "Choose at least one event"),
    ({"owner": "network"}, "Not a valid choice"),
    ({"description": "x" * 201}, "Write at most 200 characters: this has 201."),
])
def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(app, as_role, network, data, message):
    app.config["WEBHOOK_ALLOW_PRIVATE_HOSTS"] = False
    values = {"owner": f"coop:{network['member'].slug}", "url": "https://kazi.example.org/in", "events": ALL,
              "description": "", **data}
    response = as_role("delegate").post("/webhooks/new", data=values)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page.replace("&#39;", "'"), page[:3000]
    assert 'value="https://kazi.example.org/in"' in page or "url" in data  # what was typed is kept
    assert db.session.scalar(select(func.count(Webhook.id))) == 0


def test_the_buttons(as_role, network, hooks):
    client = as_role("delegate")
    hook = hooks["coop"]
    old_secret = hook.secret
    assert client.post(f"/webhooks/{hook.id}/secret").status_code == 302
    db.session.expire_all()
    assert db.session.get(Webhook, hook.id).secret != old_secret
    client.post(f"/webhooks/{hook.id}/ping")
    assert db.session.scalar(select(WebhookDelivery.event_type).where(WebhookDelivery.webhook_id == hook.id)) == "ping"
    page = client.post(f"/webhooks/{hook.id}/disable", follow_redirects=True).get_data(as_text=True)
    assert "This webhook is turned off" in page and "Turn on" in page and "Send a test ping" not in page
    assert "cancelled" in page  # the waiting ping
    page = client.post(f"/webhooks/{hook.id}/enable", follow_redirects=True).get_data(as_text=True)
    assert "Send a test ping" in page
    response = client.post(f"/webhooks/{hook.id}/delete")
    assert response.headers["Location"].endswith(f"/coops/{network['member'].slug}/webhooks")
    assert db.session.get(Webhook, hook.id) is None


def test_the_delivery_log_shows_attempts_and_the_next_retry(app, as_role, network, hooks):
    hook = hooks["network"]
    voting.open_vote(actor=network["steward"], subject_kind="admission", subject_id=network["applicant"].id,
                     closes_at=utcnow() + timedelta(days=7))
    settings = delivery.Settings.from_config(app.config)
    now = utcnow()
    claim = delivery.claim_next(now, settings.lease)
    delivery.record_attempt(claim, delivery.Result(status_code=502, error="The receiver answered 502 Bad Gateway.",
                                                   duration_ms=42), now, now, settings, rand=0.5)
    page = as_role("steward").get(f"/webhooks/{hook.id}").get_data(as_text=True)
    assert "vote.opened" in page and "502" in page and "42 ms" in page and "retrying" in page
    retry = now + timedelta(minutes=1)
    assert f"{retry:%H:%M}" in page  # the next try, one minute later
    assert "up to 6 times" in page and "turns itself off" in page


def test_auto_disabled_hooks_say_why(as_role, network, hooks):
    hook = hooks["network"]
    hook.active, hook.disabled_reason, hook.consecutive_failures = False, services.DISABLED_AFTER_FAILURES, 5
    db.session.commit()
    page = as_role("steward").get(f"/webhooks/{hook.id}").get_data(as_text=True)
    assert "turned off automatically because 5 deliveries in a row failed" in page


def test_the_secret_is_for_owners_only(as_role, network, hooks):
    assert hooks["coop"].secret in as_role("delegate").get(f"/webhooks/{hooks['coop'].id}").get_data(as_text=True)
    for role in ("observer", "suspended_delegate"):
        body = as_role(role).get(f"/webhooks/{hooks['coop'].id}", follow_redirects=True).get_data(as_text=True)
        assert hooks["coop"].secret not in body
    listing = as_role("delegate").get("/webhooks/").get_data(as_text=True)
    assert hooks["coop"].secret not in listing


def test_links_from_the_coop_page_and_the_navigation(as_role, network):
    path = f"/coops/{network['member'].slug}"
    link = f"/coops/{network['member'].slug}/webhooks"
    assert link in as_role("delegate").get(path).get_data(as_text=True)
    assert link in as_role("steward").get(path).get_data(as_text=True)
    assert link not in as_role("observer").get(path).get_data(as_text=True)
    assert link not in as_role("suspended_delegate").get(path).get_data(as_text=True)
    assert 'href="/webhooks/"' in as_role("steward").get("/").get_data(as_text=True)
    assert 'href="/webhooks/"' not in as_role("delegate").get("/").get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_forms_need_a_csrf_token(app, network, hooks):
    from tests.conftest import TEST_PASSWORD

    client = app.test_client()
    signin = client.get("/signin").get_data(as_text=True)
    first = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', signin).group(1)
    assert client.post("/signin", data={"email": network["delegate"].email, "password": TEST_PASSWORD,
                                        "csrf_token": first}).status_code == 302
    data = {"owner": f"coop:{network['member'].slug}", "url": "https://kazi.example.org/in", "events": ALL}
    assert client.post("/webhooks/new", data=data).status_code == 400
    assert client.post(f"/webhooks/{hooks['coop'].id}/delete").status_code == 400
    assert db.session.get(Webhook, hooks["coop"].id) is not None
    page = client.get("/webhooks/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/webhooks/new", data={**data, "csrf_token": token}).status_code == 302
    assert client.post(f"/webhooks/{hooks['coop'].id}/delete", data={"csrf_token": token}).status_code == 302


def test_what_people_typed_is_escaped(as_role, network):
    hook = services.create_webhook(actor=network["delegate"], coop=network["member"],
                                   url="https://kazi.example.org/<b>x</b>?q=\"'", events=ALL,
                                   description="<script>alert(1)</script>")
    for path in (f"/webhooks/{hook.id}", "/webhooks/", f"/coops/{network['member'].slug}/webhooks"):
        page = as_role("delegate").get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in page and "<b>x</b>" not in page
        assert "&lt;b&gt;x&lt;/b&gt;" in page
