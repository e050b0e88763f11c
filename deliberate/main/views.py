"""Home page, the plain-language guide, and helpers every template shares."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from ..i18n import (
    LANGUAGES,
    current_locale,
    format_date,
    format_datetime,
    format_number,
    format_percentage,
    js_strings,
    machine_datetime,
    say_notice,
    status_label,
)
from ..members.permissions import is_steward
from ..standards.services import list_standards
from ..text.markdown import render, render_inline
from ..voting.wording import decision_text, explanation_text
from ..webhooks.permissions import can_manage_network_hooks

bp = Blueprint("main", __name__)


def role_of(person) -> str:
    """Which guidance a person sees: "steward", "delegate" (acts for a member co-op) or "observer"."""
    if is_steward(person):
        return "steward"
    if getattr(person, "is_authenticated", False) and person.acting_coops:
        return "delegate"
    return "observer"


@bp.get("/")
def index():
    return render_template("main/index.html", standards=list_standards(), role=role_of(current_user))


@bp.get("/how-it-works")
def how_it_works():
    return render_template("main/how_it_works.html")


@bp.get("/favicon.ico")
def favicon():
    return redirect(url_for("static", filename="favicon.svg"), code=301)


def is_safe_next(target: str | None) -> bool:
    """Only same-site paths may be used as a post-sign-in redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def field_attrs(field, autofocus: bool = False) -> dict:
    """Accessible attributes for a form field: its help and error text, and whether it is invalid."""
    described = [f"{field.id}-help"] if field.description else []
    if field.errors:
        described.append(f"{field.id}-error")
    attrs: dict = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    if autofocus:
        attrs["autofocus"] = True
    return attrs


def navigation() -> dict[str, bool]:
    """What the layout's menu offers the person reading (flags; templates never ask permissions)."""
    return {"can_manage_webhooks": can_manage_network_hooks(current_user)}


def template_globals() -> dict:
    return {
        "field_attrs": field_attrs,
        "nav": navigation,
        "current_path": lambda: request.full_path.rstrip("?"),
        "languages": LANGUAGES,
        "current_locale": current_locale,
        "js_strings": js_strings,
        "status_label": status_label,
        "explanation_text": explanation_text,
        "decision_text": decision_text,
    }


def template_filters() -> dict:
    return {"markdown": render, "markdown_inline": render_inline, "datetime": format_datetime, "date": format_date,
            "number": format_number, "percent": format_percentage, "machine_datetime": machine_datetime,
            "notice": say_notice}
