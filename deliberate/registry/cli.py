"""``flask registry verify FILE...``: check exported registry records (JSON lines) offline.

The check itself is the pure deliberate.registry.chain (``python -m deliberate.registry.chain
FILE`` runs it without Flask or the database): every hash recomputes, every link holds, every
entry has its kind's fields, and questions, answers and escalations refer to earlier entries."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from . import chain

registry = AppGroup("registry", help="The registry of declarations (docs/registry.md).")


@registry.command("verify")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
def verify(files: tuple[str, ...]) -> None:
    """Recompute every hash of exported registry records; exit 1 if any fails."""
    failed = False
    for name in files:
        with click.open_file(name, "rb") as handle:
            data = handle.read()
        count, problems = chain.check_file(data)
        if problems:
            failed = True
            click.echo(f"{name}: FAILED ({len(problems)} problem(s))")
            for problem in problems[:20]:
                click.echo(f"  {problem}")
        else:
            click.echo(f"{name}: OK: {count} entries, head {chain.head(chain.loads(data))}")
    if failed:
        raise SystemExit(1)
