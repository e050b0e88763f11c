"""``flask --app deliberate votes …``: close due votes from cron, export a ballot record."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from ..cli import now_option
from ..errors import DomainError


@click.group("votes")
def votes() -> None:
    """Votes: close the due ones, export ballot records."""


@votes.command("close-due")
@now_option
@click.option("--remind/--no-remind", default=True, show_default=True,
              help="Also remind co-ops that have not voted a day before close.")
def close_due(now: datetime | None, remind: bool) -> None:
    """Close every open vote whose closing time has passed (safe to run from cron, in parallel)."""
    from . import closing

    closed = closing.close_due_votes(now)
    click.echo(f"Closed {len(closed)} vote(s){': ' + ', '.join(map(str, closed)) if closed else ''}.")
    # Secret votes announce their turnout only in batches: cron deployments batch here.
    announced = closing.publish_turnouts(now)
    click.echo(f"Announced the turnout of {len(announced)} secret vote(s).")
    if remind:
        click.echo(f"Sent {closing.send_reminders(now)} reminder(s).")


@votes.command("export")
@click.argument("vote_id", type=int)
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to this file instead of standard output.")
def export(vote_id: int, out: Path | None) -> None:
    """Write a vote's ballot record as JSON lines (check it with `deliberate verify FILE`)."""
    from . import queries

    try:
        text = queries.export_ledger(queries.get_vote(vote_id))
    except DomainError as error:
        raise click.ClickException(error.message) from error
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_bytes(text.encode("utf-8"))
        click.echo(f"Wrote the record of vote {vote_id} to {out}. Check it with: deliberate verify {out}", err=True)
