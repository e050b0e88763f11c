"""A fresh sign-in for sensitive account changes: password, email, erasure, API tokens.

A session counts as fresh for ``FRESH_LOGIN_MINUTES`` (10 by default) after the person typed
their password (signing in, or confirming it on ``/account/confirm``). Coming back through a
"keep me signed in" cookie is never fresh. The mark is tied to the person and their session
version, so signing out, or signing out everywhere, makes it stale.

Usage in any package: ``@fresh_login_required`` under the route decorator. A page is sent to the
confirmation form and comes back; a JSON request gets 401 with code ``reauthentication_required``.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import wants_json
from ..main.views import is_safe_next

FRESH_KEY = "_fresh_sign_in"
DEFAULT_MINUTES = 10

F = TypeVar("F", bound=Callable[..., Any])


def fresh_minutes() -> int:
    return int(current_app.config.get("FRESH_LOGIN_MINUTES", DEFAULT_MINUTES))


def mark_fresh() -> None:
    """Record that the signed-in person has just typed their password."""
    session[FRESH_KEY] = {"user": current_user.get_id(), "at": int(time.time())}


def forget_fresh() -> None:
    session.pop(FRESH_KEY, None)


def is_fresh(now: float | None = None) -> bool:
    """True when the signed-in person typed their password less than FRESH_LOGIN_MINUTES ago."""
    if not current_user.is_authenticated:
        return False
    mark = session.get(FRESH_KEY)
    if not isinstance(mark, dict) or mark.get("user") != current_user.get_id():
        return False
    at = mark.get("at")
    if not isinstance(at, int):
        return False
    age = (time.time() if now is None else now) - at
    return 0 <= age < fresh_minutes() * 60


def _come_back_to() -> str:
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = request.referrer or ""
    host = request.host_url
    path = referrer[len(host) - 1:] if referrer.startswith(host) else ""
    return path if is_safe_next(path) else url_for("auth.account")


def fresh_login_required(view: F) -> F:
    """Let the view run only for a signed-in person whose sign-in is fresh; else ask for the password."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not is_fresh():
            if wants_json():
                return jsonify({"code": "reauthentication_required",
                                "message": _("Please confirm your password: sign in again to continue.")}), 401
            flash(_("For your safety, please confirm your password to continue."), "info")
            return redirect(url_for("auth.confirm_password", next=_come_back_to()))
        return view(*args, **kwargs)
    return wrapped  # type: ignore[return-value]
