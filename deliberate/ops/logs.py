"""Logs: plain lines (the default) or one JSON object per line (``LOG_FORMAT=json``), a request id
on every request, one access line per request, and no secret in any line.

Every handler this module installs carries :class:`RedactingFilter`, which rewrites a record's
message (and its traceback) before any formatter sees it: the app's own secrets (SECRET_KEY,
METRICS_TOKEN, SMTP_PASSWORD), bearer and API tokens, the tokens of password-reset and invitation
links, secret-looking query parameters and the passwords of URLs become ``[REDACTED]``. See
docs/operations.md.
"""
from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request

REDACTED = "[REDACTED]"
# Literal secrets shorter than this are not searched for: they would redact ordinary words.
MIN_SECRET_LENGTH = 8
# The settings whose values are secrets, wherever they show up in a line.
SECRET_SETTINGS = ("SECRET_KEY", "METRICS_TOKEN", "SMTP_PASSWORD")
ACCESS_LOGGER = "deliberate.access"
REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# The access line's fields, also read from a record's ``extra`` by the JSON formatter.
ACCESS_FIELDS = ("method", "route", "status", "duration_ms")
# Probes and scrapes, every few seconds: counted in the metrics, not written to the log.
QUIET_ENDPOINTS = frozenset({"ops.healthz", "ops.readyz", "ops.metrics"})

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization headers quoted anywhere: "Bearer dlb_…", "Basic dXNlcjpwYXNz".
    (re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE), rf"\1 {REDACTED}"),
    # API tokens (deliberate.api.tokens) and webhook signing secrets (deliberate.webhooks.signing).
    (re.compile(r"\b(dlb_|whsec_)[A-Za-z0-9_-]{8,}"), rf"\1{REDACTED}"),
    # Password-reset and invitation links: /reset/<token>, /join/<token> (a URL rule's "<token>" stays).
    (_LINKS := re.compile(r"/(reset|join)/(?!<)[^/\s?#\"'<>]+"), rf"/\1/{REDACTED}"),
    # Query parameters whose name says secret: ?token=…, &api_key=…, ?password=…
    (re.compile(r"([?&;][^=&;\s?#]*(?:token|passw|secret|key|signature|auth|code)[^=&;\s?#]*=)[^&;\s#\"']+",
                re.IGNORECASE), rf"\1{REDACTED}"),
    # The password of a URL: postgresql://user:password@host, redis://:password@host.
    (re.compile(r"\b([a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@/\s]+@", re.IGNORECASE), rf"\1{REDACTED}@"),
    # name=value and "name": "value" pairs that name a secret.
    (re.compile(r"""(\b[\w-]*(?:password|passwd|secret|token)["']?\s*[:=]\s*["']?)(?!\[REDACTED\])[^\s"',&;}]+""",
                re.IGNORECASE), rf"\1{REDACTED}"),
)


# A log record with this attribute set keeps its reset and invitation links: the mail that the
# development fallback (deliberate.mail.sender.LogTransport, never used in production) writes to
# the log instead of sending it, which is the only way its reader gets the link.
KEEP_LINKS = "deliberate_keep_links"


def redact(text: str, secret_values: Iterable[str] = (), keep_links: bool = False) -> str:
    """``text`` with every secret in it replaced by ``[REDACTED]``: the given literal values
    (longest first), then everything that looks like a token, a password or a secret link (links
    kept with ``keep_links``)."""
    for value in sorted(set(secret_values), key=len, reverse=True):
        if len(value) >= MIN_SECRET_LENGTH and value in text:
            text = text.replace(value, REDACTED)
    for pattern, replacement in _PATTERNS:
        if keep_links and pattern is _LINKS:
            continue
        text = pattern.sub(replacement, text)
    return text


def is_sane_request_id(value: str | None) -> bool:
    """An incoming X-Request-ID is kept only if it is 1 to 64 characters of [A-Za-z0-9._-]."""
    return bool(value) and _SANE_REQUEST_ID.fullmatch(value) is not None


class RedactingFilter(logging.Filter):
    """Rewrites each record's message, arguments and traceback without their secrets (a handler
    filter: it sees the records of every logger that reaches the handler)."""

    def __init__(self, secret_values: Iterable[str] = ()) -> None:
        super().__init__()
        self.secret_values: set[str] = set()
        self._lock = threading.Lock()
        self.add_secrets(secret_values)

    def add_secrets(self, values: Iterable[str | None]) -> None:
        with self._lock:
            self.secret_values |= {value for value in values if value and len(value) >= MIN_SECRET_LENGTH}

    def filter(self, record: logging.LogRecord) -> bool:
        values = tuple(self.secret_values)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: keep the template, drop the arguments
            message = str(record.msg)
        record.msg, record.args = redact(message, values, keep_links=getattr(record, KEEP_LINKS, False)), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, values)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, values)
        return True


