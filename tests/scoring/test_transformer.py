"""TransformerScorer: a fetched Hugging Face sequence classifier scores like a direct forward
pass, through the windows, batches and runners detoxify's scorer uses."""

from __future__ import annotations

import hashlib
import logging
import os
from itertools import pairwise
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from moderation.config import Config
from moderation.scoring.base import ScorerUnavailable
from moderation.scoring.compact import CombinedScorer
from moderation.scoring.factory import load_scorer
from moderation.scoring.transformer import TransformerScorer
from moderation.scoring.transformer_cache import (
    CachedTransformer,
    cached_transformer,
    fetch_transformer,
)
from tests.support.tiny_transformer import MAX_TOKENS, build_checkpoint
from tests.support.tolerance import SCORE_TOLERANCE

TEXTS = [
    "Danke für den Artikel, sehr gut geschrieben!",
    "Du bist ein Idiot, halt den Mund!",
    "Schöne Grüße aus Köln – Größe, Straße, Bürger, Bäcker.",
    "",
    "Über den Kommentar: 😀 „gut“ …",
]
LONG = "Schöne Grüße aus München und Köln. " * 20 + "Du bist ein Idiot, halt den Mund!"


def fetched(cache: Path) -> CachedTransformer:
    model = cached_transformer("gbert", cache)
    assert model is not None
    return model


def load(cache: Path, **options: object) -> TransformerScorer:
    model = fetched(cache)
    return TransformerScorer(model.folder, model.labels, model.activation, name="gbert",
                             **options)


def direct(folder: Path, texts: list[str], activation: str) -> list[list[float]]:
    """Probabilities from transformers itself, one text per forward pass, no windows."""
    tokenizer = AutoTokenizer.from_pretrained(folder)
    network = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    rows = []
    with torch.inference_mode():
        for text in texts:
            logits = network(**tokenizer(text, return_tensors="pt")).logits[0]
            probabilities = logits.softmax(-1) if activation == "softmax" else logits.sigmoid()
            rows.append(probabilities.tolist())
    return rows


def test_scores_equal_a_direct_forward_pass(tiny_cache: Path) -> None:
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    folder = fetched(tiny_cache).folder

    scores = load(tiny_cache).score(TEXTS)

    expected = [row[1] for row in direct(folder, TEXTS, "softmax")]  # 1 = OFFENSE
    assert [list(s) for s in scores] == [["toxicity"]] * len(TEXTS)
    assert [s["toxicity"] for s in scores] == pytest.approx(expected, abs=SCORE_TOLERANCE)
    # The texts score apart by more than the tolerance, so a mix-up of the order could not
    # go unnoticed.
    ranked = sorted(expected)
    assert min(b - a for a, b in pairwise(ranked)) > 2 * SCORE_TOLERANCE


def test_a_text_longer_than_the_model_reads_takes_its_highest_window(tiny_cache: Path) -> None:
    folder = fetched(tiny_cache).folder
    tokenizer = AutoTokenizer.from_pretrained(folder)
    ids = tokenizer(LONG, add_special_tokens=False)["input_ids"]
    assert len(ids) > 2 * MAX_TOKENS
    # Windows of 62 tokens plus [CLS] and [SEP], a quarter of the window shared, the last
    # one ending with the text.
    size, step = MAX_TOKENS - 2, MAX_TOKENS - 2 - MAX_TOKENS // 4
    starts = [*range(0, len(ids) - size, step), len(ids) - size]
    network = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    with torch.inference_mode():
        offense = [network(input_ids=torch.tensor([[tokenizer.cls_token_id,
                                                    *ids[start:start + size],
                                                    tokenizer.sep_token_id]])
                           ).logits[0].softmax(-1)[1].item() for start in starts]

    [scores] = load(tiny_cache).score([LONG])

    assert len(starts) >= 3
    assert scores["toxicity"] == pytest.approx(max(offense), abs=SCORE_TOLERANCE)
    assert len({round(value, 4) for value in offense}) > 1  # the windows differ


def test_batches_score_like_one_at_a_time(tiny_cache: Path) -> None:
    scorer = load(tiny_cache)
    texts = [*TEXTS, LONG, TEXTS[1]]

    batched = scorer.score(texts)

    singles = [scorer.score([text])[0] for text in texts]
    for together, alone in zip(batched, singles, strict=True):
        assert together["toxicity"] == pytest.approx(alone["toxicity"], abs=SCORE_TOLERANCE)
    assert scorer.score(texts[::-1])[0]["toxicity"] == pytest.approx(
        batched[-1]["toxicity"], abs=SCORE_TOLERANCE)


def test_onnx_scores_like_torch(tiny_cache: Path, tmp_path: Path) -> None:
    torch_scores = load(tiny_cache).score([*TEXTS, LONG])

    scorer = load(tiny_cache, quantize="onnx", onnx_dir=str(tmp_path))

    onnx_scores = scorer.score([*TEXTS, LONG])
    assert max(abs(a["toxicity"] - b["toxicity"])
               for a, b in zip(onnx_scores, torch_scores, strict=True)) < 1e-3
    assert scorer.version == load(tiny_cache).version + "+onnx-fp32"
    [export] = tmp_path.glob("*.onnx")
    assert export.name.startswith("hf-") and export.name.endswith(".fp32.onnx")


