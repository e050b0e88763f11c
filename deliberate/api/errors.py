"""The API's refusals and their one JSON shape: ``{"error": {"code", "message", "fields"}}``.

Domain errors from the services keep their status (403, 404, 409, 422 …); HTTP errors raised by
Flask, Werkzeug and Flask-Limiter (404, 405, 413, 429) get the same body. Routing errors (an
unknown path or method under /api/) never reach the blueprint's handlers: the app's handler
(deliberate/errors.py) hands them to this module's, registered for the /api/ prefix.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from ..errors import DomainError, register_error_shape

log = logging.getLogger(__name__)

API_PREFIX = "/api/"

MESSAGES = {
    400: "The request could not be understood.",
    401: "This needs a valid API token: send `Authorization: Bearer <token>`.",
    403: "You may not do that.",
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
    406: "This address answers in JSON only.",
    409: "That conflicts with the current state.",
    413: "The request body is too large.",
    415: "Send the body as JSON, with `Content-Type: application/json`.",
    422: "Some fields are not valid.",
    429: "Too many requests: slow down and try again shortly.",
}


class ApiError(DomainError):
    """A refusal specific to the API (authentication, body format)."""

    def __init__(self, message: str, *, status: int, code: str, field_errors: dict | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message, field_errors=field_errors)
        self.status, self.code, self.headers = status, code, headers or {}


def unauthorized(message: str = MESSAGES[401], code: str = "unauthorized") -> ApiError:
    return ApiError(message, status=401, code=code, headers={"WWW-Authenticate": 'Bearer realm="deliberate"'})


def insufficient_scope(scope: str) -> ApiError:
    return ApiError(f"This token may not do that: it needs the “{scope}” scope.", status=403,
                    code="insufficient_scope",
                    headers={"WWW-Authenticate": f'Bearer realm="deliberate", error="insufficient_scope", '
                                                 f'scope="{scope}"'})


def body(code: str, message: str, fields: dict | None = None) -> dict:
    error: dict = {"code": code, "message": message}
    if fields:
        error["fields"] = {str(k): [str(m) for m in v] for k, v in fields.items()}
    return {"error": error}


def error_response(status: int, code: str, message: str, fields: dict | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    response = jsonify(body(code, message, fields))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _http_code(error: HTTPException) -> str:
    return {413: "payload_too_large", 429: "rate_limited", 405: "method_not_allowed",
            404: "not_found"}.get(error.code or 500, (error.name or "error").lower().replace(" ", "_"))


def register(bp: Blueprint) -> None:
    @bp.errorhandler(DomainError)
    def domain_error(error: DomainError):
        return error_response(error.status, error.code, error.message, error.field_errors,
                              getattr(error, "headers", None))

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        response = error_response(status, _http_code(error), MESSAGES.get(status, error.description or "Error"))
        if status == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        if status == 429:
            retry = getattr(error, "retry_after", None)
            if retry:
                response.headers["Retry-After"] = str(retry)
        return response

    @bp.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, AssertionError) and current_app.testing:
            raise error  # a response that contradicts its schema (API_VALIDATE_RESPONSES): fail the test
        log.exception("Unhandled API error on %s %s", request.method, request.path)
        return error_response(500, "server_error", "Something went wrong on our side. Please try again in a moment.")

    # Routing errors under /api/ (no route, wrong method) never reach the blueprint: the app's
    # handler asks for this shape instead of its page or generic JSON.
    bp.record_once(lambda state: register_error_shape(state.app, API_PREFIX, http_error))
