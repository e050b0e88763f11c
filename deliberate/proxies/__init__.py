"""Proxies between co-ops: a member co-op gives its vote to another member co-op (scoped, dated,
accepted, revocable); a ballot the co-op casts itself always overrides it. See docs/proxies.md.

Pure modules: states.py (the state table), resolution.py (who holds whose vote in a vote),
chain.py (the hash-chained proxy record). The pages' blueprint is registered by the app factory."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Proxies past their end date are marked expired (in the record too) by a background job, at
    the votes scheduler's pace; counting never relies on it (resolution ignores a proxy past its end)."""
    from .. import worker
    from ..voting import scheduler

    def tick(app: Flask) -> int:
        from ..extensions import db
        from .services import expire_due_proxies

        with app.app_context():
            try:
                return expire_due_proxies()
            finally:
                db.session.remove()

    worker.register(app, worker.Job("proxies", tick, scheduler.interval))
