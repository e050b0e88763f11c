"""Proxies between co-ops: give, accept, decline, revoke, expire, and cast by proxy.

One function per intention, the actor passed explicitly. Every change of a proxy appends an entry
to the network's proxy record in the same transaction. On PostgreSQL each write first takes the
proxies' own advisory lock (:data:`PROXIES_LOCK_KEY`), so proxy changes are serialised and the
record's ``seq`` stays contiguous; SQLite's write transactions already begin immediately. The
record does not follow the events' order, so it does not wait for the events lock (taken only at
commit, last, by realtime.events).

Casting by proxy goes through the vote's row lock and the same upsert as a co-op's own ballot
(voting.services.upsert_ballot): one counted ballot per co-op whatever happens. A co-op's own
ballot always wins: cast after the proxy's, it replaces it; cast before, the holder is refused.
"""
from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from .. import limits
from ..database import is_postgres, unit_of_work, utcnow
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..limits import clean_text
from ..members.models import Cooperative, Person
from ..members.permissions import is_delegate_of
from ..policies.queries import network_policy
from ..realtime.events import record_event
from ..standards.models import Standard
from ..voting import ledger, storage
from ..voting.models import Ballot, ElectorateMember, Vote
from ..voting.services import _checked_choice as checked_choice
from ..voting.services import (
    ballot_event,
    casting_member,
    check_accepting,
    moment_text,
    pseudonym_for,
    upsert_ballot,
)
from . import chain, resolution
from .models import Proxy, ProxyRecordEntry
from .states import LIVE_STATES, SCOPES, ProxyStateError, next_state

MAX_LENGTH = timedelta(days=366)


# Reading the policy and the record --------------------------------------------------------------

def max_per_coop() -> int:
    """How many co-ops one co-op may hold the vote of (0: proxies are turned off)."""
    return int(network_policy()["proxies"]["max_per_coop"])


def get_proxy(proxy_id: int) -> Proxy:
    from ..extensions import db

    proxy = db.session.get(Proxy, proxy_id)
    if proxy is None:
        raise NotFound(_("There is no proxy with that number."))
    return proxy


# The proxies' advisory-lock key on PostgreSQL (the events' is 7_401_202, voting's subjects' 7_401_203).
PROXIES_LOCK_KEY = 7_401_204


def _lock(session: Session) -> None:
    if is_postgres(session):
        session.execute(sql_text("SELECT pg_advisory_xact_lock(:key)"), {"key": PROXIES_LOCK_KEY})


def _append(session: Session, kind: str, proxy: Proxy, payload: dict[str, Any], at: datetime) -> ProxyRecordEntry:
    last = session.scalar(select(ProxyRecordEntry).order_by(ProxyRecordEntry.seq.desc()).limit(1))
    entry = chain.make_entry(last.entry() if last else None, kind, proxy.id, payload, at)
    row = ProxyRecordEntry(seq=entry["seq"], kind=kind, ref=proxy.id, payload=entry["payload"], at=entry["at"],
                           prev=entry["prev"], hash=entry["hash"])
    session.add(row)
    session.flush()
    return row


def _event(session: Session, kind: str, proxy: Proxy, actor_id: int | None) -> None:
    """Proxies are public (their record is): the network's room hears every change."""
    record_event(session, kind, "network", {"proxy_id": proxy.id, "giver": proxy.giver.slug, "holder": proxy.holder.slug,
                                            "scope": proxy.scope, "state": proxy.state}, actor_id=actor_id)


def _change(session: Session, proxy: Proxy, action: str, actor_id: int | None, now: datetime) -> None:
    try:
        proxy.state = next_state(proxy.state, action)
    except ProxyStateError:
        raise Conflict(_("This proxy is %(state)s: it can no longer be changed.", state=_state_word(proxy.state))) from None
    proxy.changed_by_id, proxy.changed_at = actor_id, now
    session.flush()
    _append(session, proxy.state, proxy, {"proxy_id": proxy.id}, now)
    _event(session, f"proxy_{proxy.state}", proxy, actor_id)


