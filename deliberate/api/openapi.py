"""Each API operation is declared once, with its parameters, body and responses; the route, the
request checks and the OpenAPI 3.1 document all come from that declaration.

``operation(...)`` registers a Flask route on the API blueprint whose wrapper, before the view
runs: authenticates the token and checks its scope, refuses out-of-range ids, parses the query
parameters it declares, and for operations with a body checks the content type, the size, the
JSON syntax and the schema (unknown fields included). The view gets ``query=`` and ``body=``
and returns plain data; the wrapper makes the JSON response (with an ETag where declared).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import gettext as _

from ..errors import NotFound
from . import auth
from .errors import ApiError
from .pagination import CURSOR_PARAM, LIMIT_PARAM
from .schemas import COMPONENTS, MAX_ID, page_of, ref
from .validation import validate

API_VERSION = "1.0.0"
PREFIX = "/api/v1"
JSON = "application/json"
ERROR_STATUSES = {
    304: "Not modified: your copy (`If-None-Match`) is current.",
    400: "Malformed JSON, or a cursor we did not give out.",
    401: "No token where one is needed, or a token that is unknown, revoked or expired.",
    403: "The token lacks the scope, or its person may not do this.",
    404: "No such thing (or not visible to you).",
    409: "The current state does not allow it (e.g. the vote is closed, the text moved).",
    413: "The body is larger than the API accepts.",
    415: "The body is not `application/json`.",
    422: "A field is missing, of the wrong type, unknown, or not valid.",
    429: "Rate limit reached: see `Retry-After`.",
}


@dataclass(frozen=True)
class Param:
    name: str
    location: str  # "path", "query" or "header"
    schema: dict[str, Any]
    description: str = ""
    required: bool = False


def path_slug(name: str, description: str) -> Param:
    return Param(name, "path", {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,80}$", "maxLength": 80},
                 description, True)


def path_id(name: str, description: str) -> Param:
    return Param(name, "path", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, description, True)


PAGE_PARAMS = (Param("limit", "query", LIMIT_PARAM, "How many items per page (at most 100)."),
               Param("cursor", "query", CURSOR_PARAM, "Where to continue: `next_cursor` from the previous page."))
IF_NONE_MATCH = Param("If-None-Match", "header", {"type": "string", "maxLength": 200},
                      "An ETag you already have: 304 if it is still current.")


@dataclass
class Operation:
    method: str
    path: str
    endpoint: str
    summary: str
    description: str
    tag: str
    scope: str
    token: str  # "optional" (public reads) or "required"
    params: tuple[Param, ...]
    response: tuple[int, dict[str, Any] | None, str]
    body: str | None = None
    body_required: bool = True
    content_type: str = JSON
    errors: tuple[int, ...] = ()
    etag: bool = False
    example: dict[str, Any] | None = None
    response_example: Any = None

    @property
    def flask_path(self) -> str:
        def convert(match: re.Match[str]) -> str:
            name = match.group(1)
            param = next(p for p in self.params if p.name == name)
            return f"<int:{name}>" if param.schema.get("type") == "integer" else f"<{name}>"
        return re.sub(r"\{(\w+)\}", convert, self.path)

    def statuses(self) -> list[int]:
        found = set(self.errors) | {429}
        if self.etag:
            found.add(304)
        if any(p.location == "path" for p in self.params):
            found.add(404)
        if any(p.location == "query" for p in self.params):
            found.add(422)
        if any(p.name == "cursor" for p in self.params):
            found.add(400)
        found |= {401, 403}  # a bad token is refused everywhere; a token without the scope too
        if self.body:
            found |= {400, 413, 415, 422}
        return sorted(found)


OPERATIONS: list[Operation] = []


def operation(bp: Blueprint, method: str, path: str, *, summary: str, tag: str, scope: str = "read",
              token: str = "optional", params: tuple[Param, ...] = (), response: tuple[int, Any, str],
              body: str | None = None, body_required: bool = True, errors: tuple[int, ...] = (),
              etag: bool = False, description: str = "", content_type: str = JSON,
              example: dict[str, Any] | None = None, response_example: Any = None) -> Callable:
    """Declare and register one operation (see the module docstring)."""
    def register(view: Callable) -> Callable:
        op = Operation(method=method, path=path, endpoint=view.__name__, summary=summary,
                       description=description or (view.__doc__ or "").strip(), tag=tag, scope=scope, token=token,
                       params=tuple(params), response=response, body=body, body_required=body_required,
                       content_type=content_type, errors=tuple(errors), etag=etag, example=example,
                       response_example=response_example)
        OPERATIONS.append(op)

        @wraps(view)
        def wrapped(**kwargs: Any):
            auth.require(op.scope, required=op.token == "required")
            for param in op.params:
                if param.location == "path" and param.schema.get("type") == "integer" and kwargs[param.name] > MAX_ID:
                    raise NotFound(_("No such thing."))
            extra: dict[str, Any] = {}
            if any(p.location == "query" for p in op.params):
                extra["query"] = _query(op)
            if op.body:
                extra["body"] = _body(op)
            result = view(**kwargs, **extra)
            return _respond(op, result)

        bp.add_url_rule(op.flask_path, op.endpoint, wrapped, methods=[method])
        return wrapped
    return register


def _query(op: Operation) -> dict[str, Any]:
    values: dict[str, Any] = {}
    fields: dict[str, list[str]] = {}
    for param in op.params:
        if param.location != "query":
            continue
        raw = request.args.get(param.name)
        if raw is None:
            values[param.name] = param.schema.get("default")
            continue
        value: Any = raw
        if param.schema.get("type") == "integer":
            if not re.fullmatch(r"-?[0-9]{1,12}", raw):  # ASCII digits: int() also reads "١٢"
                fields[param.name] = ["Expected an integer."]
                continue
            value = int(raw)
        problems = validate(value, param.schema)
        if problems:
            fields[param.name] = [m for messages in problems.values() for m in messages]
        values[param.name] = value
    if fields:
        raise ApiError("Some query parameters are not valid.", status=422, code="invalid_query", field_errors=fields)
    return values


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _body(op: Operation) -> dict[str, Any]:
    limit = current_app.config.get("API_MAX_BODY_BYTES", 256 * 1024)
    length = request.content_length
    if length is not None and length > limit:
        raise ApiError(f"The body is larger than {limit:,} bytes.", status=413, code="payload_too_large")
    if not length and not request.headers.get("Transfer-Encoding"):
        if not op.body_required:
            return {}
        if request.mimetype != JSON:
            raise ApiError("Send the body as JSON, with `Content-Type: application/json`.", status=415,
                           code="unsupported_media_type")
        raise ApiError("The body is empty: send a JSON object.", status=400, code="malformed_json")
    if request.mimetype != JSON:
        raise ApiError("Send the body as JSON, with `Content-Type: application/json`.", status=415,
                       code="unsupported_media_type")
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise ApiError(f"The body is larger than {limit:,} bytes.", status=413, code="payload_too_large")
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise ApiError(f"The body is not valid JSON: {str(error)[:200]}", status=400, code="malformed_json") from None
    if not isinstance(data, dict):
        raise ApiError("The body must be a JSON object.", status=422, code="invalid_input",
                       field_errors={"body": ["Expected an object."]})
    problems = validate(data, COMPONENTS[op.body], COMPONENTS)
    if problems:
        raise ApiError("Some fields are not valid.", status=422, code="invalid_input", field_errors=problems)
    return data


def _respond(op: Operation, result: Any) -> Response:
    if isinstance(result, Response):
        return result
    status = op.response[0]
    if isinstance(result, tuple):
        result, status = result
    if current_app.config.get("API_VALIDATE_RESPONSES") and op.response[1] is not None:
        problems = validate(result, op.response[1], COMPONENTS)
        if problems:
            raise AssertionError(f"{op.method} {op.path}: response does not match its schema: {problems}")
    response = jsonify(result)
    response.status_code = status
    if op.etag and status == 200:
        response.add_etag()
        response.headers["Cache-Control"] = "no-cache"
        response.make_conditional(request)
    return response


def page(item: str) -> dict[str, Any]:
    return page_of(item)


# The document --------------------------------------------------------------------------------

def _parameter(param: Param) -> dict[str, Any]:
    return {"name": param.name, "in": param.location, "required": param.required or param.location == "path",
            "description": param.description, "schema": param.schema}


def _operation_doc(op: Operation) -> dict[str, Any]:
    status, schema, description = op.response
    responses: dict[str, Any] = {}
    if schema is None:
        responses[str(status)] = {"description": description}
    else:
        content: dict[str, Any] = {"schema": schema}
        if op.response_example is not None:
            content["example"] = op.response_example
        responses[str(status)] = {"description": description, "content": {op.content_type: content}}
        if op.etag:
            responses[str(status)]["headers"] = {"ETag": {"description": "Send back as `If-None-Match`.",
                                                          "schema": {"type": "string"}}}
    for code in op.statuses():
        if code == 304:
            responses["304"] = {"description": ERROR_STATUSES[304]}
        else:
            responses[str(code)] = {"description": ERROR_STATUSES[code],
                                    "content": {JSON: {"schema": ref("Error")}}}
    doc: dict[str, Any] = {
        "operationId": op.endpoint, "summary": op.summary, "description": op.description, "tags": [op.tag],
        "parameters": [_parameter(p) for p in op.params], "responses": responses,
        "x-scope": op.scope,
    }
    if op.token == "required":
        doc["security"] = [{"bearerToken": [op.scope]}]
    else:
        doc["security"] = [{}, {"bearerToken": [op.scope]}]
    if op.body:
        body: dict[str, Any] = {"schema": ref(op.body)}
        if op.example is not None:
            body["example"] = op.example
        doc["requestBody"] = {"required": op.body_required, "content": {JSON: body}}
    return doc


def document(server_url: str = PREFIX) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every declared operation."""
    paths: dict[str, dict[str, Any]] = {}
    for op in sorted(OPERATIONS, key=lambda o: (o.path, o.method)):
        paths.setdefault(op.path, {})[op.method.lower()] = _operation_doc(op)
    tags = []
    for op in OPERATIONS:
        if op.tag not in tags:
            tags.append(op.tag)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Deliberate API", "version": API_VERSION,
            "description": (
                "Read the network's standards, amendments, discussions, votes and co-ops, and act as a "
                "delegate: propose and edit amendments, comment, cast or change your co-op's ballot, object. "
                "Reads of public data need no token. Writes need a personal access token (made on your "
                "account page) sent as `Authorization: Bearer <token>`, with the `write` scope for amendments "
                "and comments and the `vote` scope for ballots and objections; any request with a token needs "
                "its `read` scope to read. Session cookies are ignored. Lists are paginated with `limit` and "
                "an opaque `cursor`; errors have one shape: `{\"error\": {\"code\", \"message\", \"fields\"}}`."),
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": t} for t in tags],
        "paths": paths,
        "components": {
            "schemas": COMPONENTS,
            "securitySchemes": {"bearerToken": {
                "type": "http", "scheme": "bearer", "bearerFormat": "dlb_…",
                "description": "A personal access token from your account page, scoped read, write and/or vote."}},
        },
    }
