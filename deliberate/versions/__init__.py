"""Ratified versions of a standard and its verifiable public changelog.

``numbering``, ``document`` and ``chain`` are pure (no Flask, no SQLAlchemy): the offline
verifier (``deliberate verify``) imports ``chain`` without the app.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Ratifying a version and moving a standard's maturity are decided by vote."""
    from ..voting.subjects import register_subject
    from . import subjects

    register_subject(subjects.VERSIONS)
    register_subject(subjects.MATURITY)