def _state_word(state: str) -> str:
    return {"offered": _("waiting for an answer"), "accepted": _("accepted"), "declined": _("declined"),
            "revoked": _("revoked"), "expired": _("over")}.get(state, state)


def _expire(session: Session, now: datetime) -> int:
    due = list(session.scalars(select(Proxy).where(Proxy.state.in_(LIVE_STATES), Proxy.ends_at <= now)
                               .order_by(Proxy.ends_at, Proxy.id)))
    for proxy in due:
        _change(session, proxy, "expire", None, max(now, proxy.ends_at))
    return len(due)


def expire_due_proxies(now: datetime | None = None) -> int:
    """Mark every proxy whose end date has passed as expired, in the record too (the worker's job;
    every write here does it first as well). Resolution never counts a proxy past its end date,
    whether or not this has run. Returns how many expired."""
    now = now or utcnow()
    with unit_of_work() as session:
        _lock(session)
        return _expire(session, now)


# Giving, answering, revoking ------------------------------------------------------------------

def _require_delegate(actor: Any, coop: Cooperative, message: str) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not is_delegate_of(actor, coop):
        raise PermissionDenied(message)


def check_can_give(actor: Any, giver: Cooperative) -> None:
    """A delegate of a member co-op gives its vote, while the policy allows proxies."""
    _require_delegate(actor, giver, _("Only a delegate of %(coop)s can give its vote to another co-op.", coop=giver.name))
    if giver.status != "member":
        raise PermissionDenied(_("%(coop)s is not a member co-op: it has no vote to give.", coop=giver.name))
    if max_per_coop() == 0:
        raise PermissionDenied(_("The network's rules do not allow proxies at the moment."))


def _check_room(session: Session, holder: Cooperative, giver: Cooperative, states: Sequence[str], now: datetime) -> None:
    limit = max_per_coop()
    if limit == 0:
        raise PermissionDenied(_("The network's rules do not allow proxies at the moment."))
    proxies = [p.terms() for p in session.scalars(select(Proxy).where(Proxy.holder_coop_id == holder.id,
                                                                      Proxy.state.in_(states)))]
    if resolution.holders_count(proxies, holder.id, now, states=states, exclude=giver.id) >= limit:
        raise Conflict(_("%(coop)s already holds the vote of %(count)d co-ops, the most the network's rules allow.",
                         coop=holder.name, count=limit))


