"""Who may do what with versions. Predicates only."""
from __future__ import annotations

from ..members.permissions import is_steward


def can_read_versions(person) -> bool:
    """Versions, candidates and the changelog are public: observers read them without an account."""
    return True


def can_assemble(person) -> bool:
    """Stewards assemble release candidates (the co-ops then decide them by vote)."""
    return is_steward(person)


def can_withdraw(person) -> bool:
    return is_steward(person)
