"""Rate limits for Socket.IO events: a token bucket per person (or socket) and kind of event.

HTTP routes are limited by Flask-Limiter; socket events never pass through it, so each handler
is wrapped with :func:`rate_limited`. The bucket itself (:class:`TokenBucket`) is pure; the
registry keeps buckets in this process's memory. Sockets are sticky to one process (see
docs/deploy.md), so a socket's limit is exact; a person with sockets on several processes gets a
bucket on each, which bounds abuse to a small multiple and is documented in docs/security.md.
"""
from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TokenBucket:
    """``capacity`` events at once, refilled at ``rate`` events per second.

    Pure: the caller passes the time, so tests drive it with any clock.
    """

    capacity: float
    rate: float
    tokens: float = field(default=-1.0)
    updated: float = 0.0

    def __post_init__(self) -> None:
        if self.capacity <= 0 or self.rate <= 0:
            raise ValueError("a bucket needs a positive capacity and refill rate")
        if self.tokens < 0:
            self.tokens = self.capacity

    def take(self, now: float, cost: float = 1.0) -> bool:
        """Spend ``cost`` tokens if there are enough at ``now``; say whether the event may go ahead."""
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
        if self.tokens >= cost:
            self.tokens -= cost
            return True
        return False

    def full_at(self, now: float) -> float:
        """When the bucket will be full again (after which forgetting it changes nothing)."""
        return now + (self.capacity - self.tokens) / self.rate


# (capacity, refill per second) per kind of event. ``write``: comments and saves, a burst of 10
# then one every 3 seconds. ``sync``: co-editing syncs, which a tab sends every 2 seconds and on
# each pause in typing. ``signal``: typing and presence. ``read``: joins and catch-up.
DEFAULT_LIMITS: dict[str, tuple[float, float]] = {
    "write": (10, 1 / 3),
    "sync": (60, 4),
    "signal": (30, 1),
    "read": (60, 2),
}


class Limiter:
    """Buckets keyed by (who, kind), forgotten once they would be full again."""

    def __init__(self, limits: dict[str, tuple[float, float]] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = dict(DEFAULT_LIMITS if limits is None else limits)
        self.clock = clock
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    def allow(self, who: str, kind: str) -> bool:
        capacity, rate = self.limits[kind]
        now = self.clock()
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            bucket = self._buckets.get((who, kind))
            if bucket is None:
                bucket = self._buckets[(who, kind)] = TokenBucket(capacity, rate, updated=now)
            return bucket.take(now)

    def _sweep(self, now: float) -> None:
        self._buckets = {key: b for key, b in self._buckets.items() if b.full_at(b.updated) > now}
        self._next_sweep = now + 60

    def __len__(self) -> int:
        return len(self._buckets)


_limiter = Limiter()


def configure(limits: dict[str, tuple[float, float]] | None = None) -> Limiter:
    """Replace the process's limiter (tests use it for a fresh one, or to set other limits)."""
    global _limiter
    _limiter = Limiter(limits)
    return _limiter


def current() -> Limiter:
    return _limiter


def _who() -> str:
    from flask import request
    from flask_login import current_user

    from . import identity

    known = identity.person_id(getattr(request, "sid", None))
    if known is not None:  # the socket's person, without loading them again
        return f"person:{known}"
    if getattr(current_user, "is_authenticated", False):
        return f"person:{current_user.id}"
    return f"sid:{request.sid}"


def rate_limited(kind: str) -> Callable:
    """Wrap a socket handler: over the limit, the event is refused with ``code: rate_limited``
    (:class:`deliberate.errors.RateLimited`, acknowledged like every refusal by the adapter).

    Off when ``RATELIMIT_ENABLED`` is false (the same switch as the HTTP limits)."""
    if kind not in DEFAULT_LIMITS:
        raise ValueError(f"unknown kind of socket event: {kind}")

    def decorate(handler: Callable) -> Callable:
        @functools.wraps(handler)
        def guarded(*args: Any):
            from flask import current_app
            from flask_babel import gettext as _

            from ..errors import RateLimited

            if current_app.config.get("RATELIMIT_ENABLED", True) and not _limiter.allow(_who(), kind):
                raise RateLimited(_("You are sending too fast. Wait a few seconds and try again: nothing was lost."))
            return handler(*args)

        guarded.rate_limit = kind  # the socket authorization matrix checks every event has one
        return guarded

    return decorate
