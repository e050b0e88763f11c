"""Domain errors and their one translation into HTTP pages, JSON bodies and socket replies."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NextStep:
    """What to do instead, for a refusal that has one: a label and where it leads (an endpoint and
    its URL values; pages turn it into a link, the JSON API into ``next_step.url``)."""

    label: str
    endpoint: str
    values: dict[str, Any] = field(default_factory=dict)


class DomainError(Exception):
    """A refusal the user can understand. ``status`` is the HTTP status it maps to; ``next_step``,
    when there is an obvious one, says what to do instead."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field_errors: dict[str, list[str]] | None = None, next_step: NextStep | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}
        self.next_step = next_step

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.field_errors:
            body["fields"] = self.field_errors
        return body


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Gone(DomainError):
    status = 410
    code = "gone"


class RateLimited(DomainError):
    """Too many events too fast (the socket rate limits; HTTP routes have Flask-Limiter's 429)."""

    status = 429
    code = "rate_limited"


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


# The last resort when even the error page cannot be rendered (e.g. the database is down and
# the layout needs it): plain, static, and still without any detail of what failed.
_BARE_500 = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>500</title></head>"
             "<body><main><h1>Something went wrong</h1><p>Please try again in a moment.</p></main></body></html>")


def next_step_link(step: NextStep | None) -> dict[str, str] | None:
    """``{"label", "url"}`` of a refusal's next step (for pages and JSON bodies), or None."""
    if step is None:
        return None
    from flask import url_for

    return {"label": step.label, "url": url_for(step.endpoint, **step.values)}


def _render(status: int, code: str, message: str, field_errors: dict | None = None, next_step: NextStep | None = None):
    link = next_step_link(next_step)
    if wants_json():
        body = {"code": code, "message": message}
        if field_errors:
            body["fields"] = field_errors
        if link:
            body["next_step"] = link
        return jsonify(body), status
    if status >= 500:
        try:
            return render_template("errors/error.html", status=status, message=message), status
        except Exception:  # noqa: BLE001 - whatever broke the page must not break the refusal
            log.exception("The error page itself failed")
            return _BARE_500, status, {"Content-Type": "text/html; charset=utf-8"}
    return render_template("errors/error.html", status=status, message=message, next_step=link), status


def _rollback() -> None:
    """Leave no half-done transaction behind a failure (the next request must start clean)."""
    from .extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001
        log.exception("Rollback after an unexpected error failed")


def socket_refusal(error: Exception) -> dict:
    """The acknowledgement a socket client gets when its event fails: never a traceback.

    The one shape of every socket refusal: ``{"ok": False, "error": message, "code": code}``, plus
    ``"fields": {field: [message, ...]}`` when the refusal names fields. Socket handlers raise
    domain errors; deliberate.realtime.adapter (and, for anything else, the default error
    handler registered below) turns them into this."""
    if isinstance(error, DomainError):
        reply = {"ok": False, "error": error.message, "code": error.code}
        if error.field_errors:
            reply["fields"] = error.field_errors
        return reply
    _rollback()
    log.error("Unhandled error in socket event %s", getattr(request, "event", {}).get("message", "?"),
              exc_info=(type(error), error, error.__traceback__))
    return {"ok": False, "code": "server_error",
            "error": _("Something went wrong on our side. Please try again in a moment.")}


_SHAPES = "deliberate_error_shapes"


def register_error_shape(app: Flask, prefix: str, handler: Callable[[HTTPException], Any]) -> None:
    """Give the paths under ``prefix`` their own answer to HTTP errors raised before any of their
    views runs (no such route, wrong method, body too large): the JSON API registers its shape."""
    app.extensions.setdefault(_SHAPES, {})[prefix] = handler


def _shaped(error: HTTPException):
    for prefix, handler in current_app.extensions.get(_SHAPES, {}).items():
        if request.path.startswith(prefix):
            return handler(error)
    return None


def register_error_handlers(app: Flask) -> None:
    from .extensions import socketio

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        return _render(error.status, error.code, error.message, error.field_errors, error.next_step)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        shaped = _shaped(error)
        if shaped is not None:
            return shaped
        messages = {
            400: _("The request could not be understood. If you were sending a form, reload the page and try again."),
            403: _("You do not have permission to do that."),
            404: _("We could not find that page."),
            405: _("That action is not available here."),
            413: _("What you sent is too large. Shorten it, or split it into parts, and send it again."),
            429: _("Too many attempts. Please wait a moment and try again. If you were writing, go back:"
                   " your text is still in the form."),
        }
        code = (error.name or "error").lower().replace(" ", "_")
        response = _render(error.code or 500, code, messages.get(error.code, error.description or "Error"))
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        # Never show a stack trace to users; the log keeps it for the operators.
        log.exception("Unhandled error on %s %s", request.method, request.path)
        _rollback()
        return _render(500, "server_error", _("Something went wrong on our side. Please try again in a moment."))

    # Socket events: a crash (or a refusal raised outside realtime.adapter) in any handler is
    # acknowledged in the one refusal shape, {ok: false, error, code}.
    socketio.on_error_default(socket_refusal)
