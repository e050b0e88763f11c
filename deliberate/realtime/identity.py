"""Who each connected socket belongs to, in this process: remembered when it connects, forgotten
when it disconnects (pure bookkeeping: no database).

A socket's person does not change while it is connected: signing out (of this sign-in or
everywhere), a new password and erasure disconnect the person's sockets (members/sessions.py,
realtime/disconnect.py). So the events a socket sends many times a second (co-editing syncs)
need not load the person from the sign-in cookie again at each one; what they may do is still
checked where it is done (coediting.services: once per batch, in the writing transaction).
"""
from __future__ import annotations

import threading

_people: dict[str, int] = {}
_lock = threading.Lock()


def remember(sid: str, person_id: int) -> None:
    with _lock:
        _people[sid] = person_id


def forget(sid: str) -> None:
    with _lock:
        _people.pop(sid, None)


def person_id(sid: str | None) -> int | None:
    """The id of the person signed in on socket ``sid`` when it connected, if it is connected."""
    return _people.get(sid) if sid is not None else None
