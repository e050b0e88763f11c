"""Presence shared through Redis (discussions/presence.py, RedisPresence): what one process enters,
another shows; a socket that leaves is forgotten everywhere; the readers of a process that died
without saying goodbye stop being shown once its heartbeat expires. Needs Redis on 127.0.0.1."""
from __future__ import annotations

import uuid

import pytest

from deliberate.discussions import presence
from deliberate.discussions.presence import Reader, RedisPresence

REDIS = "redis://127.0.0.1:6379/0"


def _redis():
    try:
        import redis

        client = redis.Redis.from_url(REDIS, socket_connect_timeout=1)
        client.ping()
        return client
    except Exception:
        return None


pytestmark = pytest.mark.skipif(_redis() is None, reason="needs Redis")


@pytest.fixture
def two_processes():
    client, prefix = _redis(), f"test-presence-{uuid.uuid4().hex}:"
    first = RedisPresence(client, process="first", prefix=prefix, ttl=30)
    second = RedisPresence(client, process="second", prefix=prefix, ttl=30)
    first.beat()
    second.beat()
    yield first, second
    first.reset()


def test_a_reader_on_one_process_is_shown_by_the_other(two_processes):
    first, second = two_processes
    first.enter("standard:1", "sid-a", Reader(7, "Amara"))
    second.enter("standard:1", "sid-b", Reader(None, ""))
    second.enter("standard:1", "sid-c", Reader(7, "Amara"))  # a second tab counts once
    expected = {"room": "standard:1", "people": [{"id": 7, "name": "Amara"}], "visitors": 1}
    assert first.snapshot("standard:1") == second.snapshot("standard:1") == expected


def test_leaving_is_seen_everywhere(two_processes):
    first, second = two_processes
    first.enter("standard:1", "sid-a", Reader(7, "Amara"))
    first.enter("vote:3", "sid-a", Reader(7, "Amara"))
    assert second.leave("vote:3", "sid-a") is True
    assert second.leave("vote:3", "sid-a") is False
    assert first.leave_all("sid-a") == ["standard:1"]
    assert second.snapshot("standard:1")["people"] == []


def test_a_secret_rooms_presence_is_a_count_in_every_process(two_processes):
    first, second = two_processes
    first.enter("vote:3", "sid-a", Reader(7, "Amara"), secret=True)
    assert second.snapshot("vote:3") == {"room": "vote:3", "readers": 1, "names_hidden": True}


def test_a_dead_processs_readers_expire_with_its_heartbeat(two_processes):
    first, second = two_processes
    first.enter("standard:1", "sid-a", Reader(7, "Amara"))
    second.enter("standard:1", "sid-b", Reader(8, "Lucía"))
    first.redis.delete(first._key("process", "first"))  # its heartbeat key expired: the process died
    assert second.snapshot("standard:1")["people"] == [{"id": 8, "name": "Lucía"}]
    assert first.redis.hkeys(first._key("room", "standard:1")) == [b"sid-b"]  # and it is dropped


def test_erasure_forgets_the_person_in_every_room(two_processes):
    first, second = two_processes
    first.enter("standard:1", "sid-a", Reader(7, "Amara"))
    second.enter("amendment:2", "sid-b", Reader(7, "Amara"))
    second.forget_person(7)
    assert first.snapshot("standard:1")["people"] == first.snapshot("amendment:2")["people"] == []


def test_the_embedded_default_keeps_presence_in_the_process():
    presence.configure(None)
    assert presence._backend is None
    presence.configure(REDIS)
    try:
        assert isinstance(presence._backend, RedisPresence)
    finally:
        presence.configure(None)
