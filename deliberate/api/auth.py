"""Who is calling: a personal access token (``Authorization: Bearer dlb_…``), or nobody.

The API never reads the session cookie: a request acts as the token's person or as an observer.
That is why its routes are exempt from CSRF (a browser cannot attach a bearer token by itself).
A request carrying a token needs the operation's scope (``read`` for reads); a bad token is
refused even where no token is needed, so that a script with a revoked token learns about it.
"""
from __future__ import annotations

import hashlib

from flask import g, request

from ..members.models import Person
from . import tokens
from .errors import insufficient_scope, unauthorized
from .models import ApiToken


def load_token() -> None:
    """Blueprint before_request: find the token, or refuse a malformed or unknown one."""
    g.api_token = None
    header = request.headers.get("Authorization")
    if header is None:
        return
    scheme, _, raw = header.strip().partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw:
        raise unauthorized("Send the token as `Authorization: Bearer <token>`.", code="bad_authorization")
    token = tokens.authenticate(raw)
    if token is None:
        raise unauthorized("This token is unknown, revoked, or no longer valid (its owner signed out "
                           "everywhere or changed their password).", code="invalid_token")
    g.api_token = token


def current_token() -> ApiToken | None:
    return g.get("api_token")


def current_person() -> Person | None:
    """The token's person, or None for an observer."""
    token = current_token()
    return token.person if token is not None else None


def require(scope: str, *, required: bool) -> None:
    token = current_token()
    if token is None:
        if required:
            raise unauthorized()
        return
    if not token.has_scope(scope):
        raise insufficient_scope(scope)


def rate_limit_key() -> str:
    """Per token when one is sent (hashed: the key never holds the token), else per address."""
    header = request.headers.get("Authorization", "")
    if header:
        return "api-token:" + hashlib.sha256(header.encode("utf-8", "replace")).hexdigest()[:32]
    return "api-ip:" + (request.remote_addr or "unknown")
