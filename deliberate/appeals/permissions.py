"""Who may do what with formal objections. Predicates only: no queries, no side effects.
(Whether a delegate's co-op sits on the council is read from the record by the service.)"""
from __future__ import annotations

from ..members.permissions import is_delegate_of, is_steward


def _signed_in(person) -> bool:
    return person is not None and getattr(person, "is_authenticated", False)


def can_file(person) -> bool:
    """Delegates acting for a member co-op file formal objections."""
    return _signed_in(person) and bool(person.acting_coops)


def can_mediate(person) -> bool:
    """Stewards mediate, put proposals, convene councils and propose reverting amendments."""
    return is_steward(person)


def can_withdraw(person, objection) -> bool:
    """The co-op that filed it (its delegates, while it is a member)."""
    return (_signed_in(person) and objection.coop is not None and objection.coop.status == "member"
            and is_delegate_of(person, objection.coop))


def can_act_for_council(person) -> bool:
    """Delegates of member co-ops (the service checks that their co-op sits on the council)."""
    return _signed_in(person) and bool(person.acting_coops)
