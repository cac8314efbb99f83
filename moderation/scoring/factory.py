"""Builds the configured scorer. Heavy imports happen only when a worker asks for one."""

from __future__ import annotations

import logging

from moderation.config import Config
from moderation.scoring.base import Scorer, ScorerUnavailable

log = logging.getLogger(__name__)

SCORERS = ("auto", "compact", "detoxify", "combined")


def load_scorer(config: Config) -> Scorer:
    """The scorer named by ``MODERATION_SCORER``; raises ``ScorerUnavailable`` if it cannot run.

    ``auto`` (the default) always has the compact German model (the shipped one, or the
    registered version in ``config.compact_model``), and combines it with detoxify when
    detoxify's weights are on this machine.
    """
    from moderation.scoring.compact import CombinedScorer, CompactScorer

    if config.scorer == "compact":
        return CompactScorer(config.compact_model)
    if config.scorer == "detoxify":
        return _detoxify(config)
    if config.scorer == "combined":
        return CombinedScorer(CompactScorer(config.compact_model), _detoxify(config))
    if config.scorer == "auto":
        compact = CompactScorer(config.compact_model)
        if _detoxify_weights(config) is None:
            return compact
        try:
            return CombinedScorer(compact, _detoxify(config))
        except ScorerUnavailable as error:
            log.warning("detoxify unavailable, scoring with %s alone: %s", compact.name, error)
            return compact
    raise ScorerUnavailable(f"Unknown scorer {config.scorer!r}; choose one of {SCORERS}.")


def _detoxify_weights(config: Config) -> tuple[str, str | None] | None:
    """A local checkpoint and its config folder: configured, or fetched into the cache."""
    if config.detoxify_checkpoint is not None:
        return config.detoxify_checkpoint, config.detoxify_config_dir
    from moderation.scoring.cache import cached_model

    fetched = cached_model(config.detoxify_model, config.model_cache)
    return (str(fetched.checkpoint), str(fetched.config_dir)) if fetched else None


def _detoxify(config: Config) -> Scorer:
    from moderation.scoring.detoxify import DetoxifyScorer

    checkpoint, config_dir = _detoxify_weights(config) or (None, None)
    try:
        return DetoxifyScorer(model=config.detoxify_model, checkpoint=checkpoint,
                              config_dir=config_dir, device=config.detoxify_device,
                              threads=config.detoxify_threads,
                              quantize=config.detoxify_quantize,
                              onnx_dir=config.detoxify_onnx_dir,
                              batch_tokens=config.detoxify_batch_tokens)
    except ScorerUnavailable as error:
        raise ScorerUnavailable(
            f"{error} (settings: MODERATION_DETOXIFY_MODEL, _CHECKPOINT, _CONFIG_DIR, _DEVICE,"
            " _THREADS, _QUANTIZE, _ONNX_DIR, _BATCH_TOKENS; or run `moderation model fetch`"
            " where there is network)") from error
