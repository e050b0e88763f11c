"""The operations routes: /healthz, /readyz, /metrics. Thin, sessionless, not rate limited."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request

from ..extensions import limiter
from . import health, metrics

bp = Blueprint("ops", __name__)
# Probes and scrapes come every few seconds from one address: a rate limit would fail them.
limiter.exempt(bp)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    """Alive: the process answers. Nothing else is asked (no database, no session)."""
    return _no_store(jsonify(ok=True))


@bp.get("/readyz")
def readyz():
    """Ready: the database and the Redis servers this process uses answer."""
    checks = health.readiness(current_app.config)
    ready = all(result == "ok" for result in checks.values())
    body = {"ok": ready, "checks": checks}
    if not ready:
        body["failed"] = sorted(name for name, result in checks.items() if result != "ok")
    return _no_store(jsonify(body)), 200 if ready else 503


@bp.get("/metrics", endpoint="metrics")
def scrape():
    """The Prometheus exposition, for METRICS_TOKEN or METRICS_ALLOW; anyone else gets the site's 404."""
    config = current_app.config
    forwarded = not config.get("TRUSTED_PROXIES") and "X-Forwarded-For" in request.headers
    registry = metrics.metrics_of(current_app)
    if registry is None or not metrics.may_scrape(config, request.headers.get("Authorization"), request.remote_addr,
                                                  forwarded):
        abort(404)
    body, content_type = registry.render(request.headers.get("Accept"))
    return _no_store(current_app.response_class(body, content_type=content_type))
