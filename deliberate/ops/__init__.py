"""Operations: health and readiness, Prometheus metrics, request ids, access lines and JSON logs
(docs/operations.md).

``init_app(app)`` is called by the app factory right after the extensions: it registers the
first ``before_request`` (the request id and the clock) and an ``after_request`` that writes the
access line and counts the request, and the routes /healthz, /readyz and /metrics.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    from flask import g, request

    from . import logs, metrics, views

    logs.init_app(app)
    collected = metrics.init_app(app)
    app.register_blueprint(views.bp)

    @app.after_request
    def _count(response):
        started = g.get("request_started")
        if started is not None:
            collected.observe(request.method, logs.route_of(request), response.status_code, time.perf_counter() - started)
        return response
