"""Pure webhook rules: which events exist, how bodies are signed, when a failed delivery is retried,
and which URLs and addresses may receive deliveries.

No Flask, no SQLAlchemy, no network: the services, the worker and the receivers' documentation
(docs/webhooks.md) all rely on these functions, and tests/unit/test_webhook_signing.py checks them.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

#: The events a webhook may subscribe to, with the domain event (events table ``kind``) each comes from.
EVENT_TYPES: dict[str, str] = {
    "vote.opened": "vote_opened",
    "vote.closed": "vote_closed",
    "version.ratified": "version_ratified",
}
#: Sent only when someone presses "Send a test ping"; never subscribed to, never retried.
PING = "ping"

SIGNATURE_HEADER = "X-Deliberate-Signature"
EVENT_HEADER = "X-Deliberate-Event"
DELIVERY_HEADER = "X-Deliberate-Delivery"
#: Receivers should refuse signatures older than this (replayed requests).
DEFAULT_TOLERANCE_SECONDS = 300

#: 1 minute, 5 minutes, 30 minutes, 2 hours, 12 hours: six attempts in all over about 15 hours.
DEFAULT_SCHEDULE: tuple[int, ...] = (60, 300, 1800, 7200, 43200)
DEFAULT_SCHEDULE_TEXT = "1m,5m,30m,2h,12h"
DEFAULT_JITTER = 0.1
MAX_URL_LENGTH = 2000
SECRET_PREFIX = "whsec_"

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DELAY = re.compile(r"^(\d{1,6})([smhd]?)$")
_BLOCKED_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_BLOCKED_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")


# Bodies and signatures ---------------------------------------------------------------------------

def encode_body(body: Mapping[str, Any]) -> bytes:
    """The exact bytes sent: compact JSON with sorted keys, UTF-8 (what the signature covers)."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``"<timestamp>.<body>"`` keyed with the webhook's secret."""
    message = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Deliberate-Signature`` value: ``t=<unix time>,v1=<hex signature>``."""
    return f"t={int(timestamp)},v1={signature(secret, timestamp, body)}"


def parse_signature_header(value: str) -> tuple[int, list[str]] | None:
    """(timestamp, [v1 signatures]) from a header value, or None if it is malformed."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in (value or "").split(","):
        key, _, item = part.strip().partition("=")
        if key == "t" and re.fullmatch(r"[0-9]{1,12}", item):
            timestamp = int(item)
        elif key == "v1" and re.fullmatch(r"[0-9a-f]{64}", item):
            signatures.append(item)
    if timestamp is None or not signatures:
        return None
    return timestamp, signatures


def verify_signature(secret: str, header: str, body: bytes, now: float,
                     tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> bool:
    """True if ``header`` signs ``body`` with ``secret`` and its time is within ``tolerance`` of ``now``.

    This is what a receiver does (docs/webhooks.md has a copy to paste); the comparison takes
    constant time so that a forger cannot guess the signature byte by byte.
    """
    parsed = parse_signature_header(header)
    if parsed is None:
        return False
    timestamp, given = parsed
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in given)


# Retries --------------------------------------------------------------------------------------------

def parse_schedule(text: str | Sequence[int]) -> tuple[int, ...]:
    """Retry delays in seconds from ``"1m,5m,30m,2h,12h"`` (units s, m, h, d; none means seconds).

    An empty text means "never retry". Raises ValueError naming the part that is not a delay.
    """
    if not isinstance(text, str):
        delays = tuple(int(d) for d in text)
    else:
        delays = []
        for part in (p.strip().lower() for p in text.split(",")):
            if not part:
                continue
            match = _DELAY.match(part)
            if not match:
                raise ValueError(f"{part!r} is not a delay such as 30s, 5m, 2h or 1d")
            delays.append(int(match.group(1)) * _UNITS[match.group(2) or "s"])
        delays = tuple(delays)
    if any(d <= 0 for d in delays):
        raise ValueError("retry delays must be longer than zero")
    return delays


def max_attempts(schedule: Sequence[int]) -> int:
    """Attempts in all: the first one plus one per delay in the schedule."""
    return len(schedule) + 1


def retry_delay(attempts_made: int, schedule: Sequence[int], jitter: float = DEFAULT_JITTER,
                rand: float = 0.5) -> timedelta | None:
    """How long to wait after the ``attempts_made``-th failed attempt, or None to give up.

    The n-th delay of ``schedule`` is spread by ±``jitter`` (a fraction) using ``rand`` in [0, 1)
    (0.5 means no spread), so that many deliveries that failed together do not retry together.
    """
    if attempts_made < 1:
        raise ValueError("attempts_made counts the attempts already made: at least 1")
    if attempts_made > len(schedule):
        return None
    if not 0 <= jitter < 1 or not 0 <= rand <= 1:
        raise ValueError("jitter must be in [0, 1) and rand in [0, 1]")
    base = schedule[attempts_made - 1]
    return timedelta(seconds=base * (1 + jitter * (2 * rand - 1)))


def next_attempt_at(attempts_made: int, failed_at: datetime, schedule: Sequence[int],
                    jitter: float = DEFAULT_JITTER, rand: float = 0.5) -> datetime | None:
    """When to try again after a failure at ``failed_at``, or None when the delivery has failed."""
    delay = retry_delay(attempts_made, schedule, jitter, rand)
    return None if delay is None else failed_at + delay


