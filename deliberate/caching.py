"""Observers' pages set no cookie and say ``Vary: Cookie`` only when a session is in play.

A page differs by person only through the session (who is signed in, their language, a flashed
message, their CSRF token) or the remember-me cookie, which turns into a session as soon as it
is used. Flask adds ``Vary: Cookie`` whenever the session object is so much as looked at, and
every page looks (is anyone signed in? any message to flash?): an observer's page, the same for
every visitor without cookies, would then tell shared caches that it depends on a cookie.

Here a request that came without a session cookie and leaves with the session still empty gets no
``Vary: Cookie`` (and, as before, no ``Set-Cookie``): nothing personal can have been read.
Anything else is Flask's behaviour: a page read with a session, or one that starts one (a form's
CSRF token, a language choice, signing in), varies on the cookie and sets it.

A shared cache in front must still not answer requests that carry the session or remember-me
cookie from what it stored for requests without them (deploy/nginx/deliberate-locations.conf bypasses its
cache for those): without ``Vary: Cookie`` on the observer's copy, nothing else tells it apart.

Pages that must never be kept in any cache (a browser's back-forward cache, a proxy, the disk) are
marked with :func:`no_store`: the ones that show a secret or a single-use link (a webhook's signing
secret, a new invitation link, the pages reached through an invitation or a password-reset link).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, make_response, request
from flask.sessions import SecureCookieSessionInterface


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without ``Vary: Cookie`` on responses no session touched."""

    def save_session(self, app, session, response) -> None:
        if (session.accessed and not session and not session.modified
                and self.get_cookie_name(app) not in request.cookies):
            session.accessed = False
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()


def no_store(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send ``Cache-Control: no-store`` with whatever the view answers."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        response = make_response(view(*args, **kwargs))
        response.cache_control.no_store = True
        return response

    return wrapped
