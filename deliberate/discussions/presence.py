"""Who is reading a standard, an amendment or a vote right now: kept in this process's memory.

Presence is ephemeral by nature (it is never stored in the database, and a restart forgets it).
With several server processes each one knows only the sockets connected to it, so a page may
show fewer readers than there are; that is accepted for a "who is here" hint (docs/live.md).
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


def enter(room: str, sid: str, reader: Reader) -> None:
    with _lock:
        _rooms[room][sid] = reader


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
    how many visitors who are not signed in."""
    with _lock:
        readers = list(_rooms.get(room, {}).values())
    people: dict[int, str] = {}
    for reader in readers:
        if reader.person_id is not None:
            people.setdefault(reader.person_id, reader.name)
    return {"room": room, "people": [{"id": pid, "name": name} for pid, name in sorted(people.items())],
            "visitors": sum(1 for r in readers if r.person_id is None)}


def reset() -> None:
    """Forget everyone (tests)."""
    with _lock:
        _rooms.clear()


def forget_person(person_id: int) -> None:
    """Drop a person from every room (their account is being erased): no name stays in memory."""
    with _lock:
        for room in list(_rooms):
            readers = _rooms[room]
            for sid in [sid for sid, reader in readers.items() if reader.person_id == person_id]:
                del readers[sid]
            if not readers:
                del _rooms[room]
