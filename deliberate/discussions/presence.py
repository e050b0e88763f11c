"""Who is reading a standard, an amendment or a vote right now: kept in this process's memory.

Presence is ephemeral by nature (it is never stored in the database, and a restart forgets it).
With several server processes each one knows only the sockets connected to it, so a page may
show fewer readers than there are; that is accepted for a "who is here" hint (docs/live.md).

In a secret vote's room presence is a count and nothing more: watching who is alone on the page
when the turnout moves would otherwise tie a co-op to its ballot. The socket handler says which
rooms are secret when a reader enters; the names are kept only to count a person once.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass

PRESENCE_KINDS = ("standard", "amendment", "vote")


@dataclass(frozen=True)
class Reader:
    person_id: int | None
    name: str


_lock = threading.Lock()
# room -> socket id -> reader
_rooms: dict[str, dict[str, Reader]] = defaultdict(dict)
# The rooms whose presence is a count only (a secret vote's), as their readers' sockets said on
# entering; kept when the room empties, so that "nobody is here" is told in the same shape.
_counted_only: set[str] = set()


def enter(room: str, sid: str, reader: Reader, *, secret: bool = False) -> None:
    """``reader`` is on the page of ``room``; ``secret`` when the room carries a secret ballot."""
    with _lock:
        _rooms[room][sid] = reader
        if secret:
            _counted_only.add(room)
        else:
            _counted_only.discard(room)


def leave(room: str, sid: str) -> bool:
    """Forget ``sid`` in ``room``; True if it was there."""
    with _lock:
        readers = _rooms.get(room)
        if not readers or sid not in readers:
            return False
        del readers[sid]
        if not readers:
            del _rooms[room]
        return True


def leave_all(sid: str) -> list[str]:
    """Forget a disconnected socket everywhere; the rooms it was in."""
    with _lock:
        left = [room for room, readers in _rooms.items() if sid in readers]
        for room in left:
            del _rooms[room][sid]
            if not _rooms[room]:
                del _rooms[room]
        return left


def snapshot(room: str) -> dict:
    """The ``presence_changed`` payload: named people once each (several tabs count once), and
    how many visitors who are not signed in. In a secret vote's room only how many are reading:
    ``{"room", "readers", "names_hidden": True}``."""
    with _lock:
        readers = list(_rooms.get(room, {}).values())
        counted_only = room in _counted_only
    people: dict[int, str] = {}
    for reader in readers:
        if reader.person_id is not None:
            people.setdefault(reader.person_id, reader.name)
    visitors = sum(1 for r in readers if r.person_id is None)
    if counted_only:
        return {"room": room, "readers": len(people) + visitors, "names_hidden": True}
    return {"room": room, "people": [{"id": pid, "name": name} for pid, name in sorted(people.items())],
            "visitors": visitors}


def reset() -> None:
    """Forget everyone (tests)."""
    with _lock:
        _rooms.clear()
        _counted_only.clear()


def forget_person(person_id: int) -> None:
    """Drop a person from every room (their account is being erased): no name stays in memory."""
    with _lock:
        for room in list(_rooms):
            readers = _rooms[room]
            for sid in [sid for sid, reader in readers.items() if reader.person_id == person_id]:
                del readers[sid]
            if not readers:
                del _rooms[room]
