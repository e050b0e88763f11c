"""Who may do what with members and co-ops. Predicates only: no queries, no side effects."""
from __future__ import annotations

from .models import Cooperative, Person


def is_steward(person: Person | None) -> bool:
    return bool(person is not None and getattr(person, "is_authenticated", False) and person.is_steward)


def is_delegate_of(person: Person | None, coop: Cooperative) -> bool:
    if person is None or not getattr(person, "is_authenticated", False):
        return False
    return any(d.coop_id == coop.id and d.ended_at is None for d in person.delegations)


PUBLIC_STATUSES = ("member", "suspended", "left")


def can_see_coop(person: Person | None, coop: Cooperative) -> bool:
    """Members, suspended co-ops and those that left are public; an applicant is seen by stewards
    and by its own delegates (who are invited before it is admitted), and by everyone once the
    member co-ops are asked to vote on admitting it (its application is then a public record)."""
    return (coop.status in PUBLIC_STATUSES or coop.application_public_at is not None
            or is_steward(person) or is_delegate_of(person, coop))


def can_manage_coops(person: Person | None) -> bool:
    """Register co-ops and change their status: stewards."""
    return is_steward(person)


def can_invite_delegate(person: Person | None, coop: Cooperative) -> bool:
    """Stewards invite to any co-op; a delegate may invite colleagues of their own active co-op."""
    if is_steward(person):
        return coop.status in ("applicant", "member")
    return coop.status == "member" and is_delegate_of(person, coop)


def can_erase_people(person: Person | None) -> bool:
    """Erase someone else's account on their request: stewards."""
    return is_steward(person)


def can_read_audit_log(person: Person | None) -> bool:
    """The log of steward actions: signed-in delegates and stewards (observers read the statement)."""
    if person is None or not getattr(person, "is_authenticated", False):
        return False
    return person.is_steward or bool(person.coops)
