"""Who may see and do what in a vote. Predicates only: no queries, no side effects.

The vote page, the API and the services ask these, so a rule is decided in one place. What a
person acts for in a vote is passed in as ``members``: the electorate entries of the co-ops they
are an active delegate of (``queries.voting_members``), whatever the co-op's status.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from ..members.permissions import is_steward


def _signed_in(person: Any) -> bool:
    return person is not None and bool(getattr(person, "is_authenticated", False))


def can_read(person: Any, vote: Any) -> bool:
    """See a vote, its page and its room: votes are public (a secret vote hides who voted what,
    not the vote)."""
    return True


def can_open_votes(person: Any) -> bool:
    """Open a vote on an amendment, a version or an applicant co-op: stewards."""
    return is_steward(person)


def can_manage_votes(person: Any) -> bool:
    """Close early, cancel, resolve objections, write the outcome statement: stewards."""
    return is_steward(person)


def can_cast_for(member: Any, vote: Any, now: datetime) -> bool:
    """A co-op of the electorate casts while the vote accepts ballots, if it is still a member."""
    return vote.accepts_ballots_at(now) and member.coop.status == "member"


def can_cast(person: Any, vote: Any, now: datetime, members: Sequence[Any]) -> bool:
    """The person may cast (or change) a ballot for at least one of the co-ops in ``members``."""
    return _signed_in(person) and any(can_cast_for(m, vote, now) for m in members)


def can_see_ballots(person: Any, vote: Any) -> bool:
    """Who voted what: everyone, once a public vote has closed; never in a secret vote."""
    return vote.state == "closed" and not vote.secret


def can_see_running_totals(person: Any, vote: Any) -> bool:
    """Running totals while open: only where the rule shows them, and never in a secret vote
    (totals that move when a ballot lands would tie a co-op to its choice)."""
    return vote.state == "open" and vote.live_totals and not vote.secret


def can_see_objection_coop(person: Any, vote: Any, objection: Any, my_coop_ids: Collection[int]) -> bool:
    """Which co-op objected (or logged a concern): public, except in a secret vote, where only
    that co-op's delegates see it is theirs."""
    return not vote.secret or objection.coop_id in my_coop_ids


def can_see_objection_times(vote: Any) -> bool:
    """When an objection or concern was raised or ended: not in a secret vote, where an objection
    is a co-op's ballot and its time would tie it to whoever was seen acting then."""
    return not vote.secret


def can_withdraw_objection(person: Any, vote: Any, objection: Any, my_coop_ids: Collection[int],
                           now: datetime) -> bool:
    """A delegate of the objecting co-op, while the vote accepts ballots, the objection blocks and
    the co-op is a member (a suspended co-op cannot unblock a consent vote)."""
    return (_signed_in(person) and vote.accepts_ballots_at(now) and objection.blocks
            and objection.coop_id in my_coop_ids and objection.coop.status == "member")


def can_resolve_objection(person: Any, vote: Any, objection: Any, now: datetime) -> bool:
    """A steward records how a blocking objection ended, while the vote accepts ballots."""
    return can_manage_votes(person) and vote.accepts_ballots_at(now) and objection.blocks


def can_see_receipt(person: Any, member: Any, my_coop_ids: Collection[int]) -> bool:
    """A co-op's receipt (the hash of its counted ballot's entry) is shown to its own delegates only."""
    return _signed_in(person) and member.coop_id in my_coop_ids


def can_download_record(person: Any, vote: Any) -> bool:
    """The ballot record is published for anyone once the vote has closed or been cancelled."""
    return vote.state != "open"


def can_see_close_error(person: Any, vote: Any) -> bool:
    """Why a due vote could not close: the stewards, who can act on it."""
    return can_manage_votes(person)
