"""The token bucket behind the Socket.IO rate limits (deliberate/realtime/ratelimit.py)."""
import pytest

from deliberate.realtime.ratelimit import DEFAULT_LIMITS, Limiter, TokenBucket, rate_limited


def test_a_full_bucket_allows_a_burst_then_refuses():
    bucket = TokenBucket(capacity=3, rate=1, updated=0.0)
    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]


@pytest.mark.parametrize("wait, allowed", [(0.5, 0), (1.0, 1), (2.5, 2), (100.0, 3)])
def test_tokens_come_back_at_the_rate_and_never_beyond_capacity(wait, allowed):
    bucket = TokenBucket(capacity=3, rate=1, updated=0.0)
    for _ in range(3):
        assert bucket.take(0.0)
    assert sum(bucket.take(wait) for _ in range(5)) == allowed


def test_time_going_backwards_adds_nothing():
    bucket = TokenBucket(capacity=1, rate=1, updated=10.0)
    assert bucket.take(10.0) and not bucket.take(5.0)


@pytest.mark.parametrize("capacity, rate", [(0, 1), (1, 0), (-1, 1)])
def test_a_bucket_needs_positive_numbers(capacity, rate):
    with pytest.raises(ValueError):
        TokenBucket(capacity=capacity, rate=rate)


def test_the_limiter_keeps_a_bucket_per_person_and_kind():
    now = [0.0]
    limiter = Limiter({"write": (2, 1), "read": (1, 1)}, clock=lambda: now[0])
    assert limiter.allow("person:1", "write") and limiter.allow("person:1", "write")
    assert not limiter.allow("person:1", "write")
    assert limiter.allow("person:2", "write")  # someone else is not slowed down
    assert limiter.allow("person:1", "read")  # nor another kind of event
    now[0] = 1.0
    assert limiter.allow("person:1", "write")


def test_full_buckets_are_forgotten():
    now = [0.0]
    limiter = Limiter({"write": (2, 1)}, clock=lambda: now[0])
    for who in range(100):
        limiter.allow(f"sid:{who}", "write")
    assert len(limiter) == 100
    now[0] = 61.0
    limiter.allow("sid:new", "write")
    assert len(limiter) == 1


def test_every_kind_has_a_sensible_limit_and_unknown_kinds_are_refused():
    for capacity, rate in DEFAULT_LIMITS.values():
        assert capacity >= 10 and 0 < rate <= 10
    # A co-editing tab syncs every 2 s and on each pause: the sync limit must never slow it down.
    assert DEFAULT_LIMITS["sync"][1] >= 1
    with pytest.raises(ValueError):
        rate_limited("everything")