def give_proxy(*, actor: Person, giver: Cooperative, holder: Cooperative, scope: str, ends_at: datetime,
               standard: Standard | None = None, vote: Vote | None = None, now: datetime | None = None) -> Proxy:
    """Offer ``giver``'s vote to ``holder`` for the whole network, one standard or one vote, until
    ``ends_at``. It counts once a delegate of ``holder`` accepts it."""
    now = now or utcnow()
    check_can_give(actor, giver)
    if scope not in SCOPES:
        raise InvalidInput(_("Choose what the proxy is for."), field_errors={"scope": [_("Choose one.")]})
    if holder is None or holder.id == giver.id:
        raise InvalidInput(_("Choose another co-op to hold your co-op's vote."), field_errors={"holder": [_("Choose another co-op.")]})
    if holder.status != "member":
        raise InvalidInput(_("%(coop)s is not a member co-op: only a member co-op can hold a proxy.", coop=holder.name),
                           field_errors={"holder": [_("Choose a member co-op.")]})
    if ends_at is None or ends_at.tzinfo is None:
        raise InvalidInput(_("Say until when the proxy lasts."), field_errors={"ends_at": [_("Give a date.")]})
    if ends_at <= now:
        raise InvalidInput(_("The end date must be in the future."), field_errors={"ends_at": [_("Choose a later date.")]})
    if ends_at - now > MAX_LENGTH:
        raise InvalidInput(_("A proxy lasts a year at most: give it again when it ends."),
                           field_errors={"ends_at": [_("Choose an earlier date.")]})
    standard_id = vote_id = None
    if scope == "standard":
        if standard is None:
            raise InvalidInput(_("Choose the standard."), field_errors={"standard": [_("Choose a standard.")]})
        standard_id = standard.id
    elif scope == "vote":
        if vote is None:
            raise InvalidInput(_("Choose the vote."), field_errors={"vote": [_("Choose a vote.")]})
        if vote.state != "open" or vote.closes_at <= now:
            raise InvalidInput(_("That vote is no longer open."), field_errors={"vote": [_("Choose an open vote.")]})
        vote_id = vote.id
    with unit_of_work() as session:
        _lock(session)
        _expire(session, now)
        same = session.scalar(select(Proxy.id).where(
            Proxy.giver_coop_id == giver.id, Proxy.scope == scope, Proxy.state.in_(LIVE_STATES),
            Proxy.standard_id.is_(None) if standard_id is None else Proxy.standard_id == standard_id,
            Proxy.vote_id.is_(None) if vote_id is None else Proxy.vote_id == vote_id))
        if same:
            raise Conflict(_("%(coop)s has already given its vote for this. Revoke that proxy first.", coop=giver.name))
        _check_room(session, holder, giver, LIVE_STATES, now)
        proxy = Proxy(giver_coop_id=giver.id, holder_coop_id=holder.id, scope=scope, standard_id=standard_id, vote_id=vote_id,
                      ends_at=ends_at, state="offered", given_by_id=actor.id, given_at=now)
        session.add(proxy)
        session.flush()
        _append(session, "given", proxy, chain.given_payload(proxy.id, chain.coop_ref(giver.slug), chain.coop_ref(holder.slug),
                                                            scope, standard_id, vote_id, ends_at), now)
        _event(session, "proxy_given", proxy, actor.id)
    return proxy


def check_can_answer(actor: Any, proxy: Proxy) -> None:
    """A delegate of the holder accepts or declines an offered proxy."""
    _require_delegate(actor, proxy.holder, _("Only a delegate of %(coop)s can answer this proxy.", coop=proxy.holder.name))


def accept_proxy(*, actor: Person, proxy: Proxy, now: datetime | None = None) -> Proxy:
    """The holder accepts: from now on its delegates may cast the giver's vote."""
    return _answer(actor, proxy, "accept", now or utcnow())


def decline_proxy(*, actor: Person, proxy: Proxy, now: datetime | None = None) -> Proxy:
    """The holder declines: the proxy never counts."""
    return _answer(actor, proxy, "decline", now or utcnow())


def _answer(actor: Person, proxy: Proxy, action: str, now: datetime) -> Proxy:
    check_can_answer(actor, proxy)
    with unit_of_work() as session:
        _lock(session)
        _expire(session, now)
        current = session.get(Proxy, proxy.id, populate_existing=True)
        if current.state == "expired":
            raise Conflict(_("This proxy ended on %(value)s.", value=moment_text(current.ends_at)))
        if action == "accept":
            if current.holder.status != "member" or current.giver.status != "member":
                raise Conflict(_("Both co-ops must be members for a proxy to count."))
            _check_room(session, current.holder, current.giver, ("accepted",), now)
        _change(session, current, action, actor.id, now)
    return current


def check_can_revoke(actor: Any, proxy: Proxy) -> None:
    """A delegate of the giver revokes, at any time."""
    _require_delegate(actor, proxy.giver, _("Only a delegate of %(coop)s can revoke its proxy.", coop=proxy.giver.name))


def revoke_proxy(*, actor: Person, proxy: Proxy, now: datetime | None = None) -> Proxy:
    """The giver takes its vote back. Ballots the holder already cast for it stay counted until the
    giver casts its own (which always replaces them)."""
    now = now or utcnow()
    check_can_revoke(actor, proxy)
    with unit_of_work() as session:
        _lock(session)
        _expire(session, now)
        current = session.get(Proxy, proxy.id, populate_existing=True)
        _change(session, current, "revoke", actor.id, now)
    return current


