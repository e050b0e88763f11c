"""Where a ratified version is read, from a ``version_ratified`` event's payload.

Feeds and notifications link each new version to its own page (the versions feature's
``versions.show``); if that page is not available, to the standard's page.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def version_number(payload: dict[str, Any]) -> str:
    """The version's number as people write it ("1.1"), from a ``version_ratified`` payload."""
    number = payload.get("number")
    return str(number) if isinstance(number, (str, int)) and not isinstance(number, bool) else ""


def version_url(standard, payload: dict[str, Any], external: bool = False) -> str:
    number = version_number(payload)
    if number and "versions.show" in current_app.view_functions:
        return url_for("versions.show", slug=standard.slug, ref=number, _external=external)
    return url_for("standards.show", slug=standard.slug, _external=external)
