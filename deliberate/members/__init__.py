"""Co-ops, people, delegations, roles and sign-in."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """The account and rights pages are routes on ``auth_bp``, defined in their own module: load
    them before the factory registers the blueprint."""
    from . import account_views  # noqa: F401  (routes on views.auth_bp)