def test_name_and_version_name_the_model_and_its_weights(tiny_cache: Path, tmp_path: Path,
                                                         offline_hub: None) -> None:
    scorer = load(tiny_cache)
    weights = (fetched(tiny_cache).folder / "model.safetensors").read_bytes()

    assert scorer.name == "hf:gbert"
    assert scorer.version == hashlib.sha256(weights).hexdigest()[:12]
    assert scorer.device == "cpu"

    retrained = tmp_path / "retrained"
    build_checkpoint(retrained)
    network = AutoModelForSequenceClassification.from_pretrained(retrained)
    with torch.no_grad():
        network.classifier.bias += 1.0
    network.save_pretrained(retrained)
    other = fetch_transformer("gbert", tmp_path / "cache", {"toxicity": "OFFENSE"},
                              folder=retrained)
    assert TransformerScorer(other.folder, other.labels, other.activation,
                             name="gbert").version != scorer.version


def test_a_multi_label_checkpoint_gives_a_sigmoid_per_label(tmp_path: Path,
                                                           offline_hub: None) -> None:
    labels = {0: "toxic", 1: "insult", 2: "threat"}
    hub = build_checkpoint(tmp_path / "hub", id2label=labels,
                           problem_type="multi_label_classification")

    model = fetch_transformer("mehrfach", tmp_path / "cache",
                              {"toxicity": "toxic", "threat": "2", "insult": "insult"},
                              folder=hub)

    assert model.activation == "sigmoid"
    assert model.labels == {"toxicity": 0, "threat": 2, "insult": 1}
    assert model.manifest["problem_type"] == "multi_label_classification"
    scores = TransformerScorer(model.folder, model.labels, model.activation,
                               name="mehrfach").score(TEXTS)
    expected = direct(model.folder, TEXTS, "sigmoid")
    for got, row in zip(scores, expected, strict=True):
        assert got == pytest.approx({"toxicity": row[0], "insult": row[1], "threat": row[2]},
                                    abs=SCORE_TOLERANCE)
    # Independent sigmoids: they need not sum to one, as a softmax would.
    assert any(abs(sum(row) - 1) > 0.05 for row in expected)


# --- the configured scorer ------------------------------------------------------------------


def test_the_transformer_scorer_alone(tiny_cache: Path) -> None:
    scorer = load_scorer(Config(scorer="transformer", transformer_model="gbert",
                                model_cache=tiny_cache))

    assert isinstance(scorer, TransformerScorer) and scorer.name == "hf:gbert"


def test_auto_combines_compact_de_with_the_transformer(tiny_cache: Path) -> None:
    scorer = load_scorer(Config(transformer_model="gbert", model_cache=tiny_cache))

    assert isinstance(scorer, CombinedScorer)
    assert scorer.name == "max(compact-de,hf:gbert)"
    transformer = load(tiny_cache)
    assert scorer.version.endswith(f"+hf:gbert={transformer.version}")
    [combined] = scorer.score(["Du bist ein Idiot, halt den Mund!"])
    [alone] = transformer.score(["Du bist ein Idiot, halt den Mund!"])
    assert combined["toxicity"] >= alone["toxicity"]


def test_the_transformer_wins_over_detoxify(tiny_cache: Path,
                                           tiny_detoxify: tuple[Path, Path]) -> None:
    checkpoint, config_dir = tiny_detoxify
    config = Config(transformer_model="gbert", model_cache=tiny_cache,
                    detoxify_checkpoint=str(checkpoint), detoxify_config_dir=str(config_dir))

    assert load_scorer(config).name == "max(compact-de,hf:gbert)"
    assert load_scorer(config.replace(transformer_model=None)).name == (
        "max(compact-de,detoxify-checkpoint)")


def test_the_speed_settings_apply(tiny_cache: Path) -> None:
    config = Config(scorer="transformer", transformer_model="gbert", model_cache=tiny_cache,
                    detoxify_quantize="dynamic", detoxify_threads=1)
    before = torch.get_num_threads()
    try:
        scorer = load_scorer(config)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)

    assert scorer.version.endswith("+int8-dynamic")
    assert 0.0 <= scorer.score(["Grüße aus Köln"])[0]["toxicity"] <= 1.0
    with pytest.raises(ScorerUnavailable, match="_QUANTIZE"):
        load_scorer(config.replace(detoxify_quantize="int4"))


def test_a_model_not_fetched(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = Config(scorer="transformer", transformer_model="gbert", model_cache=tmp_path)

    with pytest.raises(ScorerUnavailable, match=r"not fetched.*moderation model fetch"):
        load_scorer(config)
    with pytest.raises(ScorerUnavailable, match="MODERATION_TRANSFORMER_MODEL"):
        load_scorer(config.replace(transformer_model=None))
    with caplog.at_level(logging.WARNING):
        assert load_scorer(config.replace(scorer="auto")).name == "compact-de"
    assert "transformer unavailable" in caplog.text


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODERATION_TRANSFORMER_MODEL", "gbert")
    assert Config.from_env().transformer_model == "gbert"
    monkeypatch.setenv("MODERATION_TRANSFORMER_MODEL", "")
    assert Config.from_env().transformer_model is None
