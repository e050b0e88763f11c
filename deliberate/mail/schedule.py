"""When a mail that could not be sent is tried again, and when it is given up (pure).

Three things can go wrong when the worker hands a mail to the SMTP server:

- ``OUTAGE``: the server cannot be reached or refuses the session itself (no answer, connection
  refused, TLS or sign-in failure, the sender address refused). Nothing is wrong with the mail: it
  is retried, with exponential backoff, for as long as it takes. An outage never loses a mail.
- ``DEFERRED``: the server answered 4xx for this mail ("try again later", greylisting, a full
  mailbox): retried the same way, never given up.
- ``REFUSED``: the server answered 5xx for this mail (no such mailbox, rejected content): retried
  until it has been refused ``max_refusals`` times, then marked failed.

The delay after the n-th failure in a row is ``base · 2^(n-1)`` seconds, at most ``cap``, shortened
by up to ``jitter`` (a random fraction) so that mails queued together do not all retry at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

SENT = "sent"
OUTAGE = "outage"
DEFERRED = "deferred"
REFUSED = "refused"
OUTCOMES = (SENT, OUTAGE, DEFERRED, REFUSED)

DEFAULT_BASE_SECONDS = 60.0
DEFAULT_CAP_SECONDS = 3600.0
DEFAULT_JITTER = 0.1
DEFAULT_MAX_REFUSALS = 5


def retry_delay(failures: int, base: float = DEFAULT_BASE_SECONDS, cap: float = DEFAULT_CAP_SECONDS,
                jitter: float = DEFAULT_JITTER, rand: float = 0.0) -> float:
    """Seconds to wait after the ``failures``-th failure in a row (1, 2, …).

    ``rand`` in [0, 1) picks the jitter: 0 gives the full delay, values near 1 shorten it by almost
    ``jitter`` of itself. Never more than ``cap``, never negative.
    """
    if failures < 1:
        raise ValueError("failures counts from 1")
    if base < 0 or cap < 0 or not 0 <= jitter < 1 or not 0 <= rand < 1:
        raise ValueError("base and cap must be positive, jitter and rand in [0, 1)")
    delay = min(base * 2.0 ** min(failures - 1, 62), cap)
    return delay * (1.0 - jitter * rand)


@dataclass(frozen=True)
class Decision:
    """What happens to a mail after one try: its new status, and when it is tried again."""

    status: str                     # "sent", "pending" (retry at ``retry_at``) or "failed"
    retry_at: datetime | None = None
    refusals: int = 0               # 5xx refusals so far, this one included


def decide(outcome: str, failures: int, refusals: int, now: datetime, *, base: float = DEFAULT_BASE_SECONDS,
           cap: float = DEFAULT_CAP_SECONDS, max_refusals: int = DEFAULT_MAX_REFUSALS,
           jitter: float = DEFAULT_JITTER, rand: float = 0.0) -> Decision:
    """The mail's fate after a try that ended in ``outcome``.

    ``failures`` counts the failed tries in a row before this one and ``refusals`` the 5xx refusals
    before this one. Only refusals can make a mail fail; outages and 4xx answers only delay it.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    if outcome == SENT:
        return Decision("sent", None, refusals)
    if outcome == REFUSED:
        refusals += 1
        if refusals >= max(max_refusals, 1):
            return Decision("failed", None, refusals)
    delay = retry_delay(failures + 1, base, cap, jitter, rand)
    return Decision("pending", now + timedelta(seconds=delay), refusals)


def classify_reply(code: int | None) -> str:
    """An SMTP reply code about one mail (to RCPT or DATA) as an outcome: 2xx sent, 5xx refused,
    anything else (4xx, no code) deferred."""
    if code is None:
        return DEFERRED
    if 200 <= code < 300:
        return SENT
    if 500 <= code < 600:
        return REFUSED
    return DEFERRED
