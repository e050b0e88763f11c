"""Which rooms a person may join, and which rooms belong to a secret ballot.

A room is ``kind`` or ``kind:id``. Each feature registers who may read its rooms with
:func:`register_room`: the reader loads the thing the room carries and asks the feature's own
permission predicate about it (``can_read_standard``, proposals' and voting's ``can_read``,
co-editing's ``can_coedit``; tests/realtime/test_room_access.py holds every kind to it), so this
module never learns the rules of standards, amendments or votes. A feature whose rooms may carry a secret ballot says so
with :func:`register_secret_rooms`: in such a room presence is a count, nobody is shown typing,
event times are whole seconds and the per-ballot event kinds it names are never sent
(docs/live.md, "Secret votes").
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..limits import parse_id
from ..members.permissions import is_steward

_ROOM = re.compile(r"^([a-z_]{1,20})(?::([0-9]{1,10}))?$")

# kind -> (needs an id?, reader(person_or_None, id_or_None) -> bool)
_READERS: dict[str, tuple[bool, Callable]] = {}


@dataclass(frozen=True)
class SecretRooms:
    """How to tell that a room of one kind carries a secret ballot, and what it never sends."""

    # (session, id) -> bool; the session is the caller's (a service's unit of work, or db.session)
    is_secret: Callable
    # Event kinds that would tie a co-op to its ballot (e.g. one event per ballot cast)
    withheld: frozenset[str]


_SECRET: dict[str, SecretRooms] = {}


def register_room(kind: str, reader: Callable, *, with_id: bool = True) -> None:
    """Declare a room kind and the predicate deciding who may join its rooms."""
    _READERS[kind] = (with_id, reader)


def register_secret_rooms(kind: str, is_secret: Callable, *, withheld: Iterable[str] = ()) -> None:
    """Declare that rooms of ``kind`` may carry a secret ballot: ``is_secret(session, id)`` says
    which ones; ``withheld`` names the event kinds never sent (live or replayed) in them."""
    _SECRET[kind] = SecretRooms(is_secret, frozenset(withheld))


def _parse(room: str) -> tuple[str, int | None] | None:
    match = _ROOM.match(room or "") if isinstance(room, str) else None
    if not match:
        return None
    if match.group(2) is None:
        return match.group(1), None
    ident = parse_id(match.group(2))  # ASCII digits in the id columns' range, or no such room
    return (match.group(1), ident) if ident is not None else None


def can_join(person, room: str) -> bool:
    """True when ``person`` (None for an observer) may receive the events of ``room``."""
    parsed = _parse(room)
    if parsed is None or parsed[0] not in _READERS:
        return False
    kind, ident = parsed
    with_id, reader = _READERS[kind]
    if with_id != (ident is not None):
        return False
    return bool(reader(person, ident))


def secrecy(room: str, session=None) -> SecretRooms | None:
    """The secret-ballot policy of ``room`` if it carries a secret ballot, else None."""
    parsed = _parse(room)
    if parsed is None or parsed[0] not in _SECRET or parsed[1] is None:
        return None
    if session is None:
        from ..extensions import db

        session = db.session
    policy = _SECRET[parsed[0]]
    return policy if policy.is_secret(session, parsed[1]) else None


def is_secret(room: str, session=None) -> bool:
    """Whether ``room`` carries a secret ballot (no names, no typing, times in whole seconds)."""
    return secrecy(room, session) is not None


def _standard_reader(person, ident: int) -> bool:
    from ..extensions import db
    from ..standards.models import Standard
    from ..standards.permissions import can_read_standard

    standard = db.session.get(Standard, ident)
    return standard is not None and can_read_standard(person, standard)


register_room("network", lambda person, _ident: True, with_id=False)
register_room("stewards", lambda person, _ident: is_steward(person), with_id=False)
register_room("user", lambda person, ident: person is not None and person.id == ident)
register_room("standard", _standard_reader)
