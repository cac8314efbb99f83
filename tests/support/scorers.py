"""Deterministic test doubles of the scorer, for API and worker tests."""

from __future__ import annotations

from moderation.scoring.base import ScorerUnavailable, Scores

CATEGORIES = ("toxicity", "severe_toxicity", "obscene", "identity_attack", "insult", "threat",
              "sexual_explicit")
# Words that raise scores, so a test's text decides its fate.
SIGNALS = {
    "idiot": {"toxicity": 0.97, "insult": 0.95},
    "dumm": {"toxicity": 0.62, "insult": 0.55},
    "umbringen": {"toxicity": 0.7, "threat": 0.85},
}


class KeywordScorer:
    """Scores by the words in ``SIGNALS``; everything else is harmless (0.01)."""

    name = "keyword-test"
    version = "1"
    device = "cpu"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def score(self, texts: list[str]) -> list[Scores]:
        self.calls.append(list(texts))
        results = []
        for text in texts:
            scores = dict.fromkeys(CATEGORIES, 0.01)
            for word, raised in SIGNALS.items():
                if word in text.lower():
                    for category, value in raised.items():
                        scores[category] = max(scores[category], value)
            results.append(scores)
        return results


class BrokenScorer(KeywordScorer):
    """Loads, then fails on every batch (a scorer fault at run time)."""

    def score(self, texts: list[str]) -> list[Scores]:
        raise RuntimeError("CUDA out of memory")


def unavailable(_config: object) -> KeywordScorer:
    raise ScorerUnavailable("model weights not found at /nirgendwo/checkpoint.ckpt")
