"""Interface languages: which one a request is served in.

Member texts (principles, amendments, comments) stay in the language they were written in; only the
interface is translated. The choice, in order: the signed-in person's saved language, the one picked
on this browser (session), then the browser's Accept-Language, then English.
"""
from __future__ import annotations

from flask import current_app, request, session
from flask_login import current_user

DEFAULT_LOCALE = "en"
# Code -> the language's own name, as shown in the language picker.
LANGUAGES = {"en": "English", "es": "Español"}


def select_locale() -> str:
    saved = getattr(current_user, "locale", None) if current_user and current_user.is_authenticated else None
    if saved in LANGUAGES:
        return saved
    picked = session.get("locale")
    if picked in LANGUAGES:
        return picked
    if request:
        return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT_LOCALE
    return current_app.config.get("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
