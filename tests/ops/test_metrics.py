"""/metrics: the counts move with the requests, labelled by route (never the path asked for); open
Socket.IO connections; queue lengths counted from the database at scrape time; and nobody but a
holder of METRICS_TOKEN or an address of METRICS_ALLOW gets anything but the site's 404."""
from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from deliberate import create_app
from deliberate.database import utcnow
from deliberate.extensions import db, socketio
from deliberate.ops import metrics
from deliberate.voting import services as voting
from deliberate.voting.models import Vote
from deliberate.webhooks import services as webhooks
from tests.conftest import BASE_CONFIG

TOKEN = "metrics-token-for-the-tests-0123456789"
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.9"}


def scrape(client, **options) -> dict[tuple[str, tuple], float]:
    """The samples of one scrape, by (name, sorted labels)."""
    response = client.get("/metrics", **options)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def requests_of(samples, route, status, method="GET") -> float:
    key = ("deliberate_http_requests_total", (("method", method), ("route", route), ("status", str(status))))
    return samples.get(key, 0.0)


def latency_count(samples, route, method="GET") -> float:
    return samples.get(("deliberate_http_request_duration_seconds_count", (("method", method), ("route", route))), 0.0)


def queue(samples, name) -> float | None:
    return samples.get(("deliberate_queue_length", (("queue", name),)))


def test_requests_are_counted_by_route_and_status_with_their_latency(client, network):
    slug = network["standard"].slug
    before = scrape(client)
    for _ in range(3):
        assert client.get(f"/standards/{slug}").status_code == 200
    assert client.get("/standards/no-such-standard").status_code == 404
    assert client.get("/a-page-that-does-not-exist-4711").status_code == 404
    after = scrape(client)
    route = "/standards/<slug>"
    assert requests_of(after, route, 200) - requests_of(before, route, 200) == 3
    assert requests_of(after, route, 404) - requests_of(before, route, 404) == 1
    assert latency_count(after, route) - latency_count(before, route) == 4
    assert requests_of(after, "(unmatched)", 404) - requests_of(before, "(unmatched)", 404) == 1
    assert requests_of(after, "/metrics", 200) >= 1  # the first scrape, counted
    labels = {value for key in after for _name, value in key[1]}
    assert slug not in labels and "/a-page-that-does-not-exist-4711" not in labels  # paths never become labels


def test_an_invented_method_does_not_make_a_series_of_its_own(client):
    client.open("/healthz", method="BREW")
    client.open("/healthz", method="PROPFIND")
    samples = scrape(client)
    methods = {dict(labels).get("method") for name, labels in samples if name == "deliberate_http_requests_total"}
    assert "BREW" not in methods and "PROPFIND" not in methods and "other" in methods


def test_open_socket_connections(app, client):
    def gauge():
        return scrape(client)[("deliberate_socketio_connections", ())]

    assert gauge() == 0
    first = socketio.test_client(app, flask_test_client=app.test_client())
    second = socketio.test_client(app, flask_test_client=app.test_client())
    assert first.is_connected() and second.is_connected()
    assert gauge() == 2
    first.disconnect()
    assert gauge() == 1
    second.disconnect()
    assert gauge() == 0


