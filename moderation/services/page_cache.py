"""The widget's public pages kept as the bytes that answered them.

A page's key holds the article's public revision, which moves in the same transaction as
every change of what the public sees (an approval, a published comment rejected or erased,
the article's title, link or closing): a changed article is asked for under a new key, and
the old page is never read again. Nothing has to be deleted; the old pages age out.

``MODERATION_CACHE_URL`` picks where pages live: ``memory://`` (the default: each process
its own, bounded by ``MODERATION_CACHE_MEMORY_MB``), ``redis://``/``rediss://``/``unix://``
(shared by every process and host) or ``none``. An unreachable Redis costs no request:
pages are built uncached, and Redis is tried again a few seconds later.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
# Seconds Redis is left alone after it failed: a request waits for no dead server.
REDIS_RETRY_SECONDS = 5.0
REDIS_TIMEOUT_SECONDS = 0.25


class PageCache(Protocol):
    keeps: bool  # False: nothing put is ever got again (``none``)

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, body: bytes) -> None: ...


def page_key(kind: str, article_key: str, revision: int, *asked: Any) -> str:
    """The key of one public page: what it is, of which article at which public revision,
    and with which parameters (an article key may hold any character: hashed as JSON)."""
    asked_for = json.dumps([article_key, *asked], ensure_ascii=False, default=str)
    return f"{kind}:{revision}:{hashlib.sha256(asked_for.encode()).hexdigest()}"


class NoCache:
    """``MODERATION_CACHE_URL=none``: every page is built afresh."""

    keeps = False

    def get(self, key: str) -> bytes | None:
        return None

    def put(self, key: str, body: bytes) -> None:
        pass


class MemoryCache:
    """The most recently used pages of this process, up to ``max_bytes`` of them."""

    keeps = True

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._pages: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()  # `moderation serve` answers from several threads

    def get(self, key: str) -> bytes | None:
        with self._lock:
            body = self._pages.get(key)
            if body is not None:
                self._pages.move_to_end(key)
            return body

    def put(self, key: str, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            self.size += len(body) - (len(old) if old is not None else 0)
            self._pages[key] = body
            while self.size > self.max_bytes:
                _, dropped = self._pages.popitem(last=False)
                self.size -= len(dropped)


class RedisCache:
    """Pages in Redis, shared by every process; each kept ``ttl_seconds`` at most. Keys
    start with ``prefix``: installations that share a Redis keep apart."""

    keeps = True

    def __init__(self, url: str, ttl_seconds: int, prefix: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        import redis  # the `server` extra; only needed when configured

        self._errors = (redis.RedisError, OSError)
        self._redis = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                                           socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
        self.ttl_seconds, self.prefix, self._clock = ttl_seconds, prefix, clock
        self._resting_until: float | None = None  # set while Redis is failing

    def get(self, key: str) -> bytes | None:
        return self._call(lambda: self._redis.get(self.prefix + key))

    def put(self, key: str, body: bytes) -> None:
        self._call(lambda: self._redis.set(self.prefix + key, body, ex=self.ttl_seconds))

    def _call(self, command: Callable[[], Any]) -> Any:
        """Run ``command``; while Redis fails, pages are built uncached. Logged once when
        it starts failing and once when it works again."""
        if self._resting_until is not None and self._clock() < self._resting_until:
            return None
        try:
            result = command()
        except self._errors as error:
            if self._resting_until is None:
                log.warning("page cache: Redis unavailable, serving pages uncached: %s",
                            type(error).__name__)
            self._resting_until = self._clock() + REDIS_RETRY_SECONDS
            return None
        if self._resting_until is not None:
            log.info("page cache: Redis is back")
            self._resting_until = None
        return result


def page_cache_of(url: str, *, memory_bytes: int, ttl_seconds: int,
                  namespace: str) -> PageCache:
    """The cache ``MODERATION_CACHE_URL`` names; ``namespace`` tells installations apart
    in a shared Redis."""
    if url in ("", "none"):
        return NoCache()
    if url == "memory://":
        return MemoryCache(memory_bytes)
    if url.startswith(REDIS_SCHEMES):
        digest = hashlib.sha256(namespace.encode()).hexdigest()[:12]
        return RedisCache(url, ttl_seconds, prefix=f"moderation:page:{digest}:")
    raise ValueError(f"not a cache URL: {url!r}")
