"""Webhooks against the database and a real HTTP receiver on 127.0.0.1: domain events create
deliveries in their own transaction; the worker signs and sends them, retries failures with
backoff, gives up, turns failing webhooks off; two workers never send the same delivery twice."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler

import pytest
from sqlalchemy import func, select

from deliberate.database import unit_of_work, utcnow
from deliberate.errors import InvalidInput, NotFound, PermissionDenied
from deliberate.extensions import db
from deliberate.members import rights
from deliberate.members.services import change_coop_status
from deliberate.realtime.events import record_event, write_events
from deliberate.versions import services as versions
from deliberate.voting import closing
from deliberate.voting import services as voting
from deliberate.webhooks import delivery, services, signing
from deliberate.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from tests.concurrency import run_together
from tests.live_server import http_server

ALL = list(signing.EVENT_TYPES)


class Receiver:
    """A local HTTP server that records every request and answers from a script of statuses."""

    def __init__(self, statuses=(200,), delay: float = 0.0, location: str | None = None):
        self.requests: list[dict] = []
        self.statuses = list(statuses)
        self.delay = delay
        self.location = location
        self.url = ""

    def status(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


@contextmanager
def receiving(**options) -> Iterator[Receiver]:
    receiver = Receiver(**options)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the http.server API)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                      "received_at": time.time()})
            if receiver.delay:
                time.sleep(receiver.delay)
            status = receiver.status()
            self.send_response(status)
            if receiver.location:
                self.send_header("Location", receiver.location)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            """Quiet: the tests read the recorded requests."""

    with http_server(Handler) as base:
        receiver.url = f"{base}/hooks/deliberate?via=test"
        yield receiver


@pytest.fixture
def app_config():
    return {"WEBHOOK_RETRY_SCHEDULE": "1m,5m", "WEBHOOK_AUTO_DISABLE_AFTER": 2, "WEBHOOK_TIMEOUT_SECONDS": 2}


def hook_for(actor, url, coop=None, events=None):
    return services.create_webhook(actor=actor, coop=coop, url=url, events=events or ALL, allow_private=True)


def open_admission(network, steward):
    return voting.open_vote(actor=steward, subject_kind="admission", subject_id=network["applicant"].id,
                            closes_at=utcnow() + timedelta(days=7))


def deliveries(hook=None, status=None) -> list[WebhookDelivery]:
    db.session.expire_all()
    query = select(WebhookDelivery).order_by(WebhookDelivery.id)
    if hook is not None:
        query = query.where(WebhookDelivery.webhook_id == hook.id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return list(db.session.scalars(query))


def attempts(d: WebhookDelivery) -> list[WebhookAttempt]:
    return list(db.session.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id == d.id)
                                   .order_by(WebhookAttempt.number)))


def run_pass(app, now=None) -> str:
    args = ["webhooks", "deliver"] + (["--now", now.isoformat()] if now else [])
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


# Events become deliveries ----------------------------------------------------------------------

def test_each_event_creates_one_delivery_per_subscribed_active_hook(app, network, steward, make_delegate):
    member, suspended = network["member"], network["suspended"]
    everything = hook_for(steward, "https://hooks.example.org/all")
    closes_only = hook_for(network["delegate"], "https://kazi.example.org/h", coop=member, events=["vote.closed"])
    turned_off = hook_for(network["delegate"], "https://kazi.example.org/off", coop=member)
    services.set_active(actor=network["delegate"], webhook=turned_off, active=False)
    change_coop_status(actor=steward, coop=suspended, status="member")
    quiet = hook_for(network["suspended_delegate"], "https://quiet.example.org/h", coop=suspended)
    change_coop_status(actor=steward, coop=suspended, status="suspended")

    vote = open_admission(network, steward)
    opened = deliveries()
    assert [(d.webhook_id, d.event_type, d.status) for d in opened] == [(everything.id, "vote.opened", "pending")]

    voting.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    assert len(deliveries()) == 1  # ballots are not webhook events
    closing.close_vote(actor=steward, vote=vote)
    closed = [d for d in deliveries() if d.event_type == "vote.closed"]
    assert sorted(d.webhook_id for d in closed) == sorted([everything.id, closes_only.id])
    assert not deliveries(turned_off) and not deliveries(quiet)
    body = closed[0].body
    assert body["type"] == "vote.closed" and body["id"] == closed[0].event_id
    assert body["data"]["vote"]["id"] == vote.id and body["data"]["vote"]["passed"] is True
    assert body["data"]["vote"]["url"] == f"http://localhost.test/votes/{vote.id}"
    assert body["data"]["vote"]["record_url"] == f"http://localhost.test/votes/{vote.id}/record.jsonl"
    assert body["data"]["vote"]["subject"] == {"kind": "admission", "id": network["applicant"].id}
    assert closed[0].guid != closed[1].guid
    # No personal data: not the delegate who voted, nor any e-mail address.
    text = json.dumps([d.body for d in deliveries()])
    assert network["delegate"].name not in text and "@" not in text and "secret_key" not in text


def test_the_links_use_public_url(app, network, steward):
    app.config["PUBLIC_URL"] = "https://deliberate.example.coop/"
    hook_for(steward, "https://hooks.example.org/all")
    vote = open_admission(network, steward)
    assert deliveries()[0].body["data"]["vote"]["url"] == f"https://deliberate.example.coop/votes/{vote.id}"


def test_a_ratified_version_is_announced_with_its_standard(app, network, steward, make_delegate):
    hook = hook_for(steward, "https://hooks.example.org/all", events=["version.ratified"])
    standard = network["standard"]
    version = versions.assemble_version(actor=steward, standard=standard, summary="The founding text.")
    vote = versions.open_ratification_vote(actor=steward, version=version, closes_at=utcnow() + timedelta(days=7))
    voting.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    closing.close_vote(actor=steward, vote=vote)
    [d] = deliveries(hook)
    data = d.body["data"]
    assert d.event_type == "version.ratified" and d.body["type"] == "version.ratified"
    assert data["version"]["number"] == "1.0" and data["version"]["id"] == version.id
    assert data["version"]["url"] == f"http://localhost.test/standards/{standard.slug}/v/1.0"
    assert data["standard"] == {"id": standard.id, "slug": standard.slug, "title": standard.title,
                                "url": f"http://localhost.test/standards/{standard.slug}"}
    assert data["vote"]["id"] == vote.id and data["version"]["content_hash"]


def test_deliveries_are_part_of_the_events_transaction(app, network, steward):
    hook = hook_for(steward, "https://hooks.example.org/all")
    vote = open_admission(network, steward)
    before = len(deliveries(hook))
    with pytest.raises(RuntimeError):
        with unit_of_work() as session:
            record_event(session, "vote_closed", f"vote:{vote.id}", {"vote_id": vote.id, "passed": True})
            write_events(session)  # what the commit does first (realtime.events)
            assert session.scalar(select(func.count(WebhookDelivery.id))) == before + 1  # written, not committed
            raise RuntimeError("the service failed after recording its event")
    assert len(deliveries(hook)) == before


# The worker sends them ------------------------------------------------------------------------------

def test_the_worker_posts_a_signed_body_to_a_real_server(app, network, steward):
    with receiving() as receiver:
        hook = hook_for(steward, receiver.url)
        vote = open_admission(network, steward)
        output = run_pass(app)
    assert "Delivered 1" in output
    [request] = receiver.requests
    [d] = deliveries(hook)
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert request["path"] == "/hooks/deliberate?via=test"
    assert headers["content-type"] == "application/json"
    assert headers["x-deliberate-event"] == "vote.opened"
    assert headers["x-deliberate-delivery"] == d.guid
    assert signing.verify_signature(hook.secret, headers["x-deliberate-signature"], request["body"],
                                    now=request["received_at"])
    assert not signing.verify_signature("whsec_other", headers["x-deliberate-signature"], request["body"],
                                        now=request["received_at"])
    assert json.loads(request["body"]) == d.body
    assert d.body["data"]["vote"]["id"] == vote.id
    assert (d.status, d.attempts, d.last_status_code, d.next_attempt_at) == ("delivered", 1, 200, None)
    [attempt] = attempts(d)
    assert attempt.succeeded and attempt.status_code == 200 and attempt.duration_ms >= 0 and attempt.error == ""
    assert db.session.get(Webhook, hook.id).last_delivery_at is not None
    assert "Delivered 0" in run_pass(app)  # nothing is sent twice
    assert len(receiver.requests) == 1


def test_a_failure_is_retried_with_backoff_then_delivered(app, network, steward):
    with receiving(statuses=(500, 200)) as receiver:
        hook = hook_for(steward, receiver.url)
        open_admission(network, steward)
        t0 = utcnow()
        run_pass(app, now=t0)
        [d] = deliveries(hook)
        assert (d.status, d.attempts, d.last_status_code) == ("pending", 1, 500)
        assert "500" in d.last_error
        # One minute, give or take the 10% jitter.
        assert t0 + timedelta(seconds=53) < d.next_attempt_at < t0 + timedelta(seconds=67)
        assert attempts(d)[0].next_attempt_at == d.next_attempt_at

        run_pass(app, now=t0 + timedelta(seconds=30))
        assert len(receiver.requests) == 1  # not due yet

        run_pass(app, now=t0 + timedelta(minutes=2))
        [d] = deliveries(hook)
        assert (d.status, d.attempts, d.last_status_code) == ("delivered", 2, 200)
        assert len(receiver.requests) == 2
        first, second = receiver.requests
        # The same delivery id on every attempt (receivers use it to ignore repeats), re-signed each time.
        assert first["headers"]["X-Deliberate-Delivery"] == second["headers"]["X-Deliberate-Delivery"] == d.guid
        assert first["body"] == second["body"]
        assert [(a.number, a.status_code, a.succeeded) for a in attempts(d)] == [(1, 500, False), (2, 200, True)]


def test_it_gives_up_after_the_last_attempt_and_turns_the_hook_off(app, network, steward, make_coop):
    with receiving(statuses=(503,)) as receiver:
        hook = hook_for(steward, receiver.url)
        other = hook_for(steward, "https://hooks.example.org/never-due", events=["version.ratified"])
        vote = open_admission(network, steward)
        closing.close_vote(actor=steward, vote=vote)
        t0 = utcnow()
        for minutes in (0, 2, 10):  # the schedule is 1m, 5m: three attempts in all
            run_pass(app, now=t0 + timedelta(minutes=minutes))
        assert len(receiver.requests) == 6
        assert run_pass(app, now=t0 + timedelta(days=2)).startswith("Delivered 0, 0 to retry later, 0 failed")
    failed = deliveries(hook)
    assert [(d.status, d.attempts) for d in failed] == [("failed", 3), ("failed", 3)]
    assert all(attempts(d)[-1].next_attempt_at is None for d in failed)
    hook = db.session.get(Webhook, hook.id)
    # Two deliveries failed in a row (WEBHOOK_AUTO_DISABLE_AFTER = 2): turned off, and it says why.
    assert (hook.active, hook.disabled_reason, hook.consecutive_failures) == (False, "failures", 2)
    assert db.session.get(Webhook, other.id).active
    voting.open_vote(actor=steward, subject_kind="admission", subject_id=make_coop("applicant").id,
                     closes_at=utcnow() + timedelta(days=7))
    assert len(deliveries(hook)) == 2  # a turned-off hook gets nothing new


def test_turning_a_hook_off_cancels_what_waits_and_it_gets_nothing_more(app, network, steward):
    with receiving() as receiver:
        hook = hook_for(steward, receiver.url)
        vote = open_admission(network, steward)
        services.set_active(actor=steward, webhook=hook, active=False)
        [d] = deliveries(hook)
        assert d.status == "cancelled" and d.next_attempt_at is None
        closing.close_vote(actor=steward, vote=vote)
        run_pass(app)
        assert receiver.requests == [] and len(deliveries(hook)) == 1
        with pytest.raises(InvalidInput):
            services.send_ping(actor=steward, webhook=hook)
        services.set_active(actor=steward, webhook=hook, active=True)
        hook = db.session.get(Webhook, hook.id)
        assert hook.active and hook.disabled_reason == "" and hook.consecutive_failures == 0


def test_a_ping_is_sent_once_and_never_retried(app, network, steward):
    with receiving(statuses=(500,)) as receiver:
        hook = hook_for(steward, receiver.url)
        services.send_ping(actor=steward, webhook=hook)
        t0 = utcnow()
        run_pass(app, now=t0)
        run_pass(app, now=t0 + timedelta(hours=1))
    [request] = receiver.requests
    assert request["headers"]["X-Deliberate-Event"] == "ping"
    assert json.loads(request["body"])["data"]["webhook"] == {"id": hook.id, "events": ALL}
    [d] = deliveries(hook)
    assert (d.status, d.attempts) == ("failed", 1)
    assert db.session.get(Webhook, hook.id).consecutive_failures == 0  # pings do not count


def test_timeouts_redirects_and_refused_connections_are_failures(app, network, steward):
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 0.3
    with receiving(delay=1.0) as slow, receiving(statuses=(302,), location="https://elsewhere.example/") as moved:
        slow_hook, moved_hook = hook_for(steward, slow.url), hook_for(steward, moved.url)
        with receiving() as gone:
            gone_hook = hook_for(steward, gone.url)
        open_admission(network, steward)
        run_pass(app)
        assert len(moved.requests) == 1  # the redirect was not followed
    [d_slow], [d_moved], [d_gone] = deliveries(slow_hook), deliveries(moved_hook), deliveries(gone_hook)
    assert d_slow.status == "pending" and d_slow.last_status_code is None and "No answer within" in d_slow.last_error
    assert d_moved.last_status_code == 302 and "https://elsewhere.example/" in d_moved.last_error
    assert d_gone.last_status_code is None and d_gone.last_error
    assert all(d.next_attempt_at is not None for d in (d_slow, d_moved, d_gone))


def test_private_addresses_are_refused_when_sending_unless_allowed(app, network, steward):
    with receiving() as receiver:
        hook = hook_for(steward, receiver.url)
        app.config["WEBHOOK_ALLOW_PRIVATE_HOSTS"] = False
        open_admission(network, steward)
        run_pass(app)
    assert receiver.requests == []
    [d] = deliveries(hook)
    assert d.status == "pending" and "private or local address" in d.last_error


def test_old_finished_deliveries_leave_the_log_and_waiting_ones_stay(app, network, steward):
    with receiving(statuses=(200, 500)) as receiver:
        delivered_hook, failing_hook = hook_for(steward, receiver.url), hook_for(steward, receiver.url)
        open_admission(network, steward)
        t0 = utcnow()
        run_pass(app, now=t0)
    assert sorted(d.status for d in deliveries()) == ["delivered", "pending"]
    assert "Removed" not in run_pass(app, now=t0 + timedelta(days=29, seconds=50))
    # The other one was retried meanwhile (the receiver is gone): it has just failed, and is kept.
    output = run_pass(app, now=t0 + timedelta(days=31))
    assert "Removed 1 old log entries" in output
    [kept] = deliveries()
    assert (kept.webhook_id, kept.status, kept.attempts) == (failing_hook.id, "failed", 3)
    assert db.session.scalar(select(func.count(WebhookAttempt.id))) == 3
    assert deliveries(delivered_hook) == []


# Two workers ---------------------------------------------------------------------------------------

def test_concurrent_workers_claim_each_delivery_once(app, network, steward):
    for n in range(5):
        hook_for(steward, f"https://hooks.example.org/{n}")
    open_admission(network, steward)
    now = utcnow()
    results, errors = run_together(app, lambda i: delivery.claim_next(now, timedelta(minutes=1)), writers=8)
    assert errors == []
    claimed = [r.delivery_id for r in results if r is not None]
    assert sorted(claimed) == sorted(d.id for d in deliveries()) and len(set(claimed)) == 5


def test_an_expired_claim_is_taken_over_and_the_first_worker_records_nothing(app, network, steward):
    hook_for(steward, "https://hooks.example.org/h")
    open_admission(network, steward)
    now = utcnow()
    settings = delivery.Settings.from_config(app.config)
    first = delivery.claim_next(now, timedelta(minutes=1))
    assert delivery.claim_next(now + timedelta(seconds=30), timedelta(minutes=1)) is None
    second = delivery.claim_next(now + timedelta(minutes=2), timedelta(minutes=1))
    assert second is not None and second.delivery_id == first.delivery_id and second.token != first.token
    result = delivery.Result(status_code=200, duration_ms=5)
    assert delivery.record_attempt(first, result, now, now, settings) == "lost"
    assert delivery.record_attempt(second, result, now, now, settings) == "delivered"
    [d] = deliveries()
    assert (d.status, d.attempts, d.claim_token) == ("delivered", 1, None)


def test_an_attempt_in_flight_when_the_hook_is_turned_off_is_still_logged(app, network, steward):
    hook = hook_for(steward, "https://hooks.example.org/h")
    open_admission(network, steward)
    now = utcnow()
    settings = delivery.Settings.from_config(app.config)
    claim = delivery.claim_next(now, settings.lease)
    services.set_active(actor=steward, webhook=hook, active=False)
    outcome = delivery.record_attempt(claim, delivery.Result(status_code=200, duration_ms=3), now, now, settings)
    [d] = deliveries(hook)
    assert outcome == "cancelled" and (d.status, d.attempts, d.claim_token) == ("cancelled", 1, None)
    assert [(a.number, a.status_code) for a in attempts(d)] == [(1, 200)]


# Managing ------------------------------------------------------------------------------------------

def test_who_may_register_what(app, network, steward, make_delegate, make_coop):
    member, delegate = network["member"], network["delegate"]
    with pytest.raises(PermissionDenied):
        hook_for(delegate, "https://a.example.org/")  # network-wide: stewards only
    with pytest.raises(PermissionDenied):
        hook_for(delegate, "https://a.example.org/", coop=make_coop())  # another co-op
    with pytest.raises(PermissionDenied):
        hook_for(network["suspended_delegate"], "https://a.example.org/", coop=network["suspended"])
    hook = hook_for(delegate, "https://a.example.org/", coop=member)
    assert hook.secret.startswith("whsec_") and len(hook.secret) > 40
    assert hook_for(steward, "https://b.example.org/", coop=member).coop_id == member.id
    outsider = make_delegate()
    for action in (lambda: services.set_active(actor=outsider, webhook=hook, active=False),
                   lambda: services.delete_webhook(actor=outsider, webhook=hook),
                   lambda: services.send_ping(actor=outsider, webhook=hook),
                   lambda: services.rotate_secret(actor=outsider, webhook=hook),
                   lambda: services.get_webhook(hook.id, outsider)):
        with pytest.raises(NotFound):
            action()


def test_bad_input_is_refused_with_the_field_named(app, network, steward):
    cases = [({"url": "ftp://example.org/"}, "url"), ({"url": "http://127.0.0.1/", "allow_private": False}, "url"),
             ({"events": []}, "events"), ({"events": ["vote.opened", "ballot.cast"]}, "events"),
             ({"description": "x" * 201}, "description")]
    for overrides, field in cases:
        values = {"actor": steward, "coop": None, "url": "https://ok.example.org/", "events": ALL, **overrides}
        with pytest.raises(InvalidInput) as caught:
            services.create_webhook(**values)
        assert field in caught.value.field_errors
    assert db.session.scalar(select(func.count(Webhook.id))) == 0


def test_rotating_the_secret_and_deleting(app, network, steward):
    hook = hook_for(steward, "https://a.example.org/")
    old = hook.secret
    assert services.rotate_secret(actor=steward, webhook=hook).secret != old
    open_admission(network, steward)
    run_pass(app, now=utcnow() - timedelta(days=1))  # nothing due yet at that time
    services.delete_webhook(actor=steward, webhook=hook)
    assert db.session.scalar(select(func.count(Webhook.id))) == 0 and deliveries() == []


def test_erasure_forgets_who_registered_a_hook_and_export_lists_it(app, network, steward):
    delegate = network["delegate"]
    hook = hook_for(delegate, "https://kazi.example.org/h", coop=network["member"])
    exported = rights.EXPORT_HOOKS["webhooks"](delegate)
    assert exported == [{"id": hook.id, "owner": network["member"].name, "url": "https://kazi.example.org/h",
                         "events": ALL, "description": "", "active": True, "created_at": hook.created_at.isoformat()}]
    assert "secret" not in json.dumps(exported)
    assert services._forget_creator in rights.ERASURE_HOOKS
    with unit_of_work():
        services._forget_creator(delegate)
    db.session.expire_all()
    hook = db.session.get(Webhook, hook.id)
    assert hook.created_by_id is None and hook.active  # the co-op's webhook keeps working
    assert rights.EXPORT_HOOKS["webhooks"](delegate) == []
