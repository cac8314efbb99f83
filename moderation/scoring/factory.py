"""Builds the configured scorer. Heavy imports happen only when a worker asks for one."""

from __future__ import annotations

from moderation.config import Config
from moderation.scoring.base import Scorer, ScorerUnavailable


def load_scorer(config: Config) -> Scorer:
    """The scorer named by ``MODERATION_SCORER``; raises ``ScorerUnavailable`` if it cannot run."""
    if config.scorer == "detoxify":
        from moderation.scoring.detoxify import DetoxifyScorer

        try:
            return DetoxifyScorer(model=config.detoxify_model,
                                  checkpoint=config.detoxify_checkpoint,
                                  config_dir=config.detoxify_config_dir,
                                  device=config.detoxify_device)
        except ScorerUnavailable as error:
            raise ScorerUnavailable(
                f"{error} (settings: MODERATION_DETOXIFY_MODEL, MODERATION_DETOXIFY_CHECKPOINT,"
                " MODERATION_DETOXIFY_CONFIG_DIR)") from error
    raise ScorerUnavailable(f"Unknown scorer {config.scorer!r}; choose 'detoxify'.")
