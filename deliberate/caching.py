"""Pages that must never be kept in a cache (a browser's back-forward cache, a proxy, the disk):
the ones that show a secret or a single-use link (a webhook's signing secret, a new invitation
link, the pages reached through an invitation or a password-reset link)."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import make_response


def no_store(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send ``Cache-Control: no-store`` with whatever the view answers."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        response = make_response(view(*args, **kwargs))
        response.cache_control.no_store = True
        return response

    return wrapped
