"""What the load generators share: the percentile, and a client that does not stall."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def percentile(values: list[float], p: float) -> float:
    """The value at ``p`` percent of ``values`` in order; 0.0 for none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


@contextmanager
def steady_client() -> Iterator[None]:
    """The load generator's garbage collector paused for a measured run: one full
    collection of this process stalled its sending for 53–62 ms on the 2-core host, and every
    request scheduled meanwhile counted as the server's latency. Collected before and after."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()
