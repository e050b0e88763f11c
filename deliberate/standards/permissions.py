"""Who may do what with standards and sections. Predicates only."""
from __future__ import annotations

from ..members.models import Person
from ..members.permissions import is_steward


def can_read_standard(person, standard) -> bool:
    """Standards are public: observers read them without an account."""
    return True


def can_create_standard(person: Person | None) -> bool:
    return is_steward(person)


def can_edit_section(person: Person | None, section) -> bool:
    """Stewards, and delegates acting for a member co-op, may revise a section's working draft."""
    if person is None or not getattr(person, "is_authenticated", False):
        return False
    return is_steward(person) or bool(person.acting_coops)


def text_is_open(standard) -> bool:
    """A draft standard's text is co-edited freely; a candidate's or a ratified standard's changes
    only through adopted amendments, and the Network rules' only through its policy (its sections
    are generated from it)."""
    return standard.maturity == "draft" and getattr(standard, "role", None) is None