def test_queues_are_counted_at_scrape_time(client, network, steward):
    assert queue(scrape(client), "webhook_deliveries") == 0
    assert queue(scrape(client), "mail_outbox") == 0
    assert queue(scrape(client), "votes_closing_late") == 0
    webhooks.create_webhook(actor=steward, coop=None, url="https://receiver.example/hook",
                            events=["vote.opened", "vote.closed"], allow_private=True)
    vote = voting.open_vote(actor=steward, subject_kind="admission", subject_id=network["applicant"].id,
                            closes_at=utcnow() + timedelta(days=7))
    samples = scrape(client)
    assert queue(samples, "webhook_deliveries") == 1  # the vote_opened delivery, waiting for the worker
    assert queue(samples, "votes_closing_late") == 0
    assert queue(samples, "mail_outbox") >= 1 and queue(samples, "mail_failed") == 0  # "vote opened" to the delegates
    # Due a moment ago: within one scheduler interval it is not late yet.
    db.session.execute(update(Vote).where(Vote.id == vote.id).values(closes_at=utcnow() - timedelta(seconds=5)))
    db.session.commit()
    assert queue(scrape(client), "votes_closing_late") == 0
    db.session.execute(update(Vote).where(Vote.id == vote.id).values(closes_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    assert queue(scrape(client), "votes_closing_late") == 1


def test_a_registered_queue_is_reported_and_a_failing_one_left_out(client, monkeypatch):
    def broken() -> int:
        raise RuntimeError("the outbox table is not there")

    monkeypatch.setitem(metrics.QUEUES, "test_outbox", metrics.Queue("test_outbox", lambda: 7))
    monkeypatch.setitem(metrics.QUEUES, "test_broken", metrics.Queue("test_broken", broken))
    samples = scrape(client)
    assert queue(samples, "test_outbox") == 7
    assert queue(samples, "test_broken") is None
    assert queue(samples, "webhook_deliveries") == 0  # the others are still there


def test_making_an_app_counts_no_queue(monkeypatch, tmp_path):
    """Registering the queue collector describes it without counting: an app made before its
    database is migrated (``flask db upgrade`` makes one) queries nothing and logs no failure."""
    counted = []
    monkeypatch.setitem(metrics.QUEUES, "test_counted", metrics.Queue("test_counted", lambda: counted.append(1) or 1))
    create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite3'}"})
    assert counted == []


def test_register_queue_is_keyed_by_name(monkeypatch):
    monkeypatch.setattr(metrics, "QUEUES", {})
    metrics.register_queue("mail_outbox", lambda: 1)
    metrics.register_queue("mail_outbox", lambda: 2)
    assert list(metrics.QUEUES) == ["mail_outbox"] and metrics.QUEUES["mail_outbox"].count() == 2


# Who may scrape ------------------------------------------------------------------------------------

@pytest.fixture
def app_config():
    return {"METRICS_TOKEN": TOKEN}


def test_from_elsewhere_metrics_is_the_sites_own_404(client):
    refused = client.get("/metrics", environ_base=ELSEWHERE)
    unknown = client.get("/no-such-page", environ_base=ELSEWHERE)
    assert refused.status_code == unknown.status_code == 404
    assert "deliberate_" not in refused.get_data(as_text=True)
    assert refused.get_data(as_text=True).replace("/metrics", "/no-such-page") == unknown.get_data(as_text=True)


def test_the_token_opens_it_from_anywhere_and_a_wrong_one_from_nowhere(client):
    assert scrape(client, environ_base=ELSEWHERE, headers={"Authorization": f"Bearer {TOKEN}"})
    for wrong in (f"Bearer {TOKEN}x", "Bearer ", f"Bearer {TOKEN[:-1]}", "Bearer metrics", f"Basic {TOKEN}"):
        assert client.get("/metrics", environ_base=ELSEWHERE, headers={"Authorization": wrong}).status_code == 404, wrong
    # A wrong bearer token is refused even from an allowed address.
    assert client.get("/metrics", headers={"Authorization": "Bearer not-the-token"}).status_code == 404


def test_through_an_untrusted_proxy_loopback_is_not_enough(client):
    # nginx on the same machine, TRUSTED_PROXIES unset: every request would come from 127.0.0.1.
    forwarded = client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"})
    assert forwarded.status_code == 404
    assert scrape(client, headers={"X-Forwarded-For": "198.51.100.7", "Authorization": f"Bearer {TOKEN}"})


def test_behind_a_trusted_proxy_the_clients_address_decides(database_url):
    proxied = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "TRUSTED_PROXIES": 1,
                          "METRICS_ALLOW": ("10.0.0.0/8",)})
    client = proxied.test_client()
    assert client.get("/metrics", headers={"X-Forwarded-For": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 404
    assert client.get("/metrics").status_code == 404  # loopback is not in this METRICS_ALLOW
    with proxied.app_context():
        db.engine.dispose()


CONFIG = {"METRICS_TOKEN": TOKEN, "METRICS_ALLOW": ("127.0.0.1/32", "::1/128", "10.0.0.0/8")}


@pytest.mark.parametrize("config, authorization, address, forwarded, allowed", [
    (CONFIG, None, "127.0.0.1", False, True),
    (CONFIG, None, "::1", False, True),
    (CONFIG, None, "::ffff:127.0.0.1", False, True),  # IPv4 loopback on a dual-stack socket
    (CONFIG, None, "10.200.0.4", False, True),
    (CONFIG, None, "127.0.0.2", False, False),
    (CONFIG, None, "203.0.113.9", False, False),
    (CONFIG, None, "127.0.0.1", True, False),
    (CONFIG, None, None, False, False),
    (CONFIG, None, "not an address", False, False),
    (CONFIG, f"Bearer {TOKEN}", "203.0.113.9", True, True),
    (CONFIG, f"bearer {TOKEN}", "203.0.113.9", False, True),
    (CONFIG, f"Bearer {TOKEN} ", "203.0.113.9", False, True),
    (CONFIG, "Bearer nope", "127.0.0.1", False, False),
    (CONFIG, f"Basic {TOKEN}", "203.0.113.9", False, False),
    ({"METRICS_TOKEN": None, "METRICS_ALLOW": ()}, None, "127.0.0.1", False, False),  # METRICS_ALLOW="": token only
    ({"METRICS_TOKEN": None, "METRICS_ALLOW": ("127.0.0.1/32",)}, "Bearer anything", "127.0.0.1", False, True),
    ({"METRICS_TOKEN": None, "METRICS_ALLOW": ("127.0.0.1/32",)}, "Bearer ", "203.0.113.9", False, False),
])
def test_may_scrape(config, authorization, address, forwarded, allowed):
    assert metrics.may_scrape(config, authorization, address, forwarded) is allowed
