"""The worker that sends due deliveries: claim one, sign and POST it, record the attempt; repeat.

Safe with several processes: a delivery is claimed in its own short transaction (PostgreSQL:
``SELECT … FOR UPDATE SKIP LOCKED``; SQLite: the write transaction begins immediately) by setting
``claimed_until`` and a random ``claim_token``; the result is recorded only by the holder of the
token. A worker that dies mid-send leaves a claim that expires, and the delivery is tried again.

``start(app)`` runs the loop in the server process (every WEBHOOK_WORKER_SECONDS, and at once when a
commit created deliveries); ``flask --app deliberate webhooks deliver`` runs one pass from cron.
"""
from __future__ import annotations

import http.client
import logging
import random
import re
import secrets
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import delete, select

from .. import notices
from ..database import is_postgres, unit_of_work, utcnow
from ..extensions import db
from . import signing
from .models import Webhook, WebhookAttempt, WebhookDelivery
from .services import DISABLED_AFTER_FAILURES, cancel_pending

log = logging.getLogger(__name__)

USER_AGENT = "Deliberate-Webhooks/1.0"
DEFAULT_WORKER_SECONDS = 10.0
MAX_PER_PASS = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

_wake = threading.Event()


def wake() -> None:
    """Ask the worker thread (if this process runs one) to look for due deliveries now."""
    _wake.set()


@dataclass(frozen=True)
class Settings:
    timeout: float
    schedule: tuple[int, ...]
    jitter: float
    disable_after: int
    allow_private: bool

    @property
    def lease(self) -> timedelta:
        """How long a claim holds: longer than any send can take."""
        return timedelta(seconds=self.timeout * 4 + 30)

    @classmethod
    def from_config(cls, config: Any) -> Settings:
        return cls(timeout=float(config.get("WEBHOOK_TIMEOUT_SECONDS", 5)),
                   schedule=signing.parse_schedule(config.get("WEBHOOK_RETRY_SCHEDULE", signing.DEFAULT_SCHEDULE_TEXT)),
                   jitter=float(config.get("WEBHOOK_RETRY_JITTER", signing.DEFAULT_JITTER)),
                   disable_after=int(config.get("WEBHOOK_AUTO_DISABLE_AFTER", 5)),
                   allow_private=bool(config.get("WEBHOOK_ALLOW_PRIVATE_HOSTS", False)))


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    webhook_id: int
    token: str
    guid: str
    url: str
    secret: str
    event_type: str
    body: dict[str, Any]


@dataclass
class Result:
    status_code: int | None = None
    error: str = ""
    duration_ms: int = 0


@dataclass
class PassReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    # Webhooks turned off in this pass after too many failures in a row.
    disabled: int = 0

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed


# Claiming and recording -----------------------------------------------------------------------

def claim_next(now: datetime, lease: timedelta) -> Claim | None:
    """Claim the most overdue delivery of an active webhook, or None if nothing is due."""
    with unit_of_work() as session:
        query = (select(WebhookDelivery, Webhook.url, Webhook.secret)
                 .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                 .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now,
                        Webhook.active.is_(True),
                        (WebhookDelivery.claimed_until.is_(None)) | (WebhookDelivery.claimed_until < now))
                 .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(1))
        if is_postgres(session):
            query = query.with_for_update(skip_locked=True, of=WebhookDelivery)
        row = session.execute(query.execution_options(populate_existing=True)).first()
        if row is None:
            return None
        delivery, url, secret = row
        token = secrets.token_hex(16)
        delivery.claimed_until, delivery.claim_token = now + lease, token
        return Claim(delivery.id, delivery.webhook_id, token, delivery.guid, url, secret, delivery.event_type,
                     dict(delivery.body))


def record_attempt(claim: Claim, result: Result, started_at: datetime, now: datetime, settings: Settings,
                   rand: float | None = None) -> str:
    """Write the attempt and what follows: "delivered", "retrying", "failed", "disabled" (failed, and the
    webhook turned off), "cancelled" (turned off meanwhile) or "lost" (the claim expired and was taken over)."""
    rand = random.random() if rand is None else rand
    with unit_of_work() as session:
        # The webhook first, then the delivery: the order set_active() takes them in (no deadlock).
        hook = session.scalar(select(Webhook).where(Webhook.id == claim.webhook_id).with_for_update(of=Webhook)
                              .execution_options(populate_existing=True))
        delivery = session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == claim.delivery_id,
                                                                WebhookDelivery.claim_token == claim.token)
                                  .with_for_update().execution_options(populate_existing=True))
        if hook is None or delivery is None:
            return "lost"
        number = delivery.attempts + 1
        ok = signing.succeeded(result.status_code)
        retry_at = None
        if delivery.status != "pending":  # turned off while this attempt was on its way: log it, nothing more
            session.add(WebhookAttempt(delivery_id=delivery.id, number=number, started_at=started_at,
                                       duration_ms=result.duration_ms, status_code=result.status_code,
                                       error=result.error[:300], succeeded=ok, next_attempt_at=None))
            delivery.attempts, delivery.claimed_until, delivery.claim_token = number, None, None
            return "cancelled"
        if not ok:
            schedule = settings.schedule if delivery.retries else ()
            retry_at = signing.next_attempt_at(number, now, schedule, settings.jitter, rand)
        session.add(WebhookAttempt(delivery_id=delivery.id, number=number, started_at=started_at,
                                   duration_ms=result.duration_ms, status_code=result.status_code,
                                   error=result.error[:300], succeeded=ok, next_attempt_at=retry_at))
        delivery.attempts, delivery.claimed_until, delivery.claim_token = number, None, None
        delivery.last_status_code, delivery.last_error = result.status_code, result.error[:300]
        hook.last_delivery_at = now
        if ok:
            delivery.status, delivery.finished_at, delivery.next_attempt_at = "delivered", now, None
            if delivery.retries:
                hook.consecutive_failures = 0
            return "delivered"
        if retry_at is not None:
            delivery.next_attempt_at = retry_at
            return "retrying"
        delivery.status, delivery.finished_at, delivery.next_attempt_at = "failed", now, None
        if delivery.retries:
            hook.consecutive_failures += 1
            if hook.active and signing.should_disable(hook.consecutive_failures, settings.disable_after):
                hook.active, hook.disabled_reason = False, DISABLED_AFTER_FAILURES
                cancel_pending(session, hook.id, notices.TURNED_OFF_AFTER_FAILURES(), now)
                log.warning("webhook %s turned off after %d failed deliveries in a row", hook.id,
                            hook.consecutive_failures)
                return "disabled"
        return "failed"


