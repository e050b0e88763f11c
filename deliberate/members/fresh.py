"""A fresh sign-in for sensitive account changes: password, email, erasure, API tokens.

A session counts as fresh for ``FRESH_LOGIN_MINUTES`` (10 by default) after the person typed
their password (signing in, or confirming it on ``/account/confirm``). Coming back through a
"keep me signed in" cookie is never fresh. The mark is tied to the person and their session
version, so signing out, or signing out everywhere, makes it stale.

Usage in any package: ``@fresh_login_required`` under the route decorator. A page is sent to the
confirmation form and comes back; a JSON request gets 401 with code ``reauthentication_required``.

A form sent while the sign-in was stale is not lost: its fields (never a password, never its CSRF
token) wait in the session, and once the password is confirmed the person's action is finished
for them (``/account/confirm`` answers with the same form, filled in, which the page sends at once;
without scripts one press of "Continue" does). Forms that ask for the current password themselves
(changing the password or the email, erasing one's account) need no separate confirmation: the
password they carry is the fresh sign-in.
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
PENDING_KEY = "_pending_action"
DEFAULT_MINUTES = 10
# What a waiting form may hold (the session is a cookie: a few hundred bytes at most).
PENDING_MAX_FIELDS = 20
PENDING_MAX_CHARS = 1500

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


def _keep_pending_form() -> None:
    """Keep the fields of the form being sent (not its CSRF token, never a password) for after
    the confirmation; a form too large for the session cookie is not kept."""
    fields = [(name, value) for name, value in request.form.items(multi=True)
              if name != "csrf_token" and "password" not in name.lower()]
    if len(fields) > PENDING_MAX_FIELDS or sum(len(n) + len(v) for n, v in fields) > PENDING_MAX_CHARS:
        session.pop(PENDING_KEY, None)
        return
    session[PENDING_KEY] = {"user": current_user.get_id(), "path": request.path, "fields": fields}


def take_pending_form(path: str | None) -> list[tuple[str, str]] | None:
    """The fields of the form this person sent to ``path`` before confirming (once), or None."""
    pending = session.pop(PENDING_KEY, None)
    if not isinstance(pending, dict) or pending.get("user") != current_user.get_id() or pending.get("path") != path:
        return None
    fields = pending.get("fields")
    if not isinstance(fields, list):
        return None
    return [(str(name), str(value)) for name, value in fields if isinstance(name, str) and isinstance(value, str)]


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
            if request.method == "POST":
                _keep_pending_form()
                return redirect(url_for("auth.confirm_password", next=request.path))
            return redirect(url_for("auth.confirm_password", next=_come_back_to()))
        return view(*args, **kwargs)
    return wrapped  # type: ignore[return-value]
