"""Who may follow. Predicates only."""
from __future__ import annotations

from ..standards.permissions import can_read_standard


def _signed_in(person) -> bool:
    return person is not None and getattr(person, "is_authenticated", False)


def can_follow(person, standard) -> bool:
    """Anyone signed in who may read the standard (observers use the Atom feed)."""
    return _signed_in(person) and can_read_standard(person, standard)


def can_see_notifications(person) -> bool:
    return _signed_in(person)
