"""The network's witness log: a public, append-only hash chain over every vote's final record head
and every ratified version (docs/witness.md)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """The footer shows the log's head; ``services`` holds the hook on the Event model's insert
    that appends to the log in the event's transaction. (The pages' blueprint is registered with
    the others by the app factory.)"""
    from . import services  # noqa: F401  (a SQLAlchemy listener: appends in the event's transaction)
    from .views import head_for_footer

    app.jinja_env.globals["witness_head"] = head_for_footer