# Sending ------------------------------------------------------------------------------------------

class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever the name resolves to next."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _Refused(Exception):
    pass


def _resolve(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to; refuses names that resolve to private addresses unless allowed."""
    literal = signing.ip_literal(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror:
            raise _Refused(notices.HOST_NOT_FOUND(host=host)) from None
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise _Refused(notices.HOST_NOT_FOUND(host=host))
    if not allow_private:
        for address in addresses:
            if not signing.is_public_address(signing.ip_literal(address)):  # type: ignore[arg-type]
                raise _Refused(notices.HOST_PRIVATE(host=host))
    return addresses[0]


def send(claim: Claim, settings: Settings, at: float | None = None) -> Result:
    """POST the signed body once (no redirects followed); the status code, or what went wrong."""
    body = signing.encode_body(claim.body)
    timestamp = int(at if at is not None else time.time())
    parts = urlsplit(claim.url)
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               signing.EVENT_HEADER: claim.event_type, signing.DELIVERY_HEADER: claim.guid,
               signing.SIGNATURE_HEADER: signing.signature_header(claim.secret, timestamp, body)}
    started = time.monotonic()
    result = Result()
    connection = None
    try:
        address = _resolve(host, port, settings.allow_private)
        connection_class = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
        connection = connection_class(host, port, address, settings.timeout)
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        result.status_code = response.status
        response.read(4096)
        if not signing.succeeded(response.status):
            where = response.getheader("Location")
            result.error = (notices.REDIRECT_NOT_FOLLOWED(where=where) if 300 <= response.status < 400 and where
                            else notices.RECEIVER_ANSWERED(status=response.status, reason=response.reason))
    except _Refused as error:
        result.error = str(error)
    except (socket.timeout, TimeoutError):
        result.error = notices.NO_ANSWER(seconds=f"{settings.timeout:g}")
    except ssl.SSLError as error:
        result.error = notices.TLS_FAILED(reason=error.reason or error)
    except ConnectionRefusedError:
        result.error = notices.CONNECTION_REFUSED()
    except (OSError, http.client.HTTPException) as error:
        result.error = notices.NOT_DELIVERED(error=f"{error.__class__.__name__}: {error}")
    finally:
        if connection is not None:
            connection.close()
    result.duration_ms = int((time.monotonic() - started) * 1000)
    # The receiver's own words (its reason phrase, a Location) may hold control characters: stored
    # as text, they would be refused by PostgreSQL (NUL) or garble the delivery log.
    result.error = _CONTROL.sub("?", result.error)[:300]
    return result


# Passes and the loop ---------------------------------------------------------------------------------

def deliver_due(now: datetime | None = None, limit: int = MAX_PER_PASS, settings: Settings | None = None) -> PassReport:
    """One pass (inside an app context): send every delivery due at ``now`` (default: the clock)."""
    settings = settings or Settings.from_config(current_app.config)
    report = PassReport()
    fixed = now
    for _ in range(limit):
        moment = fixed or utcnow()
        claim = claim_next(moment, settings.lease)
        if claim is None:
            break
        result = send(claim, settings, at=fixed.timestamp() if fixed else None)
        outcome = record_attempt(claim, result, moment, fixed or utcnow(), settings)
        if outcome == "delivered":
            report.delivered += 1
        elif outcome == "retrying":
            report.retrying += 1
        elif outcome in ("failed", "disabled"):
            report.failed += 1
            report.disabled += outcome == "disabled"
    return report


def prune(now: datetime | None = None, days: int | None = None) -> int:
    """Delete finished deliveries (and their attempts) older than ``days`` (WEBHOOK_LOG_DAYS; 0 keeps all)."""
    days = int(current_app.config.get("WEBHOOK_LOG_DAYS", 30)) if days is None else days
    if days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    with unit_of_work() as session:
        old = select(WebhookDelivery.id).where(WebhookDelivery.status != "pending",
                                               WebhookDelivery.finished_at < cutoff)
        session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(old)))
        removed = session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(old))).rowcount
    return removed or 0


def tick(app: Flask, now: datetime | None = None) -> PassReport:
    with app.app_context():
        try:
            report = deliver_due(now)
            prune(now)
        finally:
            db.session.remove()
    if report.attempted:
        log.info("webhooks: %d delivered, %d to retry, %d failed", report.delivered, report.retrying, report.failed)
    return report


def interval(app: Flask) -> float:
    try:
        return max(float(app.config.get("WEBHOOK_WORKER_SECONDS", DEFAULT_WORKER_SECONDS)), 0.0)
    except (TypeError, ValueError):
        return DEFAULT_WORKER_SECONDS
