"""The language picker: anyone may pick the interface language; a signed-in person keeps it on their account."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_babel import force_locale, refresh
from flask_babel import gettext as _
from flask_login import current_user

from ..i18n import LANGUAGES, check_locale, save_locale
from .views import is_safe_next

bp = Blueprint("language", __name__)


@bp.post("/language")
def choose():
    """Store the picked language in the session (and on the account when signed in), then go back."""
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
