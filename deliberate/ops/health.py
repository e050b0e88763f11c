"""Liveness and readiness.

``/healthz`` says the process answers (no database, no session: a load balancer may ask it every
second). ``/readyz`` says this process can serve: the database answers ``SELECT 1``, and Redis
answers PING where the settings name it (the Socket.IO message queue, the rate-limit storage).
What failed is named; how it failed (addresses, URLs, passwords) goes to the log, never to the
answer.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import text

log = logging.getLogger(__name__)

REDIS_SCHEMES = ("redis", "rediss")
REDIS_TIMEOUT_SECONDS = 2.0
# The checks a configuration may ask for, by the setting that names the service.
REDIS_SETTINGS = {"SOCKETIO_MESSAGE_QUEUE": "message_queue", "RATELIMIT_STORAGE_URI": "rate_limit_storage"}


def redis_urls(config: Mapping[str, Any]) -> dict[str, str]:
    """The Redis servers this configuration uses, by check name (pure)."""
    found = {}
    for setting, name in REDIS_SETTINGS.items():
        url = config.get(setting) or ""
        if urlsplit(url).scheme.lower() in REDIS_SCHEMES:
            found[name] = url
    return found


def check_database() -> None:
    """Raise unless the database answers ``SELECT 1`` (inside an app context)."""
    from ..extensions import db

    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def check_redis(url: str) -> None:
    """Raise unless the Redis server at ``url`` answers PING."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS)
    try:
        client.ping()
    finally:
        client.close()


def readiness(config: Mapping[str, Any]) -> dict[str, str]:
    """Each check's result, "ok" or "unreachable" (inside an app context). The reason is logged."""
    checks = {"database": check_database}
    for name, url in redis_urls(config).items():
        checks[name] = lambda url=url: check_redis(url)
    results = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"; the log says which
            log.warning("readiness: %s unreachable (%s)", name, type(error).__name__, exc_info=True)
            results[name] = "unreachable"
        else:
            results[name] = "ok"
    return results
