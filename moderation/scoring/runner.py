"""What the torch and the ONNX Runtime runners of a sequence classifier share: the shape of
one forward pass and the padding of its rows."""

from __future__ import annotations

from collections.abc import Callable

# ids of one forward pass, in, and one probability list per row, out.
Runner = Callable[[list[list[int]]], list[list[float]]]


def pad(rows: list[list[int]], pad_id: int) -> tuple[list[list[int]], list[list[int]]]:
    """Right-pad token id rows to the longest; returns the ids and their attention mask."""
    longest = max(len(row) for row in rows)
    ids = [row + [pad_id] * (longest - len(row)) for row in rows]
    mask = [[1] * len(row) + [0] * (longest - len(row)) for row in rows]
    return ids, mask
