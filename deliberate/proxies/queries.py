"""Reads of proxies: a co-op's proxies, the record, and a vote's proxy section for one person."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from ..extensions import db
from ..members.models import Cooperative, Person
from ..members.permissions import is_delegate_of, is_steward
from ..voting.models import Ballot, ElectorateMember, Vote
from ..voting.permissions import can_cast_for
from . import services
from .models import Proxy, ProxyRecordEntry


def coop_proxies(coop: Cooperative) -> tuple[list[Proxy], list[Proxy]]:
    """(proxies the co-op gave, proxies it was given), newest first."""
    rows = list(db.session.scalars(select(Proxy).where(or_(Proxy.giver_coop_id == coop.id, Proxy.holder_coop_id == coop.id))
                                   .order_by(Proxy.id.desc())))
    return [p for p in rows if p.giver_coop_id == coop.id], [p for p in rows if p.holder_coop_id == coop.id]


def all_proxies() -> list[Proxy]:
    return list(db.session.scalars(select(Proxy).order_by(Proxy.id)))


def record_entries() -> list[dict[str, Any]]:
    return [row.entry() for row in db.session.scalars(select(ProxyRecordEntry).order_by(ProxyRecordEntry.seq))]


@dataclass(frozen=True)
class ProxyFlags:
    can_give: bool
    can_answer: dict[int, bool]
    can_revoke: dict[int, bool]


def flags(person: Person | None, coop: Cooperative, proxies: list[Proxy]) -> ProxyFlags:
    """What ``person`` may do on the co-op's proxies page (the services check again)."""
    delegate = is_delegate_of(person, coop)
    return ProxyFlags(
        can_give=delegate and coop.status == "member" and services.max_per_coop() > 0,
        can_answer={p.id: p.state == "offered" and is_delegate_of(person, p.holder) for p in proxies},
        can_revoke={p.id: p.state in ("offered", "accepted") and is_delegate_of(person, p.giver) for p in proxies})


@dataclass(frozen=True)
class HeldVote:
    """A co-op whose vote one of the person's co-ops holds in this vote, and its ballot now."""

    holder: ElectorateMember
    member: ElectorateMember
    ballot: Ballot | None
    can_cast: bool  # the holder may cast or change it (not after the co-op voted itself)

    @property
    def cast_itself(self) -> bool:
        return self.ballot is not None and self.ballot.proxy_holder_coop_id is None


@dataclass(frozen=True)
class VoteProxies:
    """The proxy part of a vote's page for one person."""

    held: list[HeldVote]
    # The person's co-ops whose ballot was cast by proxy: coop id -> holder co-op's name.
    cast_for_mine: dict[int, str]


def vote_section(vote: Vote, person: Person | None, now: datetime, *,
                 electorate: Iterable[ElectorateMember] | None = None,
                 ballots: Mapping[int, Ballot] | None = None) -> VoteProxies:
    """The co-ops whose votes the person's co-ops hold in ``vote`` (while it is open), and for the
    person's own co-ops, which ballot was cast by proxy (shown only to that co-op's delegates).

    ``electorate`` (every member of the vote's electorate) and ``ballots`` (every ballot of the
    vote, by co-op id) are read here unless the caller has read them already (the vote's page)."""
    if person is None or not getattr(person, "is_authenticated", False):
        return VoteProxies([], {})
    mine = {d.coop_id for d in person.active_delegations}
    if electorate is None:
        electorate = db.session.scalars(select(ElectorateMember).where(ElectorateMember.vote_id == vote.id))
    members = {m.coop_id: m for m in electorate}
    if ballots is None:
        ballots = {b.coop_id: b for b in db.session.scalars(select(Ballot).where(Ballot.vote_id == vote.id))}
    held: list[HeldVote] = []
    if vote.state == "open":
        for holder_id in sorted(mine & set(members)):
            holder = members[holder_id]
            if holder.coop.status != "member":
                continue
            for giver_id in services.represented_ids(db.session, vote, holder_id, now, electorate=members.keys()):
                ballot = ballots.get(giver_id)
                direct = ballot is not None and ballot.proxy_holder_coop_id is None
                held.append(HeldVote(holder, members[giver_id], ballot,
                                     can_cast=not direct and can_cast_for(members[giver_id], vote, now)))
    cast_for_mine = {coop_id: ballots[coop_id].proxy_holder.name for coop_id in mine
                     if coop_id in ballots and ballots[coop_id].proxy_holder is not None}
    return VoteProxies(held, cast_for_mine)


def can_see_proxies_page(person: Person | None, coop: Cooperative) -> bool:
    """Proxies are public (their record is): the page is everyone's who may see the co-op."""
    from ..members.permissions import can_see_coop

    return can_see_coop(person, coop) or is_steward(person)