def succeeded(status_code: int | None) -> bool:
    """A delivery succeeded when the receiver answered 2xx; anything else (or no answer) failed."""
    return status_code is not None and 200 <= status_code < 300


def should_disable(consecutive_failures: int, threshold: int) -> bool:
    """Turn a webhook off once ``threshold`` deliveries in a row have failed (0 never does)."""
    return threshold > 0 and consecutive_failures >= threshold


# URLs and addresses ------------------------------------------------------------------------------------

class UnsafeURL(ValueError):
    """The URL cannot receive deliveries: ``code`` says why (the message is its English wording)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def check_url(url: str, allow_private: bool, max_length: int = MAX_URL_LENGTH) -> str:
    """The URL, trimmed, if it can receive webhooks; raise UnsafeURL otherwise.

    http and https only, with a host, no user name or password in it, at most ``max_length``
    characters. Unless ``allow_private``, a host that is obviously local (localhost, *.local) or
    an IP address that is not public (loopback, private ranges, link-local, …) is refused here;
    names that *resolve* to such addresses are refused by the worker when it connects.
    """
    url = (url or "").strip()
    if not url:
        raise UnsafeURL("empty", "Give the address that should receive the events.")
    if len(url) > max_length:
        raise UnsafeURL("too_long", f"The address is too long (at most {max_length:,} characters).")
    if any(ch.isspace() or ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in url):
        raise UnsafeURL("spaces", "The address cannot contain spaces.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeURL("invalid", "That is not a valid web address.") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("scheme", "The address must start with https:// (or http://).")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeURL("no_host", "The address must name a host, like https://example.org/hooks.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("credentials", "Leave user names and passwords out of the address: check the signature instead.")
    if port == 0:
        raise UnsafeURL("port", "That port cannot receive deliveries.")
    if not allow_private:
        if host.lower() in _BLOCKED_NAMES or host.lower().endswith(_BLOCKED_SUFFIXES):
            raise UnsafeURL("local", "Local addresses cannot receive webhooks on this server.")
        address = ip_literal(host)
        if address is not None and not is_public_address(address):
            raise UnsafeURL("private", "Private and local network addresses cannot receive webhooks on this server.")
    return url


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address ``host`` spells (``[::1]`` or ``10.0.0.1``), or None if it is a name."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


# IPv6 prefixes that stand for an IPv4 address (what a packet sent there reaches in the end).
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")      # deprecated (RFC 4291): never a real receiver
_NAT64 = ipaddress.ip_network("64:ff9b::/96")         # RFC 6052: the last 32 bits are the IPv4 address
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: a network's own translator
_6TO4 = ipaddress.ip_network("2002::/16")             # RFC 3056: bits 16-47 are the IPv4 address
_TEREDO = ipaddress.ip_network("2001::/32")           # RFC 4380: server in bits 32-63, client XOR-ed at the end


def embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address carries (and reaches through a translator or tunnel):
    IPv4-mapped (::ffff:a.b.c.d) and -compatible (::a.b.c.d), NAT64 (64:ff9b::/96, and
    64:ff9b:1::/48 with the RFC 6052 layout for a /48), 6to4 (2002::/16) and Teredo (2001::/32:
    its server, and its client, whose address is XOR-ed with 0xffffffff in the last 32 bits)."""
    if address.ipv4_mapped is not None:
        return (address.ipv4_mapped,)
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _NAT64:
        return (low32,)
    if address in _NAT64_LOCAL:
        packed = address.packed  # a /48 prefix: bits 48-63 and 72-87 (bits 64-71 are zero)
        return (ipaddress.IPv4Address(packed[6:8] + packed[9:11]),)
    if address in _6TO4:
        return (ipaddress.IPv4Address(address.packed[2:6]),)
    if address in _TEREDO:
        server = ipaddress.IPv4Address(address.packed[4:8])
        client = ipaddress.IPv4Address((int(address) & 0xFFFFFFFF) ^ 0xFFFFFFFF)
        return (server, client)
    if address in _IPV4_COMPATIBLE and int(address) > 1:
        return (low32,)
    return ()


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for globally routable unicast addresses; False for loopback, private, link-local,
    shared (CGNAT), multicast, reserved and unspecified ones. An IPv6 address that carries an
    IPv4 address (:func:`embedded_ipv4`) is public only if every IPv4 address it carries is: so
    64:ff9b::127.0.0.1 (NAT64), 2002:7f00:1:: (6to4) or a Teredo address whose client is 10.0.0.1
    are refused. IPv4-compatible addresses (deprecated) and the local-use NAT64 prefix (a network's
    own translator, RFC 8215) are never public, and neither is anything Python does not call global."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public_address(address.ipv4_mapped)
        if address in _IPV4_COMPATIBLE or address in _NAT64_LOCAL:
            return False
        if not all(is_public_address(inner) for inner in embedded_ipv4(address)):
            return False
    return bool(address.is_global) and not address.is_multicast


def mask_url(url: str) -> str:
    """The URL without its query string, for lists (queries often carry tokens)."""
    parts = urlsplit(url)
    shown = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return shown + ("?…" if parts.query else "")
