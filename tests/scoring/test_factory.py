"""The configured scorer: detoxify's speed settings reach the scorer; bad names are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation.config import Config
from moderation.scoring.base import ScorerUnavailable
from moderation.scoring.factory import load_scorer


def test_quantization_and_threads_come_from_the_configuration(
        tiny_detoxify: tuple[Path, Path], tmp_path: Path) -> None:
    checkpoint, config_dir = tiny_detoxify
    config = Config(scorer="detoxify", detoxify_checkpoint=str(checkpoint),
                    detoxify_config_dir=str(config_dir), detoxify_quantize="dynamic",
                    detoxify_threads=1, model_cache=tmp_path)
    scorer = load_scorer(config)
    assert scorer.version.endswith("+int8-dynamic")
    assert 0.0 <= scorer.score(["Grüße aus Köln"])[0]["toxicity"] <= 1.0


def test_an_unknown_quantization_is_refused_with_the_settings_named(
        tiny_detoxify: tuple[Path, Path], tmp_path: Path) -> None:
    checkpoint, config_dir = tiny_detoxify
    config = Config(scorer="detoxify", detoxify_checkpoint=str(checkpoint),
                    detoxify_config_dir=str(config_dir), detoxify_quantize="int4",
                    model_cache=tmp_path)
    with pytest.raises(ScorerUnavailable, match="_QUANTIZE"):
        load_scorer(config)


def test_an_unknown_scorer_is_refused() -> None:
    with pytest.raises(ScorerUnavailable, match="auto"):
        load_scorer(Config(scorer="perspective"))


def test_environment_settings_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODERATION_DETOXIFY_QUANTIZE", "onnx-int8")
    monkeypatch.setenv("MODERATION_DETOXIFY_THREADS", "2")
    monkeypatch.setenv("MODERATION_DETOXIFY_BATCH_TOKENS", "4096")
    config = Config.from_env()
    assert (config.detoxify_quantize, config.detoxify_threads,
            config.detoxify_batch_tokens) == ("onnx-int8", 2, 4096)
