"""Formal objections to decisions, mediation, and councils drawn at random (docs/appeals.md)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the built-in decision kinds (amendment, version, admission) and the helper the
    decided things' pages use to show their formal objections."""
    from . import subjects
    from .queries import objections_on

    subjects.register_builtin()
    app.jinja_env.globals["objections_on"] = objections_on
