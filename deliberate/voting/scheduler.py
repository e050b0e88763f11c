"""Close votes on time and send reminders without anyone having to be online.

The background job "votes" (deliberate.worker: ``flask --app deliberate worker``, or a thread of
the embedded server) calls :func:`tick` every ``VOTE_SCHEDULER_SECONDS`` (30 by default; 0 turns
it off). Tests call ``tick(app, now=…)`` or the services with a frozen clock.
Several processes may run it at once: closing locks the vote and skips one already closed, and
reminders are marked as sent under the same lock. Deployments that prefer cron run
``flask --app deliberate votes close-due`` instead (and set VOTE_SCHEDULER_SECONDS=0).
"""
from __future__ import annotations

import logging
import os
from datetime import datetime

from flask import Flask

log = logging.getLogger(__name__)

DEFAULT_SECONDS = 30


def interval(app: Flask) -> float:
    """Seconds between runs: the app's VOTE_SCHEDULER_SECONDS, else the environment's, else 30."""
    value = app.config.get("VOTE_SCHEDULER_SECONDS", os.environ.get("VOTE_SCHEDULER_SECONDS", DEFAULT_SECONDS))
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        log.warning("VOTE_SCHEDULER_SECONDS=%r is not a number: using %s", value, DEFAULT_SECONDS)
        return float(DEFAULT_SECONDS)


def tick(app: Flask, now: datetime | None = None) -> dict[str, object]:
    """One run: close the votes that are due, announce the turnout of secret votes in one batch,
    then remind co-ops that have not voted."""
    from ..extensions import db
    from . import closing

    with app.app_context():
        try:
            closed = closing.close_due_votes(now)
            turnouts = closing.publish_turnouts(now)
            reminders = closing.send_reminders(now)
        finally:
            db.session.remove()
    if closed or reminders:
        log.info("vote scheduler: closed %s, sent %d reminder(s)", closed or "none", reminders)
    return {"closed": closed, "turnouts": turnouts, "reminders": reminders}
