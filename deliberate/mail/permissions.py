"""Who may see what of the mail feature. Predicates only."""
from __future__ import annotations

from ..members.permissions import is_steward


def can_see_outbox(person) -> bool:
    """The outbox's state (how many mails wait, which failed and why): stewards, who run the network."""
    return is_steward(person)
