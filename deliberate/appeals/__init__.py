"""Formal objections to decisions, mediation, and councils drawn at random (docs/appeals.md)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the built-in decision kinds (amendment, version, admission)."""
    from . import subjects

    subjects.register_builtin()
