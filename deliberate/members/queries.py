"""Reading co-ops: the one query behind the directory page and the API's list."""
from __future__ import annotations

from sqlalchemy import Select, or_, select

from .models import Cooperative, Delegation, Person
from .permissions import PUBLIC_STATUSES, is_steward


def visible_coops(person: Person | None) -> Select:
    """The co-ops ``person`` may see (permissions.can_see_coop, as a query), not yet ordered."""
    statement = select(Cooperative)
    if is_steward(person):
        return statement
    public = or_(Cooperative.status.in_(PUBLIC_STATUSES), Cooperative.application_public_at.is_not(None))
    if person is None or not getattr(person, "is_authenticated", False):
        return statement.where(public)
    own = select(Delegation.coop_id).where(Delegation.person_id == person.id, Delegation.ended_at.is_(None))
    return statement.where(or_(public, Cooperative.id.in_(own)))
