"""Which rooms a person may join: mirrors what they may read over HTTP.

A room is ``kind`` or ``kind:id``. Each feature registers who may read its rooms with
:func:`register_room`, next to its own permissions, so this module never learns the rules of
standards, amendments or votes.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from ..members.permissions import is_steward

_ROOM = re.compile(r"^([a-z_]{1,20})(?::(\d{1,12}))?$")

# kind -> (needs an id?, reader(person_or_None, id_or_None) -> bool)
_READERS: dict[str, tuple[bool, Callable]] = {}


def register_room(kind: str, reader: Callable, *, with_id: bool = True) -> None:
    """Declare a room kind and the predicate deciding who may join its rooms."""
    _READERS[kind] = (with_id, reader)


def can_join(person, room: str) -> bool:
    """True when ``person`` (None for an observer) may receive the events of ``room``."""
    match = _ROOM.match(room or "")
    if not match or match.group(1) not in _READERS:
        return False
    with_id, reader = _READERS[match.group(1)]
    ident = match.group(2)
    if with_id != (ident is not None):
        return False
    return bool(reader(person, int(ident) if ident is not None else None))


def _standard_reader(person, ident: int) -> bool:
    from ..extensions import db
    from ..standards.models import Standard

    return db.session.get(Standard, ident) is not None


register_room("network", lambda person, _ident: True, with_id=False)
register_room("stewards", lambda person, _ident: is_steward(person), with_id=False)
register_room("user", lambda person, ident: person is not None and person.id == ident)
register_room("standard", _standard_reader)
