"""Domain errors and their one translation into HTTP pages, JSON bodies and socket replies."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A refusal the user can understand. ``status`` is the HTTP status it maps to."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field_errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}

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


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _render(status: int, code: str, message: str, field_errors: dict | None = None):
    if wants_json():
        body = {"code": code, "message": message}
        if field_errors:
            body["fields"] = field_errors
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        return _render(error.status, error.code, error.message, error.field_errors)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        messages = {
            400: "The request could not be understood. If you were sending a form, reload the page and try again.",
            403: "You do not have permission to do that.",
            404: "We could not find that page.",
            405: "That action is not available here.",
            413: "What you sent is too large.",
            429: "Too many attempts. Please wait a moment and try again.",
        }
        code = (error.name or "error").lower().replace(" ", "_")
        response = _render(error.code or 500, code, messages.get(error.code, error.description or "Error"))
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        # Never show a stack trace to users; the log keeps it for the operators.
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return _render(500, "server_error", "Something went wrong on our side. Please try again in a moment.")
