"""Prometheus metrics: requests by route and status with their latency, open Socket.IO connections,
and the length of the background queues, counted from the database at each scrape.

Each app has its own registry (``app.extensions["deliberate.metrics"]``): a process runs one app,
and is scraped on its own port (docs/operations.md). Queues are registered by name, once, with
:func:`register_queue` (the webhook deliveries and the votes closing late are registered here;
other features register theirs in their ``init_app``, e.g. the mail outbox).
"""
from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

EXTENSION = "deliberate.metrics"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class Queue:
    name: str
    count: Callable[[], int]
    description: str = ""


# Module-level and keyed by name, like the other registries: every app of a process shares them.
QUEUES: dict[str, Queue] = {}


def register_queue(name: str, count: Callable[[], int], description: str = "") -> None:
    """Report ``count()`` as ``deliberate_queue_length{queue="<name>"}`` at each scrape. ``count``
    runs inside an app context of its own (``db.session`` is usable) and returns an int; if it
    raises, the sample is left out of that scrape and the error logged."""
    QUEUES[name] = Queue(name, count, description)


class _QueueCollector(Collector):
    def __init__(self, app: Flask) -> None:
        self.app = app

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily("deliberate_queue_length", "Items waiting in a background queue (counted at scrape time).",
                                 labels=["queue"])

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """What the collector reports, without counting: registering it (at app creation) must not
        query the database, which may not even be migrated yet."""
        yield self._family()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = self._family()
        for queue in sorted(QUEUES.values(), key=lambda q: q.name):
            try:
                with self.app.app_context():
                    value = int(queue.count())
            except Exception:  # noqa: BLE001 - one queue's failure leaves the others and the scrape
                log.warning("metrics: could not count the queue %s", queue.name, exc_info=True)
                continue
            family.add_metric([queue.name], value)
        yield family


class Metrics:
    """The metrics of one app, in a registry of its own."""

    def __init__(self, app: Flask) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("deliberate_http_requests", "HTTP requests answered, by route (URL rule) and status.",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("deliberate_http_request_duration_seconds",
                                 "Time to answer an HTTP request, by route (URL rule).", ["method", "route"],
                                 registry=self.registry)
        self.sockets = Gauge("deliberate_socketio_connections", "Socket.IO connections open in this process.",
                             registry=self.registry)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.registry.register(_QueueCollector(app))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "other"  # any token is a method to Werkzeug
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def render(self, accept: str | None) -> tuple[bytes, str]:
        """The exposition (Prometheus text, or OpenMetrics if the scraper asks) and its content type."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type


def metrics_of(app: Flask) -> Metrics | None:
    return app.extensions.get(EXTENSION)


# Who may scrape -----------------------------------------------------------------------------------

def may_scrape(config: Mapping[str, Any], authorization: str | None, remote_addr: str | None,
               forwarded: bool) -> bool:
    """Whether a request may read /metrics (pure): a bearer token equal to METRICS_TOKEN (compared in
    constant time; a wrong one is refused whatever the address), or else an address inside one of
    METRICS_ALLOW's networks. An address is not trusted when the request was forwarded by a proxy
    the app does not trust (``forwarded``): behind nginx, every request would come from 127.0.0.1."""
    token = config.get("METRICS_TOKEN")
    scheme, _, credentials = (authorization or "").partition(" ")
    if token and scheme.lower() == "bearer":
        return hmac.compare_digest(credentials.strip().encode(), str(token).encode())
    if forwarded or not remote_addr:
        return False
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in ipaddress.ip_network(network) for network in config.get("METRICS_ALLOW", ()))


# The queues of this codebase --------------------------------------------------------------------

def pending_webhook_deliveries() -> int:
    """Webhook deliveries not yet delivered nor given up (waiting for their first try or a retry)."""
    from sqlalchemy import func, select

    from ..extensions import db
    from ..webhooks.models import WebhookDelivery

    return db.session.scalar(select(func.count(WebhookDelivery.id)).where(WebhookDelivery.status == "pending")) or 0


def votes_closing_late() -> int:
    """Open votes whose closing time passed more than one scheduler interval ago: the worker is not
    running, or a vote cannot close (its page tells stewards why)."""
    from sqlalchemy import func, select

    from ..database import utcnow
    from ..extensions import db
    from ..voting import scheduler
    from ..voting.models import Vote

    grace = timedelta(seconds=scheduler.interval(current_app) or scheduler.DEFAULT_SECONDS)
    return db.session.scalar(select(func.count(Vote.id)).where(Vote.state == "open",
                                                               Vote.closes_at < utcnow() - grace)) or 0


def _socket_connected(_sid: str) -> None:
    metrics = metrics_of(current_app)
    if metrics is not None:
        metrics.sockets.inc()


def _socket_disconnected(_sid: str) -> None:
    metrics = metrics_of(current_app)
    if metrics is not None:
        metrics.sockets.dec()


def init_app(app: Flask) -> Metrics:
    from ..realtime.handlers import on_socket_connect, on_socket_disconnect

    metrics = app.extensions[EXTENSION] = Metrics(app)
    register_queue("webhook_deliveries", pending_webhook_deliveries, "webhook deliveries waiting to be sent")
    register_queue("votes_closing_late", votes_closing_late, "open votes past their closing time")
    on_socket_connect(_socket_connected)
    on_socket_disconnect(_socket_disconnected)
    return metrics
