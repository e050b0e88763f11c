"""``flask --app deliberate network-rules --steward EMAIL``: set up the Network rules standard."""
from __future__ import annotations

import click


@click.command("network-rules")
@click.option("--steward", "email", required=True, help="The steward who sets it up (their email).")
def network_rules(email: str) -> None:
    """Create the Network rules standard (the network's own rules, from its policy) if it is missing."""
    from sqlalchemy import select

    from ..errors import DomainError
    from ..extensions import db
    from ..members.models import Person
    from . import netrules

    existing = netrules.network_rules_standard()
    if existing is not None:
        click.echo(f"The network's rules are already at /standards/{existing.slug}.")
        return
    steward = db.session.scalar(select(Person).where(Person.email == email))
    if steward is None:
        raise click.ClickException(f"nobody has the address {email}")
    try:
        standard = netrules.ensure_network_rules(actor=steward)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"The network's rules are at /standards/{standard.slug} (a draft: assemble and ratify version 1.0 "
               f"by vote, like any standard).")
