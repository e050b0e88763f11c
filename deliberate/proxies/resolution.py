"""Which co-op holds which co-ops' votes in a given vote. Pure (standard library only).

Rules (docs/proxies.md says why):

- Only an ``accepted`` proxy counts, and only before its end date (``at < ends_at``).
- A proxy applies to a vote when its scope is the whole network, the vote's standard, or the vote.
- If a co-op gave several proxies that apply, the most specific wins: vote > standard > network;
  between two of the same scope (the services never let that happen) the later one (higher id).
- Proxies are **not transitive**: a holder casts for the co-ops that chose it, never for the co-ops
  that chose a co-op that chose it. Whether the holder itself gave its own vote away changes
  nothing about the votes it holds.
- A co-op never holds its own vote, and when an electorate is given, both the giver and the holder
  must be in it (a proxy never brings a co-op outside the electorate into the vote).
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from .states import SPECIFICITY


@dataclass(frozen=True)
class ProxyTerms:
    """What resolution needs of a proxy: who gave it to whom, for what, until when, in what state."""

    id: int
    giver: int
    holder: int
    scope: str  # "network" | "standard" | "vote"
    ends_at: datetime
    state: str
    standard_id: int | None = None
    vote_id: int | None = None


@dataclass(frozen=True)
class VoteTerms:
    """The vote being cast in: its id, its standard (None for an admission), and the moment."""

    id: int
    standard_id: int | None
    at: datetime


def in_force(proxy: ProxyTerms, at: datetime) -> bool:
    """Accepted, and its end date has not come."""
    return proxy.state == "accepted" and at < proxy.ends_at


def covers(proxy: ProxyTerms, vote: VoteTerms) -> bool:
    """The proxy's scope includes the vote."""
    if proxy.scope == "network":
        return True
    if proxy.scope == "standard":
        return vote.standard_id is not None and proxy.standard_id == vote.standard_id
    if proxy.scope == "vote":
        return proxy.vote_id == vote.id
    return False


def applicable(proxies: Iterable[ProxyTerms], giver: int, vote: VoteTerms) -> ProxyTerms | None:
    """The proxy of ``giver`` that decides who holds its vote in ``vote``, or None."""
    best: ProxyTerms | None = None
    for proxy in proxies:
        if proxy.giver != giver or proxy.holder == giver or not in_force(proxy, vote.at) or not covers(proxy, vote):
            continue
        if best is None or (SPECIFICITY[proxy.scope], proxy.id) > (SPECIFICITY[best.scope], best.id):
            best = proxy
    return best


def holder_of(proxies: Iterable[ProxyTerms], giver: int, vote: VoteTerms,
              electorate: Collection[int] | None = None) -> int | None:
    """The co-op that holds ``giver``'s vote in ``vote`` (None: nobody, the co-op votes itself)."""
    if electorate is not None and giver not in electorate:
        return None
    proxy = applicable(proxies, giver, vote)
    if proxy is None or (electorate is not None and proxy.holder not in electorate):
        return None
    return proxy.holder


def holdings(proxies: Iterable[ProxyTerms], vote: VoteTerms,
             electorate: Collection[int] | None = None) -> dict[int, list[int]]:
    """Holder -> the co-ops whose votes it holds in ``vote`` (sorted), for every holder."""
    proxies = list(proxies)
    result: dict[int, list[int]] = {}
    for giver in sorted({proxy.giver for proxy in proxies}):
        holder = holder_of(proxies, giver, vote, electorate)
        if holder is not None:
            result.setdefault(holder, []).append(giver)
    return result


def held_by(proxies: Iterable[ProxyTerms], holder: int, vote: VoteTerms,
            electorate: Collection[int] | None = None) -> list[int]:
    """The co-ops whose votes ``holder`` holds in ``vote`` (sorted)."""
    return holdings(proxies, vote, electorate).get(holder, [])


def holders_count(proxies: Iterable[ProxyTerms], holder: int, at: datetime,
                  states: Collection[str] = ("accepted",), exclude: int | None = None) -> int:
    """How many distinct co-ops have proxies in ``states`` (not yet ended at ``at``) to
    ``holder``: the figure the policy's ``max_per_coop`` limits. ``exclude`` leaves one giver out
    (the one being checked, so a second proxy from the same co-op never counts twice)."""
    return len({p.giver for p in proxies if p.holder == holder and p.state in states and at < p.ends_at
                and p.giver != exclude})
