"""The language picker: anyone may pick the interface language; a signed-in person keeps it on their account."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import force_locale, refresh
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import csrf
from ..i18n import LANGUAGES, check_locale, save_locale
from .views import is_safe_next

bp = Blueprint("language", __name__)


@bp.post("/language")
@csrf.exempt  # checked below: the token for people signed in, the request's origin for observers
def choose():
    """Store the picked language in the session (and on the account when signed in), then go back.

    Observers' pages carry no CSRF token (a token needs a session, and a session a cookie that would
    keep their pages out of shared caches), so their picker posts without one. What a forged
    cross-site post could do then is change a visitor's interface language; browsers say where a
    form post comes from (``Origin``, ``Sec-Fetch-Site``), and one from another site is refused.
    """
    if current_user.is_authenticated:
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()  # the account is written: the page's token is required
    elif not _from_this_site():
        abort(400)
    locale = check_locale(request.form.get("locale"))
    if locale is None:
        session.pop("locale", None)
    else:
        session["locale"] = locale
    if current_user.is_authenticated:
        save_locale(actor=current_user, locale=locale)
    target = request.form.get("next")
    with force_locale(locale or request.accept_languages.best_match(list(LANGUAGES)) or "en"):
        flash(_("The interface is now in %(language)s.", language=LANGUAGES.get(locale, _("your browser's language"))), "success")
    return redirect(target if is_safe_next(target) else url_for("main.index"))


def _from_this_site() -> bool:
    """False for a request a browser says another site sent; True otherwise (no headers: not a browser's form)."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    return origin is None or origin == request.host_url.rstrip("/")


@bp.before_app_request
def fresh_locale() -> None:
    """Decide the language anew for each request (Flask-Babel caches it on ``g``, which an app
    context reused across requests, as in tests and some workers, would otherwise carry over)."""
    refresh()


@bp.after_app_request
def vary_on_language(response):
    """Pages differ by the browser's languages: tell caches (ours and any proxy's)."""
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
    return response
