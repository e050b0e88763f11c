"""Settings from the environment.

Pure: takes a mapping (normally ``os.environ``) and an instance folder and returns a dict of
settings. Nothing here touches the disk, Flask or the database, so tests can build any
configuration from a plain dict.
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import PurePath
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


def instance_folder(environ: Mapping[str, str], checkout: str | None, prefix: str) -> str:
    """The instance folder (the SQLite database and the generated secret key live there).

    ``DELIBERATE_INSTANCE`` when set; else ``<checkout>/instance`` when the app runs from a source
    checkout (``checkout`` is its root); else, for a package installed from a wheel, Flask's place for
    an installed app's instance folder, ``<prefix>/var/deliberate-instance`` (``prefix`` is the
    virtualenv's, ``sys.prefix``): never inside site-packages, which upgrades replace.
    """
    explicit = (environ.get("DELIBERATE_INSTANCE") or "").strip()
    if explicit:
        return explicit
    if checkout:
        return str(PurePath(checkout) / "instance")
    return str(PurePath(prefix) / "var" / "deliberate-instance")


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
        # The queue's pub/sub channel: Redis channels are shared by all its databases, so two sites
        # (or a bench beside a site) on one Redis need channels of their own.
        "SOCKETIO_CHANNEL": environ.get("SOCKETIO_CHANNEL") or "flask-socketio",
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
    settings.update(_pool_settings(environ, settings["SQLALCHEMY_DATABASE_URI"]))
    settings.update(_feed_and_account_settings(environ))
    settings.update(mail_settings(environ))
    if "SECRET_KEY" in environ:
        settings["SECRET_KEY"] = environ["SECRET_KEY"]
    return settings


def _pool_settings(environ: Mapping[str, str], database_url: str) -> dict[str, Any]:
    """The connection pool of a database server (not SQLite's file): each process keeps
    DATABASE_POOL_SIZE connections open and opens up to DATABASE_MAX_OVERFLOW more at its busiest,
    closing those again as they come back. SQLAlchemy keeps 5 and opens up to 10 more; a web
    process serving a few hundred people (bench/load.py) has more than 5 requests at the database
    at once often enough that it opened and closed a connection every second or two, each a new
    PostgreSQL process with cold caches. 10 and 5 keep the same ceiling of 15 per process."""
    size = _count(environ.get("DATABASE_POOL_SIZE") or "10", "DATABASE_POOL_SIZE")
    overflow = _count(environ.get("DATABASE_MAX_OVERFLOW") or "5", "DATABASE_MAX_OVERFLOW")
    if size < 1:
        raise ConfigError("DATABASE_POOL_SIZE must be at least 1")
    if database_url.startswith("sqlite"):
        return {}
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": size, "max_overflow": overflow}}


_TAG_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def _feed_and_account_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """The documented settings that the features read from the app's config (docs/search-and-feeds.md,
    docs/rights.md, docs/voting.md, docs/changelog.md, docs/api.md). The last three are set only when
    given: their absence means "the feature's own default" (in tests, off)."""
    tag_date = environ.get("FEED_TAG_DATE", "").strip() or "2026"
    if not _TAG_DATE.fullmatch(tag_date):
        raise ConfigError(f"FEED_TAG_DATE must be a date as YYYY, YYYY-MM or YYYY-MM-DD, not {tag_date!r}")
    try:
        scheduler_seconds = float(environ.get("VOTE_SCHEDULER_SECONDS", "").strip() or 30)
    except ValueError:
        raise ConfigError(f"VOTE_SCHEDULER_SECONDS must be a number of seconds (0: off), not "
                          f"{environ['VOTE_SCHEDULER_SECONDS']!r}") from None
    settings: dict[str, Any] = {
        # Atom feeds: the authority and date of entry ids (tag: URIs), and the feeds' author.
        "FEED_TAG_AUTHORITY": environ.get("FEED_TAG_AUTHORITY", "").strip() or None,
        "FEED_TAG_DATE": tag_date,
        "NETWORK_NAME": environ.get("NETWORK_NAME", "").strip() or "Deliberate",
        "FRESH_LOGIN_MINUTES": _count(environ.get("FRESH_LOGIN_MINUTES") or "10", "FRESH_LOGIN_MINUTES"),
        "PASSWORD_RESET_RATE_LIMIT": environ.get("PASSWORD_RESET_RATE_LIMIT", "5 per minute;20 per hour"),
        "PASSWORD_RESET_EMAIL_RATE_LIMIT": environ.get("PASSWORD_RESET_EMAIL_RATE_LIMIT", "3 per hour;10 per day"),
        "VOTE_SCHEDULER_SECONDS": max(scheduler_seconds, 0.0),
    }
    # The host name the app answers on (Flask's setting): the feeds' and webhooks' fallback for
    # FEED_TAG_AUTHORITY and PUBLIC_URL.
    if environ.get("SERVER_NAME", "").strip():
        settings["SERVER_NAME"] = environ["SERVER_NAME"].strip()
    for name in ("OBSERVER_PAGE_CACHE", "API_VALIDATE_RESPONSES"):
        if environ.get(name, "").strip():
            settings[name] = _flag(environ[name], False)
    return settings


SMTP_SECURITY_MODES = ("none", "starttls", "ssl")
_SMTP_DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
DIGEST_CHOICES = ("daily", "weekly", "off")
_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def mail_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """The outgoing mail settings (docs/email.md). Without ``SMTP_HOST`` nothing is sent over SMTP:
    outside production each mail is written to the log instead; in production mails stay queued."""
    security = (environ.get("SMTP_SECURITY") or "starttls").strip().lower()
    if security not in SMTP_SECURITY_MODES:
        raise ConfigError(f"SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY_MODES)}, not {security!r}")
    host = (environ.get("SMTP_HOST") or "").strip()
    password = environ.get("SMTP_PASSWORD") or ""
    if host and password and security == "none" and host.lower() not in _LOOPBACK_HOSTS:
        # smtplib would send the password in clear over the network.
        raise ConfigError("SMTP_PASSWORD is set but SMTP_SECURITY is none: use starttls or ssl to reach "
                          f"{host} (a password is sent in clear only to a relay on this machine)")
    digest = (environ.get("MAIL_DIGEST_DEFAULT") or "weekly").strip().lower()
    if digest not in DIGEST_CHOICES:
        raise ConfigError(f"MAIL_DIGEST_DEFAULT must be one of {', '.join(DIGEST_CHOICES)}, not {digest!r}")
    hour = _count(environ.get("MAIL_DIGEST_HOUR") or "7", "MAIL_DIGEST_HOUR")
    if hour > 23:
        raise ConfigError(f"MAIL_DIGEST_HOUR must be an hour of the day (0 to 23), not {hour}")
    return {
        "SMTP_HOST": host,
        "SMTP_PORT": _count(environ.get("SMTP_PORT") or str(_SMTP_DEFAULT_PORTS[security]), "SMTP_PORT"),
        "SMTP_USERNAME": environ.get("SMTP_USERNAME") or "",
        "SMTP_PASSWORD": password,
        "SMTP_SECURITY": security,
        "SMTP_TIMEOUT_SECONDS": float(environ.get("SMTP_TIMEOUT_SECONDS", 15)),
        # "Name <address>"; empty: noreply@ the host of PUBLIC_URL.
        "MAIL_FROM": (environ.get("MAIL_FROM") or "").strip(),
        "MAIL_WORKER_SECONDS": float(environ.get("MAIL_WORKER_SECONDS", 10)),
        # Refusals (5xx) of one mail before it is marked failed; outages (no answer, 4xx) never give up.
        "MAIL_MAX_ATTEMPTS": max(_count(environ.get("MAIL_MAX_ATTEMPTS") or "5", "MAIL_MAX_ATTEMPTS"), 1),
        "MAIL_RETRY_BASE_SECONDS": float(environ.get("MAIL_RETRY_BASE_SECONDS", 60)),
        "MAIL_RETRY_MAX_SECONDS": float(environ.get("MAIL_RETRY_MAX_SECONDS", 3600)),
        "MAIL_DIGEST_DEFAULT": digest,
        # Digests go out at this hour (UTC), daily or on the weekday of the person's last digest.
        "MAIL_DIGEST_HOUR": hour,
        # Finished mails (sent, failed) are deleted after this many days; 0 keeps them.
        "MAIL_LOG_DAYS": _count(environ.get("MAIL_LOG_DAYS") or "30", "MAIL_LOG_DAYS"),
    }


def check_secret(secret: str | None, env: str) -> None:
    """Refuse a missing, short or well-known secret key in production."""
    if env != "production":
        return
    if not secret or secret.strip().lower() in KNOWN_DEFAULT_SECRETS:
        raise ConfigError("SECRET_KEY is missing or a known default: refusing to start in production")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(f"SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters in production")
