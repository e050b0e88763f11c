"""Command-line tasks: ``flask --app deliberate create-steward``, ``seed-demo``, ``backup``."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import func, select

from .errors import DomainError


class UtcTime(click.ParamType):
    """An ISO time on the command line, read as UTC when it names no zone."""

    name = "ISO-TIME"

    def convert(self, value, param, ctx) -> datetime:
        if isinstance(value, datetime):
            moment = value
        else:
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                self.fail("use an ISO time such as 2026-05-01T09:00", param, ctx)
        return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


# ``--now`` for the commands cron runs (closing votes, sending webhooks): tests and dry runs pretend.
now_option = click.option("--now", type=UtcTime(), default=None,
                          help="Pretend it is this time (UTC), e.g. 2026-05-01T09:00.")


def register(app: Flask) -> None:
    from .voting.cli import votes

    app.cli.add_command(votes)
    from .registry.cli import registry

    app.cli.add_command(registry)
    from .webhooks.cli import webhooks

    app.cli.add_command(webhooks)
    from .appeals.cli import appeals

    app.cli.add_command(appeals)
    from .policies.cli import network_rules

    app.cli.add_command(network_rules)

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Run one pass of every job, then exit (for cron or a test).")
    @click.option("--only", multiple=True, metavar="JOB", help="Run only this job (repeatable): votes, webhooks, …")
    def run_worker(once: bool, only: tuple[str, ...]) -> None:
        """Run the background jobs: close due votes, send reminders, deliver webhooks, send mail.

        Safe to run on several machines at once. Stops cleanly on SIGTERM (systemd) or Ctrl+C."""
        from . import worker

        names = list(only) or None
        unknown = set(names or ()) - set(worker.jobs(app))
        if unknown:
            raise click.BadParameter(f"no such job: {', '.join(sorted(unknown))} (jobs: {', '.join(worker.jobs(app))})",
                                     param_hint="--only")
        if once:
            for name, result in worker.run_once(app, names).items():
                click.echo(f"{name}: {result}")
            return
        click.echo(f"Deliberate worker: running {', '.join(names or worker.jobs(app))} (Ctrl+C to stop)")
        worker.serve_forever(app, names)

    @app.cli.command("create-steward")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt=True)
    @click.password_option()
    def create_steward(email: str, name: str, password: str) -> None:
        """Create a steward (secretariat) account."""
        from .members.services import create_steward as create

        try:
            person = create(email=email, name=name, password=password)
        except DomainError as error:
            raise click.ClickException(error.message) from error
        click.echo(f"Steward {person.name} <{person.email}> created. Sign in at /signin.")

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Replace PATH if it exists.")
    def backup(path: Path, force: bool) -> None:
        """Copy the live SQLite database into PATH (consistent, while the server runs)."""
        from .backup import BackupError, backup_sqlite, sqlite_path

        try:
            report = backup_sqlite(sqlite_path(app.config["SQLALCHEMY_DATABASE_URI"]), path, force=force)
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(report.summary())

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only seed when the database has no standards yet.")
    def seed_demo(if_empty: bool) -> None:
        """Create the demo network: co-ops, people, a standard with history."""
        from .extensions import db
        from .seed import DEMO_PASSWORD, seed
        from .standards.models import Standard

        if if_empty and db.session.scalar(select(func.count(Standard.id))):
            click.echo("Demo data already present: keeping your data.")
        else:
            seed()
            click.echo("Demo network created.")
        click.echo("Demo sign-ins (password for all: %s):" % DEMO_PASSWORD)
        from .seed import DEMO_PEOPLE

        for email, name, role in DEMO_PEOPLE:
            click.echo(f"  {email:<28} {name:<18} {role}")
