"""A request's rate limits counted in Redis in one round trip.

``limits`` counts each limit with a script of its own: a comment's three limits were three
round trips to Redis. This script takes the same sliding-window counters under the same
keys (the two windows ``{key}/-1`` and ``{key}``), so Flask-Limiter and the fast paths
count in one budget, but all of a request's limits at once and all or nothing: a refused
request counts against none of them (Flask then answers it, counting as Flask-Limiter
does). Single Redis servers and Sentinel only: a cluster keeps the keys on several nodes.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from limits import RateLimitItem
from limits.storage import RedisSentinelStorage, RedisStorage

# KEYS: per limit its previous and its current window; ARGV: per limit its amount and its
# window in seconds. First every window is brought forward (as limits' own script does)
# and checked, then, if none is full, each is counted.
ACQUIRE_ALL = """
local count = #KEYS / 2
for i = 1, count do
    local previous, current = KEYS[2 * i - 1], KEYS[2 * i]
    local limit = tonumber(ARGV[2 * i - 1])
    local expiry = tonumber(ARGV[2 * i]) * 1000
    local current_ttl = tonumber(redis.call('pttl', current))
    if current_ttl > 0 and current_ttl < expiry then
        redis.call('rename', current, previous)
        redis.call('set', current, 0, 'PX', current_ttl + expiry)
    end
    local previous_count = tonumber(redis.call('get', previous)) or 0
    local previous_ttl = tonumber(redis.call('pttl', previous)) or 0
    local current_count = tonumber(redis.call('get', current)) or 0
    if previous_ttl <= 0 then previous_ttl = 0 end
    if math.floor(previous_count * previous_ttl / expiry) + current_count + 1 > limit then
        return false
    end
end
for i = 1, count do
    local current = KEYS[2 * i]
    if redis.call('exists', current) == 1 then
        redis.call('incrby', current, 1)
    else
        redis.call('set', current, 1, 'PX', tonumber(ARGV[2 * i]) * 2000)
    end
end
return true
"""
# The script as registered with each storage's client (an id could be reused by a new one).
_scripts: weakref.WeakKeyDictionary[RedisStorage, Any] = weakref.WeakKeyDictionary()


def can_count(storage: object) -> bool:
    """Whether ``storage`` is one Redis whose counters this module can take."""
    return type(storage) in (RedisStorage, RedisSentinelStorage)


def acquire_all(storage: RedisStorage, limits: Sequence[tuple[RateLimitItem, Sequence[str]]]
                ) -> bool:
    """Count one request against every ``(item, identifiers)`` in one round trip; False, and
    nothing counted, when any of them is full."""
    keys: list[str] = []
    arguments: list[int] = []
    for item, identifiers in limits:
        key = item.key_for(*identifiers)
        # The keys limits' own sliding window uses for this limit.
        keys += [storage.prefixed_key(storage._previous_window_key(key)),
                 storage.prefixed_key(storage._current_window_key(key))]
        arguments += [item.amount, item.get_expiry()]
    if not keys:
        return True
    script = _scripts.get(storage)
    if script is None:
        script = _scripts[storage] = storage.get_connection().register_script(ACQUIRE_ALL)
    return bool(script(keys, arguments))
