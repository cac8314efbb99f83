"""The rate limiter's counters in memory, swept without a thread per request.

``limits``' ``MemoryStorage`` starts a ``threading.Timer`` whenever its last one has run
(10 ms after it started): under steady traffic nearly every counted request starts a
thread, and every timer walks all counters of the process (one per client network, author
email and article and window: tens of thousands after a busy minute, milliseconds a walk).
The walk only frees memory: a read ignores an expired counter anyway (``get`` checks its
expiry). This storage walks inline, at most once every ``SWEEP_SECONDS``, on the request
that comes due; ``memory://`` in MODERATION_RATE_LIMIT_STORAGE_URL means it.
"""

from __future__ import annotations

import threading
import time

from limits.storage import MemoryStorage

SCHEME = "moderation-memory"


class SweptMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = [SCHEME]
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 **options: str) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._next_sweep = 0.0
        self._sweeping = threading.Lock()

    # limits calls this (name-mangled) before every change of a counter.
    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 (the name limits calls)
        now = time.monotonic()
        if now < self._next_sweep or not self._sweeping.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
        finally:
            self._sweeping.release()


def storage_uri(configured: str) -> str:
    """The URI Flask-Limiter gets: ours for plain memory, anything else as configured."""
    return f"{SCHEME}://" if configured == "memory://" else configured