def current_request_id() -> str | None:
    if has_request_context():
        return g.get("request_id")
    return None


# Terminal colours (Werkzeug's development server colours its access lines): noise in a JSON log.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, and the access fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": _ANSI.sub("", record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _formatter(kind: str) -> logging.Formatter:
    return JsonFormatter() if kind == "json" else logging.Formatter(PLAIN_FORMAT)


def _ours(handler: logging.Handler) -> bool:
    return getattr(handler, "deliberate", False)


# Libraries that add a stream handler of their own (plain text, and the record printed twice
# through the root's): Engine.IO and Socket.IO do when their server is made.
_OWN_HANDLER_LOGGERS = ("engineio.server", "socketio.server")


def install(kind: str, secret_values: Iterable[str | None] = (), stream=None) -> logging.Handler | None:
    """Send every log record to ``stream`` (stderr) in the ``kind`` format ("plain" or "json"),
    through the redacting filter. Idempotent: a second call reuses the handler, switching its
    format and adding secrets.

    If the root logger already has handlers of someone else's (a logging configuration given to
    gunicorn, say), they are left alone: that configuration decides the format, and should put
    :class:`RedactingFilter` on its handlers (docs/operations.md); the secrets are added to every
    RedactingFilter found there."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if _ours(h)), None)
    if handler is None and not root.handlers:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.deliberate = True  # type: ignore[attr-defined]
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
        if root.level == logging.NOTSET or root.level > logging.INFO:
            root.setLevel(logging.INFO)
    elif handler is not None and stream is not None:
        handler.setStream(stream)  # type: ignore[attr-defined]
    if handler is not None:
        handler.setFormatter(_formatter(kind))
    for each in root.handlers:
        for found in each.filters:
            if isinstance(found, RedactingFilter):
                found.add_secrets(secret_values)
    quiet_library_handlers()
    return handler


def quiet_library_handlers() -> None:
    """Remove the stream handlers Engine.IO and Socket.IO add to their loggers when our root
    handler is installed: their records then reach the log once, formatted and redacted."""
    if not any(_ours(h) for h in logging.getLogger().handlers):
        return
    for name in _OWN_HANDLER_LOGGERS:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if type(handler) is logging.StreamHandler:
                logger.removeHandler(handler)


def secrets_of(config: Mapping[str, Any], environ: Mapping[str, str]) -> list[str]:
    """The secret values a log line must never show: the settings of SECRET_SETTINGS, from the
    app's configuration or the environment."""
    return [str(value) for name in SECRET_SETTINGS for value in (config.get(name), environ.get(name)) if value]


def configure(config: Mapping[str, Any]) -> None:
    """Install the log handler (outside the test suite, whose runner captures logs itself)."""
    import os

    if config.get("ENV_NAME") != "testing":
        install(config.get("LOG_FORMAT", "plain"), secrets_of(config, os.environ))


def init_app(app: Flask) -> None:
    """The request id and the access line on every request (the extensions are made by now, so
    their own log handlers can go too)."""
    quiet_library_handlers()

    def _request_id() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER)
        g.request_id = incoming if is_sane_request_id(incoming) else secrets.token_hex(16)
        g.request_started = time.perf_counter()

    # First of all: a request refused by an earlier hook (CSRF, a rate limit) still has its id and line.
    app.before_request_funcs.setdefault(None, []).insert(0, _request_id)

    @app.after_request
    def _access_line(response):
        request_id = g.get("request_id") or secrets.token_hex(16)
        response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        if started is None or request.endpoint in QUIET_ENDPOINTS:
            return response
        write_access_line(request_id, request.method, route_of(request), response.status_code,
                          time.perf_counter() - started)
        return response


def write_access_line(request_id: str, method: str, route: str, status: int, seconds: float) -> None:
    """One access line (also written for the observers' pages answered before Flask, versions/pagecache.py)."""
    access = logging.getLogger(ACCESS_LOGGER)
    if not access.isEnabledFor(logging.INFO):
        return
    fields = {"request_id": request_id, "method": method, "route": route, "status": status,
              "duration_ms": round(seconds * 1000, 1)}
    logging.getLogger(ACCESS_LOGGER).info("%s %s %s %sms", method, route, status, fields["duration_ms"], extra=fields)


def route_of(req) -> str:
    """The URL rule that answered (``/votes/<int:vote_id>``), never the path asked for: paths carry
    tokens and ids, and would make as many metric series as there are pages."""
    rule = getattr(req, "url_rule", None)
    return rule.rule if rule is not None else "(unmatched)"
