"""DetoxifyScorer's int8 mode (torch dynamic quantization) and the options it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation.scoring.base import ScorerUnavailable
from moderation.scoring.detoxify import DetoxifyScorer
from tests.support.tiny_detoxify import CATEGORIES

Checkpoint = tuple[Path, Path]

TEXTS = [
    "Danke für den Artikel, sehr gut!",
    "Du Idiot, halt dein Maul.",
    "Schöne Grüße aus der Straße, ÄÖÜ und ẞ!",
    "Danke für den Artikel, sehr gut! " * 100,
]


def load(tiny: Checkpoint, **options: object) -> DetoxifyScorer:
    checkpoint, config_dir = tiny
    return DetoxifyScorer(checkpoint=str(checkpoint), config_dir=str(config_dir), **options)


def test_dynamic_int8_scores_close_to_float(tiny_detoxify: Checkpoint) -> None:
    float32 = load(tiny_detoxify)
    int8 = load(tiny_detoxify, quantize="dynamic")

    expected, scores = float32.score(TEXTS), int8.score(TEXTS)

    differences = [abs(s[c] - e[c]) for s, e in zip(scores, expected, strict=True) for c in s]
    assert all(list(s) == list(CATEGORIES) for s in scores)
    # The tiny model's wide random weights (initializer range 0.5) magnify rounding: about
    # 0.01 on average, up to 0.08. Trained weights move far less (bench/int8_agreement.py).
    assert sum(differences) / len(differences) < 0.05
    assert 0 < max(differences) < 0.2


def test_int8_scores_do_not_depend_on_the_other_comments(tiny_detoxify: Checkpoint) -> None:
    """int8 activations take their scale from the whole forward pass: batched, a comment's
    scores would move with its neighbours'. Decisions must be reproducible alone."""
    scorer = load(tiny_detoxify, quantize="dynamic")

    together = scorer.score(TEXTS)

    assert together == [scorer.score([text])[0] for text in TEXTS]


def test_version_tells_int8_from_float(tiny_detoxify: Checkpoint) -> None:
    float32 = load(tiny_detoxify)
    int8 = load(tiny_detoxify, quantize="dynamic")

    assert int8.name == float32.name
    assert int8.version == float32.version + "+int8-dynamic"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"quantize": "int4"}, r"unknown quantize mode 'int4'.*'dynamic'"),
        ({"quantize": "dynamic", "device": "cuda"}, "CPU only"),
        ({"quantize": "onnx-int8", "device": "cuda:0"}, "CPU only"),
        ({"threads": 0}, "threads must be at least 1"),
        ({"batch_tokens": 100}, "batch_tokens must hold one full window"),
    ],
)
def test_refused_options(tiny_detoxify: Checkpoint, options: dict[str, object],
                         message: str) -> None:
    with pytest.raises(ScorerUnavailable, match=message):
        load(tiny_detoxify, **options)


def test_cuda_without_a_gpu(tiny_detoxify: Checkpoint) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    with pytest.raises(ScorerUnavailable, match="no CUDA GPU"):
        load(tiny_detoxify, device="cuda")