# Casting by proxy -------------------------------------------------------------------------------

def _vote_terms(vote: Vote, now: datetime) -> resolution.VoteTerms:
    return resolution.VoteTerms(id=vote.id, standard_id=vote.standard_id, at=now)


def represented_ids(session: Session, vote: Vote, holder_id: int, now: datetime,
                    electorate: Collection[int] | None = None) -> list[int]:
    """The co-ops of the vote's electorate whose votes ``holder_id`` holds at ``now``.
    ``electorate``: the ids of the vote's electorate when the caller has them already."""
    if electorate is None:
        electorate = set(session.scalars(select(ElectorateMember.coop_id).where(ElectorateMember.vote_id == vote.id)))
    proxies = [p.terms() for p in session.scalars(select(Proxy).where(Proxy.holder_coop_id == holder_id,
                                                                      Proxy.state == "accepted"))]
    givers = {p.giver for p in proxies}
    # Resolution needs every accepted proxy of those givers: a more specific one may name another co-op.
    if givers:
        proxies = [p.terms() for p in session.scalars(select(Proxy).where(Proxy.giver_coop_id.in_(givers),
                                                                          Proxy.state == "accepted"))]
    return resolution.held_by(proxies, holder_id, _vote_terms(vote, now), electorate)


def cast_by_proxy(*, actor: Person, vote: Vote, holder: Cooperative | None, for_coop: Cooperative, choice: str | None = None,
                  ranking: Sequence[str] | None = None, note: str = "", now: datetime | None = None) -> Ballot:
    """A delegate of ``holder`` casts (or changes) the ballot of ``for_coop``, whose vote ``holder``
    holds in this vote. Refused once ``for_coop`` has cast its own ballot in this vote."""
    now = now or utcnow()
    with unit_of_work() as session:
        current = storage.lock_vote(session, vote.id)
        holding = casting_member(session, current, actor, holder)
        check_accepting(current, now)
        if max_per_coop() == 0:
            raise PermissionDenied(_("The network's rules do not allow proxies at the moment."))
        member = session.scalar(select(ElectorateMember).where(ElectorateMember.vote_id == current.id,
                                                               ElectorateMember.coop_id == for_coop.id))
        if member is None:
            raise PermissionDenied(_("%(coop)s is not in this vote's electorate.", coop=for_coop.name))
        if member.coop.status != "member":
            raise PermissionDenied(_("%(coop)s is %(status)s: it cannot vote while it is not a member.",
                                     coop=for_coop.name, status=member.coop.status))
        if for_coop.id not in represented_ids(session, current, holding.coop_id, now):
            raise PermissionDenied(_("%(holder)s does not hold the vote of %(coop)s in this vote.",
                                     holder=holding.coop.name, coop=for_coop.name))
        existing = session.scalar(select(Ballot).where(Ballot.vote_id == current.id, Ballot.coop_id == for_coop.id))
        if existing is not None and existing.proxy_holder_coop_id is None:
            raise Conflict(_("%(coop)s has cast its own ballot in this vote: its own ballot counts, and its proxy can no "
                             "longer vote for it here.", coop=for_coop.name))
        choice, ranking = checked_choice(current, choice, ranking)
        note = clean_text(note, "note", limits.BALLOT_NOTE)
        pseudonym = pseudonym_for(current, member, actor)
        # A secret vote's record names no proxy: who holds whose vote would tie the ballots together.
        proxy_ref = None if current.secret else holding.voter
        recorded_note = None if current.secret else (note or None)
        entry = storage.append(session, current, "ballot", ledger.ballot_data(
            member.voter, pseudonym, choice, ranking, recorded_note, secrets.token_hex(16), proxy=proxy_ref), now)
        ballot = upsert_ballot(session, current, member, actor, pseudonym, entry, now, choice=choice, ranking=ranking,
                               note=note, proxy_holder_coop_id=holding.coop_id)
        ballot_event(session, current, actor)
    return ballot
