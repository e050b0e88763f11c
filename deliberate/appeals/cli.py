"""``flask appeals verify FILE`` and ``flask appeals draw --seed HEX SLUG…`` (see check.py)."""
from __future__ import annotations

import sys

import click

from . import check


@click.group("appeals")
def appeals() -> None:
    """Formal objections: check a record, redo a council's draw."""


@appeals.command("verify")
@click.argument("file")
def verify(file: str) -> None:
    """Check an objection's record (.jsonl) offline."""
    sys.exit(check.main(["verify", file], out=click.get_text_stream("stdout")))


@appeals.command("draw")
@click.option("--seed", required=True)
@click.option("--size", type=int)
@click.argument("slugs", nargs=-1, required=True)
def draw(seed: str, size: int | None, slugs: tuple[str, ...]) -> None:
    """The draw order a seed gives over co-ops' slugs."""
    args = ["draw", "--seed", seed, *(["--size", str(size)] if size is not None else []), *slugs]
    sys.exit(check.main(args, out=click.get_text_stream("stdout")))
