"""The benchmarks' percentile: nearest rank, from below."""

from __future__ import annotations


def percentile(values: list[float], p: float) -> float:
    """The value at ``p`` percent of ``values`` in order; 0.0 for none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0
