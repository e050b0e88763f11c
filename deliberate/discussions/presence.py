"""Who is reading a standard, an amendment or a vote right now.

Presence is ephemeral by nature (it is never stored in the database, and a restart forgets it).
The embedded default keeps it in this process's memory. With several server processes behind a
Redis message queue (``SOCKETIO_MESSAGE_QUEUE=redis://...``) it is kept in that Redis
(:class:`RedisPresence`), so every process shows every reader. Each process refreshes a heartbeat
key (``HEARTBEAT_TTL`` seconds); the readers of a process whose heartbeat has expired (it died
without saying goodbye) are no longer shown, and are dropped when next seen.

In a secret vote's room presence is a count and nothing more: watching who is alone on the page
when the turnout moves would otherwise tie a co-op to its ballot. The socket handler says which
rooms are secret when a reader enters; the names are kept only to count a person once.
"""
from __future__ import annotations

import json
import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

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
    if _backend is not None:
        return _backend.enter(room, sid, reader, secret=secret)
    with _lock:
        _rooms[room][sid] = reader
        if secret:
            _counted_only.add(room)
        else:
            _counted_only.discard(room)


def leave(room: str, sid: str) -> bool:
    """Forget ``sid`` in ``room``; True if it was there."""
    if _backend is not None:
        return _backend.leave(room, sid)
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
    if _backend is not None:
        return _backend.leave_all(sid)
    with _lock:
        left = [room for room, readers in _rooms.items() if sid in readers]
        for room in left:
            del _rooms[room][sid]
            if not _rooms[room]:
                del _rooms[room]
        return left


def _shape(room: str, readers: list[Reader], counted_only: bool) -> dict:
    people: dict[int, str] = {}
    for reader in readers:
        if reader.person_id is not None:
            people.setdefault(reader.person_id, reader.name)
    visitors = sum(1 for r in readers if r.person_id is None)
    if counted_only:
        return {"room": room, "readers": len(people) + visitors, "names_hidden": True}
    return {"room": room, "people": [{"id": pid, "name": name} for pid, name in sorted(people.items())],
            "visitors": visitors}


def snapshot(room: str) -> dict:
    """The ``presence_changed`` payload: named people once each (several tabs count once), and
    how many visitors who are not signed in. In a secret vote's room only how many are reading:
    ``{"room", "readers", "names_hidden": True}``."""
    if _backend is not None:
        return _backend.snapshot(room)
    with _lock:
        readers = list(_rooms.get(room, {}).values())
        counted_only = room in _counted_only
    return _shape(room, readers, counted_only)


def reset() -> None:
    """Forget everyone (tests)."""
    if _backend is not None:
        return _backend.reset()
    with _lock:
        _rooms.clear()
        _counted_only.clear()


def forget_person(person_id: int) -> None:
    """Drop a person from every room (their account is being erased): no name stays in memory."""
    if _backend is not None:
        return _backend.forget_person(person_id)
    with _lock:
        for room in list(_rooms):
            readers = _rooms[room]
            for sid in [sid for sid, reader in readers.items() if reader.person_id == person_id]:
                del readers[sid]
            if not readers:
                del _rooms[room]


HEARTBEAT_TTL = 30  # seconds a process's readers are shown after its last heartbeat
_PREFIX = "deliberate:presence:"


class RedisPresence:
    """Presence shared by every process through Redis: a hash per room (socket id -> process,
    person, name), a set of rooms per socket, the count-only rooms, and one heartbeat key per
    process. Socket ids are unique across processes."""

    def __init__(self, client: Any, *, process: str | None = None, ttl: int = HEARTBEAT_TTL,
                 prefix: str = _PREFIX):
        self.redis, self.ttl, self.prefix = client, ttl, prefix
        self.process = process or uuid.uuid4().hex
        self._stop = threading.Event()

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def beat(self) -> None:
        self.redis.set(self._key("process", self.process), "1", ex=self.ttl)

    def start_heartbeat(self) -> None:
        self.beat()

        def loop() -> None:
            while not self._stop.wait(self.ttl / 3):
                try:
                    self.beat()
                except Exception:  # noqa: BLE001 - Redis away for a moment: the next beat tries again
                    pass

        threading.Thread(target=loop, name="presence-heartbeat", daemon=True).start()

    def stop_heartbeat(self) -> None:
        self._stop.set()

    def enter(self, room: str, sid: str, reader: Reader, *, secret: bool = False) -> None:
        value = json.dumps([self.process, reader.person_id, reader.name])
        pipe = self.redis.pipeline()
        pipe.hset(self._key("room", room), sid, value)
        pipe.sadd(self._key("sid", sid), room)
        pipe.sadd(self._key("rooms"), room)
        (pipe.sadd if secret else pipe.srem)(self._key("counted"), room)
        pipe.execute()

    def leave(self, room: str, sid: str) -> bool:
        pipe = self.redis.pipeline()
        pipe.hdel(self._key("room", room), sid)
        pipe.srem(self._key("sid", sid), room)
        return bool(pipe.execute()[0])

    def leave_all(self, sid: str) -> list[str]:
        rooms = sorted(r.decode() if isinstance(r, bytes) else r for r in self.redis.smembers(self._key("sid", sid)))
        left = [room for room in rooms if self.redis.hdel(self._key("room", room), sid)]
        self.redis.delete(self._key("sid", sid))
        return left

    def _entries(self, room: str) -> dict[str, list]:
        raw = self.redis.hgetall(self._key("room", room))
        entries = {(k.decode() if isinstance(k, bytes) else k): json.loads(v) for k, v in raw.items()}
        processes = sorted({entry[0] for entry in entries.values()})
        alive = dict(zip(processes, self.redis.mget([self._key("process", p) for p in processes]), strict=True)) \
            if processes else {}
        dead = [sid for sid, entry in entries.items() if alive.get(entry[0]) is None]
        if dead:  # a process that died without saying goodbye: forget its readers
            self.redis.hdel(self._key("room", room), *dead)
        return {sid: entry for sid, entry in entries.items() if sid not in dead}

    def snapshot(self, room: str) -> dict:
        readers = [Reader(entry[1], entry[2]) for entry in self._entries(room).values()]
        return _shape(room, readers, bool(self.redis.sismember(self._key("counted"), room)))

    def forget_person(self, person_id: int) -> None:
        for room in self.redis.smembers(self._key("rooms")):
            room = room.decode() if isinstance(room, bytes) else room
            gone = [sid for sid, entry in self._entries(room).items() if entry[1] == person_id]
            if gone:
                self.redis.hdel(self._key("room", room), *gone)

    def reset(self) -> None:
        keys = list(self.redis.scan_iter(match=self.prefix + "*"))
        if keys:
            self.redis.delete(*keys)


_backend: RedisPresence | None = None


def configure(message_queue: str | None) -> None:
    """Keep presence in the Redis of ``message_queue`` (a redis:// URL), or in this process."""
    global _backend
    if _backend is not None:
        _backend.stop_heartbeat()
        _backend = None
    if message_queue and message_queue.startswith(("redis://", "rediss://")):
        import redis

        _backend = RedisPresence(redis.Redis.from_url(message_queue))
        _backend.start_heartbeat()
