"""The limiter's memory counters: swept inline, no timer thread per counted request."""

from __future__ import annotations

import time

from limits import parse, strategies
from limits.storage import MemoryStorage, storage_from_string

from moderation.api.limit_storage import SweptMemoryStorage, storage_uri


def test_plain_memory_means_the_swept_storage_and_redis_stays_redis():
    assert isinstance(storage_from_string(storage_uri("memory://")), SweptMemoryStorage)
    assert storage_uri("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


def test_the_hooks_it_overrides_are_still_the_ones_limits_calls():
    # limits' own names (name-mangled): an upgrade that renames them must fail here.
    assert callable(MemoryStorage._MemoryStorage__schedule_expiry)  # type: ignore[attr-defined]
    assert callable(MemoryStorage._MemoryStorage__expire_events)  # type: ignore[attr-defined]


def test_counting_starts_no_timer_thread():
    storage = SweptMemoryStorage()
    first = storage.timer  # the one limits' constructor starts
    limiter = strategies.SlidingWindowCounterRateLimiter(storage)
    for number in range(500):
        limiter.hit(parse("1000/minute"), "email", str(number))
        first.join()  # the stock storage would start a new one now
    assert storage.timer is first


def test_limits_still_refuse_and_expired_counters_are_swept():
    storage = SweptMemoryStorage()
    limiter = strategies.FixedWindowRateLimiter(storage)
    two_per_second = parse("2/second")
    assert [limiter.hit(two_per_second, "net:203.0.113.0/24") for _ in range(3)] == [
        True, True, False]
    storage.incr("verfallen", expiry=0.01)
    time.sleep(0.02)
    storage._next_sweep = 0.0  # the sweep is due
    limiter.hit(parse("5/minute"), "article:grüße")
    assert "verfallen" not in storage.storage and "verfallen" not in storage.expirations
