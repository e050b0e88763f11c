"""Settings from the environment.

Pure: takes a mapping (normally ``os.environ``) and an instance folder and returns a dict of
settings. Nothing here touches the disk, Flask or the database, so tests can build any
configuration from a plain dict.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

# Secrets that must never reach production: framework examples, our own old defaults.
KNOWN_DEFAULT_SECRETS = frozenset(
    {"", "dev", "development", "secret", "changeme", "change-me", "replace-me", "test", "testing",
     "deliberate", "deliberate-dev"}
)
MIN_SECRET_LENGTH = 32

ENVIRONMENTS = ("development", "production", "testing")
LOG_FORMATS = ("plain", "json")


class ConfigError(RuntimeError):
    """The configuration is unsafe or malformed; the app refuses to start."""


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _choice(value: str | None, choices: tuple[str, ...], name: str) -> str:
    text = (value or choices[0]).strip().lower()
    if text not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return text


def _count(value: str | None, name: str) -> int:
    text = (value or "0").strip()
    if not text.isdigit():
        raise ConfigError(f"{name} must be a whole number (0 or more), not {value!r}")
    return int(text)


def _networks(value: str | None, name: str, default: str) -> tuple[str, ...]:
    """Comma-separated addresses or CIDR networks, checked and normalised (``10.0.0.0/8``)."""
    text = default if value is None else value
    try:
        return tuple(str(ipaddress.ip_network(part.strip(), strict=False)) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise ConfigError(f"{name} must be comma-separated addresses or networks (CIDR): {error}") from None


def settings_from_env(environ: Mapping[str, str], instance_path: str) -> dict[str, Any]:
    """Build the settings dict from environment variables.

    ``DELIBERATE_ENV`` is ``development`` (default), ``production`` or ``testing``.
    ``SECRET_KEY`` may be absent here: the app factory then loads or creates one in the
    instance folder (never in production with a known default, see :func:`check_secret`).
    """
    env = environ.get("DELIBERATE_ENV", "development").strip().lower()
    if env not in ENVIRONMENTS:
        raise ConfigError(f"DELIBERATE_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    production = env == "production"
    secure_cookies = _flag(environ.get("SESSION_COOKIE_SECURE"), production)
    database_url = environ.get("DATABASE_URL") or f"sqlite:///{instance_path}/deliberate.sqlite3"
    settings: dict[str, Any] = {
        "ENV_NAME": env,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SOCKETIO_MESSAGE_QUEUE": environ.get("SOCKETIO_MESSAGE_QUEUE") or None,
        "RATELIMIT_STORAGE_URI": environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _flag(environ.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        "COMMENT_RATE_LIMIT": environ.get("COMMENT_RATE_LIMIT", "20 per minute;200 per hour"),
        # The JSON API: per token (or per address without one); bodies above API_MAX_BODY_BYTES get 413.
        "API_RATE_LIMIT": environ.get("API_RATE_LIMIT", "600 per minute;10000 per hour"),
        "API_MAX_BODY_BYTES": int(environ.get("API_MAX_BODY_BYTES", 256 * 1024)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        # Over https the cookies carry the __Host- prefix: the browser then accepts them only if
        # Secure, for the whole site and from this very host (no sibling subdomain can set them).
        "SESSION_COOKIE_NAME": "__Host-session" if secure_cookies else "session",
        "REMEMBER_COOKIE_NAME": "__Host-remember_token" if secure_cookies else "remember_token",
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
        # Bodies larger than this are refused with 413 before any view runs.
        "MAX_CONTENT_LENGTH": int(environ.get("MAX_CONTENT_LENGTH", 1024 * 1024)),
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead: long drafting sessions
        "INVITATION_DAYS": int(environ.get("INVITATION_DAYS", 14)),
        "PASSWORD_RESET_MINUTES": int(environ.get("PASSWORD_RESET_MINUTES", 60)),
        "SOCKETIO_CORS_ORIGINS": [o for o in environ.get("SOCKETIO_CORS_ORIGINS", "").split(",") if o],
        # Reverse proxies in front of the app (0: none, clients connect directly). Behind nginx set 1:
        # the client's address and scheme are then read from the proxy's X-Forwarded-For and
        # X-Forwarded-Proto, so per-address rate limits count people, not the proxy. Never set it
        # higher than the number of proxies: clients could then choose their own address.
        "TRUSTED_PROXIES": _count(environ.get("TRUSTED_PROXIES"), "TRUSTED_PROXIES"),
        "SERVER_HOST": environ.get("HOST", "127.0.0.1"),
        "SERVER_PORT": int(environ.get("PORT", 5000)),
        # Webhooks (docs/webhooks.md). Private/loopback receivers only outside production (SSRF).
        "PUBLIC_URL": environ.get("PUBLIC_URL", "").rstrip("/"),
        "WEBHOOK_ALLOW_PRIVATE_HOSTS": _flag(environ.get("WEBHOOK_ALLOW_PRIVATE_HOSTS"), not production),
        "WEBHOOK_TIMEOUT_SECONDS": float(environ.get("WEBHOOK_TIMEOUT_SECONDS", 5)),
        "WEBHOOK_RETRY_SCHEDULE": environ.get("WEBHOOK_RETRY_SCHEDULE", "1m,5m,30m,2h,12h"),
        "WEBHOOK_AUTO_DISABLE_AFTER": int(environ.get("WEBHOOK_AUTO_DISABLE_AFTER", 5)),
        "WEBHOOK_WORKER_SECONDS": float(environ.get("WEBHOOK_WORKER_SECONDS", 10)),
        "WEBHOOK_LOG_DAYS": int(environ.get("WEBHOOK_LOG_DAYS", 30)),
        # Operations (docs/operations.md): log lines as JSON objects, and who may read /metrics
        # (a bearer token, or an address in METRICS_ALLOW; anyone else gets a 404).
        "LOG_FORMAT": _choice(environ.get("LOG_FORMAT"), LOG_FORMATS, "LOG_FORMAT"),
        "METRICS_TOKEN": environ.get("METRICS_TOKEN") or None,
        "METRICS_ALLOW": _networks(environ.get("METRICS_ALLOW"), "METRICS_ALLOW", "127.0.0.1/32,::1/128"),
    }
    if "SECRET_KEY" in environ:
        settings["SECRET_KEY"] = environ["SECRET_KEY"]
    return settings


def check_secret(secret: str | None, env: str) -> None:
    """Refuse a missing, short or well-known secret key in production."""
    if env != "production":
        return
    if not secret or secret.strip().lower() in KNOWN_DEFAULT_SECRETS:
        raise ConfigError("SECRET_KEY is missing or a known default: refusing to start in production")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(f"SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters in production")
