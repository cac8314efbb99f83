"""The scorer protocol every backend implements."""

from __future__ import annotations

from typing import Protocol

Scores = dict[str, float]


class ScorerUnavailable(RuntimeError):
    """The scorer cannot judge comments (model missing, failed to load)."""


class Scorer(Protocol):
    """Scores comment texts: one mapping of category to probability (0..1) per text."""

    name: str
    version: str
    device: str  # where it runs: "cpu", "cuda:0", ...

    def score(self, texts: list[str]) -> list[Scores]: ...
