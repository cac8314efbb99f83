"""DetoxifyScorer's length-grouped batches and its windows over long comments."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from moderation.scoring.detoxify import MAX_TOKENS, DetoxifyScorer
from tests.support.tiny_detoxify import CATEGORIES
from tests.support.tolerance import SCORE_TOLERANCE

Checkpoint = tuple[Path, Path]

FILLER = "Danke für den Artikel, sehr gut! "
INSULT = "Du Idiot, halt dein Maul! "
# Lengths from a few tokens to over two windows, unsorted, one repeated.
MIXED = [
    "Schöne Grüße!",
    FILLER * 40,
    "Du Idiot.",
    "",
    INSULT * 8,
    FILLER * 160,
    "Über den Kommentar: 😀 „gut“ …",
    "Du Idiot.",
    INSULT * 30,
]


def load(tiny: Checkpoint, **options: object) -> DetoxifyScorer:
    checkpoint, config_dir = tiny
    return DetoxifyScorer(checkpoint=str(checkpoint), config_dir=str(config_dir), **options)


def assert_close(left: list[dict[str, float]], right: list[dict[str, float]], tol: float) -> None:
    assert len(left) == len(right)
    for a, b in zip(left, right, strict=True):
        assert list(a) == list(b) == list(CATEGORIES)
        assert all(abs(a[c] - b[c]) <= tol for c in a), (a, b)


def tokens(scorer: DetoxifyScorer, text: str) -> int:
    return len(scorer._tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])


def text_of_tokens(scorer: DetoxifyScorer, phrase: str, count: int) -> str:
    """Whole words of ``phrase`` repeated, exactly ``count`` tokens long."""
    words: list[str] = []
    for word in (phrase.split() * count)[:count]:
        if tokens(scorer, " ".join([*words, word])) > count:
            break
        words.append(word)
    while tokens(scorer, " ".join(words)) < count:
        words.append("du")  # one token in the tiny vocabulary
    return " ".join(words)


@pytest.mark.parametrize("batch_tokens", [MAX_TOKENS, 4096])
def test_padded_batches_score_like_one_at_a_time(
    tiny_detoxify: Checkpoint, monkeypatch: pytest.MonkeyPatch, batch_tokens: int
) -> None:
    scorer = load(tiny_detoxify, batch_tokens=batch_tokens)
    one_at_a_time = [scorer.score([text])[0] for text in MIXED]
    forward_passes: list[list[int]] = []
    run = scorer._run

    def recording(rows: list[list[int]]) -> list[list[float]]:
        forward_passes.append([len(row) for row in rows])
        return run(rows)

    monkeypatch.setattr(scorer, "_run", recording)

    batched = scorer.score(MIXED)

    assert_close(batched, one_at_a_time, tol=1e-4)
    # The call really ran padded batches, within the budget, shortest texts first.
    assert any(len(set(lengths)) > 1 for lengths in forward_passes)
    assert all(len(lengths) * max(lengths) <= batch_tokens for lengths in forward_passes)
    assert [max(lengths) for lengths in forward_passes] == sorted(
        max(lengths) for lengths in forward_passes
    )
    # Texts score differently, so a mix-up of the order could not go unnoticed.
    assert len({round(s["toxicity"], 6) for s in batched}) == len(set(MIXED))
    assert batched[2] == batched[7]


def test_order_and_duplicates_survive_sorting(tiny_detoxify: Checkpoint) -> None:
    scorer = load(tiny_detoxify)
    scores = scorer.score(MIXED)

    assert_close(scorer.score(MIXED[::-1]), scores[::-1], tol=1e-4)


def test_a_long_comment_counts_its_end(tiny_detoxify: Checkpoint) -> None:
    """An insult after 4,000 characters of praise: detoxify's truncation never reads it, the
    windows do. The last window is the last 510 tokens, here exactly the insult part."""
    import detoxify

    checkpoint, config_dir = tiny_detoxify
    scorer = load(tiny_detoxify)
    praise = (FILLER * 122).strip()  # 4,025 characters
    insult = text_of_tokens(scorer, INSULT, MAX_TOKENS - 2)
    comment = f"{praise} {insult}"
    truncated = detoxify.Detoxify(
        checkpoint=str(checkpoint), huggingface_config_path=str(config_dir)
    ).predict(comment)

    [whole, insult_alone] = scorer.score([comment, insult])

    assert comment.index(insult) >= 4000 and tokens(scorer, comment) > 3 * MAX_TOKENS
    # Each category takes its highest window: the first is what truncation scored, the
    # last is the insult alone.
    for category in CATEGORIES:
        assert whole[category] >= truncated[category] - SCORE_TOLERANCE
        assert whole[category] >= insult_alone[category] - SCORE_TOLERANCE
    # The insult scores where truncation saw nothing of it: it would have been missed.
    missed = max(CATEGORIES, key=lambda c: insult_alone[c] - truncated[c])
    assert whole[missed] - truncated[missed] > 0.2


def test_a_text_of_exactly_one_window_is_not_cut(tiny_detoxify: Checkpoint) -> None:
    import detoxify

    checkpoint, config_dir = tiny_detoxify
    scorer = load(tiny_detoxify)
    fits = text_of_tokens(scorer, INSULT, MAX_TOKENS - 2)
    reference = detoxify.Detoxify(
        checkpoint=str(checkpoint), huggingface_config_path=str(config_dir)
    )

    [scores] = scorer.score([fits])

    assert all(abs(scores[c] - reference.predict(fits)[c]) < SCORE_TOLERANCE for c in CATEGORIES)


def test_long_text_when_the_tokenizer_has_no_length_limit(
    tiny_detoxify: Checkpoint, tmp_path: Path
) -> None:
    """A tokenizer saved without model_max_length reports a huge limit; the model still has
    512 positions, and a longer window would fail with an index error."""
    checkpoint, config_dir = tiny_detoxify
    unlimited = tmp_path / "config"
    shutil.copytree(config_dir, unlimited)
    settings = json.loads((unlimited / "tokenizer_config.json").read_text())
    del settings["model_max_length"]
    (unlimited / "tokenizer_config.json").write_text(json.dumps(settings))
    long_text = FILLER * 160 + INSULT * 30

    scorer = DetoxifyScorer(checkpoint=str(checkpoint), config_dir=str(unlimited))

    assert scorer._tokenizer.model_max_length > 10**6
    assert_close(scorer.score([long_text]), load(tiny_detoxify).score([long_text]), tol=1e-6)


def test_threads_are_applied(tiny_detoxify: Checkpoint) -> None:
    import torch

    before = torch.get_num_threads()
    try:
        load(tiny_detoxify, threads=1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_warms_up_when_built(tiny_detoxify: Checkpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    score = DetoxifyScorer.score

    def recording(self: DetoxifyScorer, texts: list[str]) -> list[dict[str, float]]:
        calls.append(texts)
        return score(self, texts)

    monkeypatch.setattr(DetoxifyScorer, "score", recording)

    load(tiny_detoxify)

    assert len(calls) == 1 and len(calls[0]) == 1
