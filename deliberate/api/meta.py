"""API: the OpenAPI document, its readable documentation, and who a token belongs to."""
from __future__ import annotations

from flask import Response, render_template, request, url_for

from . import docs, present
from .auth import current_person, current_token
from .blueprint import bp
from .openapi import PREFIX, document, operation
from .schemas import FREE, ref


@operation(bp, "GET", "/openapi.json", summary="The OpenAPI document", tag="About",
           response=(200, {**FREE, "description": "OpenAPI 3.1"}, "This API's OpenAPI 3.1 document."))
def openapi_document():
    """This document: every operation, parameter and schema of the API."""
    return document(request.script_root + PREFIX)


@operation(bp, "GET", "/docs", summary="Readable documentation", tag="About", content_type="text/html",
           response=(200, {"type": "string"}, "This documentation as an HTML page."))
def api_docs():
    """The documentation as a web page, made from the OpenAPI document."""
    html = render_template("api/docs.html", doc=docs.prepare(document(request.script_root + PREFIX)),
                           openapi_url=url_for("api.openapi_document"))
    return Response(html, mimetype="text/html")


@operation(bp, "GET", "/me", summary="Who this token acts for", tag="About", token="required",
           response=(200, ref("Me"), "The token's person (name and co-ops, never the email) and its scopes."))
def me():
    """The person the token acts for, the co-ops they are a delegate of, and the token's scopes."""
    return present.me(current_person(), current_token())
