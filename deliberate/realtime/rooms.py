"""Which rooms a person may join: mirrors what they may read over HTTP."""
from __future__ import annotations

import re

from ..extensions import db
from ..members.permissions import is_steward

_ROOM = re.compile(r"^(standard|user|network|stewards)(?::(\d{1,12}))?$")


def can_join(person, room: str) -> bool:
    """True when ``person`` (None for an observer) may receive the events of ``room``."""
    match = _ROOM.match(room)
    if not match:
        return False
    kind, ident = match.group(1), match.group(2)
    if kind == "network":
        return ident is None
    if kind == "stewards":
        return ident is None and is_steward(person)
    if ident is None:
        return False
    if kind == "user":
        return person is not None and person.id == int(ident)
    if kind == "standard":
        from ..standards.models import Standard

        return db.session.get(Standard, int(ident)) is not None
    return False
