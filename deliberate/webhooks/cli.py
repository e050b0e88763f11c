"""``flask --app deliberate webhooks deliver``: one delivery pass, for cron and tests."""
from __future__ import annotations

from datetime import datetime

import click

from ..cli import now_option


@click.group("webhooks")
def webhooks() -> None:
    """Webhooks: send the deliveries that are due."""


@webhooks.command("deliver")
@now_option
@click.option("--limit", default=200, show_default=True, help="Send at most this many deliveries in this pass.")
def deliver(now: datetime | None, limit: int) -> None:
    """Send every due delivery once, then drop log entries older than WEBHOOK_LOG_DAYS (safe from cron)."""
    from .delivery import deliver_due, prune

    try:
        report = deliver_due(now, limit=limit)
    except ValueError as error:  # a malformed WEBHOOK_RETRY_SCHEDULE
        raise click.ClickException(f"WEBHOOK_RETRY_SCHEDULE: {error}") from error
    pruned = prune(now)
    click.echo(f"Delivered {report.delivered}, {report.retrying} to retry later, {report.failed} failed"
               + (f", {report.disabled} webhook(s) turned off" if report.disabled else "") + "."
               + (f" Removed {pruned} old log entries." if pruned else ""))
