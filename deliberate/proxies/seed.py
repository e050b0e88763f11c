"""The demo network's proxies: call ``seed_proxies`` from deliberate/seed.py once the co-ops, their
delegates and an open vote exist (the owner wires it at merge)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..members.models import Cooperative
from ..voting.models import Vote
from . import services


def _delegate(coop: Cooperative) -> Any:
    return next(d.person for d in coop.delegations if d.ended_at is None)


def seed_proxies(session: Any, *, giver: Cooperative, holder: Cooperative, vote: Vote,
                 second_giver: Cooperative | None = None) -> list[Any]:
    """``giver`` (and ``second_giver``) give their vote to ``holder`` for ``vote``; ``holder``
    accepts and casts for them, split when there are two (for, against). Returns the ballots.
    ``session`` is unused (the services open their own unit of work); it keeps the seed's signature."""
    ballots = []
    for coop, choice in ((giver, "for"), (second_giver, "against")):
        if coop is None:
            continue
        proxy = services.give_proxy(actor=_delegate(coop), giver=coop, holder=holder, scope="vote", vote=vote,
                                    ends_at=vote.closes_at + timedelta(days=1))
        services.accept_proxy(actor=_delegate(holder), proxy=proxy)
        if vote.method not in ("ranked", "consent"):
            ballots.append(services.cast_by_proxy(actor=_delegate(holder), vote=vote, holder=holder, for_coop=coop,
                                                  choice=choice))
    return ballots
