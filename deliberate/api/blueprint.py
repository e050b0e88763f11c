"""The API blueprint: token authentication before every request, one error shape, rate limits."""
from __future__ import annotations

from flask import Blueprint, current_app

from ..extensions import limiter
from . import auth, errors

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(auth.load_token)
errors.register(bp)


def _api_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", "600 per minute")


# Per token (or per address without one); the X-RateLimit-* and Retry-After headers say where you stand.
limiter.limit(_api_limit, key_func=auth.rate_limit_key)(bp)
