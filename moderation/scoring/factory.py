"""Builds the configured scorer. Heavy imports happen only when a worker asks for one."""

from __future__ import annotations

from moderation.config import Config
from moderation.scoring.base import Scorer, ScorerUnavailable


def load_scorer(config: Config) -> Scorer:
    """The scorer named by ``MODERATION_SCORER``; raises ``ScorerUnavailable`` if it cannot run."""
    if config.scorer == "detoxify":
        from moderation.scoring.cache import cached_model
        from moderation.scoring.detoxify import DetoxifyScorer

        checkpoint, config_dir = config.detoxify_checkpoint, config.detoxify_config_dir
        if checkpoint is None:  # a model fetched with `moderation model fetch` runs offline
            fetched = cached_model(config.detoxify_model, config.model_cache)
            if fetched is not None:
                checkpoint, config_dir = str(fetched.checkpoint), str(fetched.config_dir)
        try:
            return DetoxifyScorer(model=config.detoxify_model, checkpoint=checkpoint,
                                  config_dir=config_dir, device=config.detoxify_device)
        except ScorerUnavailable as error:
            raise ScorerUnavailable(
                f"{error} (settings: MODERATION_DETOXIFY_MODEL, MODERATION_DETOXIFY_CHECKPOINT,"
                " MODERATION_DETOXIFY_CONFIG_DIR; or run `moderation model fetch` where there"
                " is network)") from error
    raise ScorerUnavailable(f"Unknown scorer {config.scorer!r}; choose 'detoxify'.")
