"""Builds the configured scorer. Heavy imports happen only when a worker asks for one."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from moderation.config import Config
from moderation.scoring.base import Scorer, ScorerUnavailable

log = logging.getLogger(__name__)

SCORERS = ("auto", "compact", "detoxify", "transformer", "combined")


def load_scorer(config: Config) -> Scorer:
    """The scorer named by ``MODERATION_SCORER``; raises ``ScorerUnavailable`` if it cannot run.

    ``auto`` (the default) always has the compact German model (the shipped one, or the
    registered version in ``config.compact_model``), and combines it with a partner: the live
    registered transformer version (``config.transformer_path``: a Hugging Face classifier or
    detoxify), else the publisher's explicit choice, the checkpoint named by
    ``MODERATION_TRANSFORMER_MODEL`` or else ``MODERATION_DETOXIFY_CHECKPOINT``. A model that
    was merely fetched into the cache scores nothing until it is registered and promoted
    (``moderation model promote``). A partner that cannot load leaves compact-de alone, with a
    warning.
    """
    from moderation.scoring.compact import CombinedScorer, CompactScorer

    if config.scorer == "compact":
        return CompactScorer(config.compact_model)
    if config.scorer == "detoxify":
        return _detoxify(config)
    if config.scorer == "transformer":
        return _transformer(config)
    if config.scorer == "combined":
        return CombinedScorer(CompactScorer(config.compact_model), _detoxify(config))
    if config.scorer == "auto":
        compact = CompactScorer(config.compact_model)
        if config.transformer_path is not None or config.transformer_model is not None:
            partner, load = "transformer", _transformer
        elif config.detoxify_checkpoint is not None:
            partner, load = "detoxify", _detoxify
        else:
            return compact
        try:
            return CombinedScorer(compact, load(config))
        except ScorerUnavailable as error:
            log.warning("%s unavailable, scoring with %s alone: %s", partner, compact.name, error)
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
                              config_dir=config_dir, **_speed(config))
    except ScorerUnavailable as error:
        raise ScorerUnavailable(
            f"{error} (settings: MODERATION_DETOXIFY_MODEL, _CHECKPOINT, _CONFIG_DIR, _DEVICE,"
            " _THREADS, _QUANTIZE, _ONNX_DIR, _BATCH_TOKENS; or run `moderation model fetch`"
            " where there is network)") from error


def _transformer(config: Config) -> Scorer:
    """The live registered transformer, else the Hugging Face checkpoint fetched as
    ``MODERATION_TRANSFORMER_MODEL``, run with the detoxify scorer's device and speed
    settings."""
    from moderation.scoring.transformer_cache import cached_transformer

    if config.transformer_path is not None:
        return registered_transformer(config.transformer_path, config)
    name = config.transformer_model
    fetch = "`moderation model fetch --hub NAME | --from FOLDER --as {} --label ...`"
    if name is None:
        raise ScorerUnavailable("MODERATION_SCORER=transformer needs MODERATION_TRANSFORMER_MODEL"
                                f", the name of a model fetched with {fetch.format('NAME')}")
    try:
        fetched = cached_transformer(name, config.model_cache)
    except ValueError as error:  # a name that is no folder name
        raise ScorerUnavailable(f"MODERATION_TRANSFORMER_MODEL: {error}") from error
    if fetched is None:
        raise ScorerUnavailable(f"transformer model {name!r} is not fetched into "
                                f"{config.model_cache}; run {fetch.format(name)}")
    from moderation.scoring.transformer import TransformerScorer

    try:
        return TransformerScorer(fetched.folder, fetched.labels, fetched.activation, name=name,
                                 **_speed(config))
    except ScorerUnavailable as error:
        raise ScorerUnavailable(
            f"{error} (settings: MODERATION_TRANSFORMER_MODEL, MODERATION_DETOXIFY_DEVICE,"
            " _THREADS, _QUANTIZE, _ONNX_DIR, _BATCH_TOKENS)") from error


def _speed(config: Config) -> dict[str, Any]:
    """Where and how fast a transformer runs: detoxify's settings, for every such model."""
    return {"device": config.detoxify_device, "threads": config.detoxify_threads,
            "quantize": config.detoxify_quantize, "onnx_dir": config.detoxify_onnx_dir,
            "batch_tokens": config.detoxify_batch_tokens}


def registered_transformer(folder: Path, config: Config) -> Scorer:
    """The transformer version registered in ``folder`` (the model store): a Hugging Face
    classifier or a detoxify model, as its manifest says, with the detoxify scorer's device
    and speed settings."""
    from moderation.scoring.cache import detoxify_in, is_detoxify_folder
    from moderation.scoring.transformer_cache import transformer_in

    if is_detoxify_folder(folder):
        from moderation.scoring.detoxify import DetoxifyScorer

        found = detoxify_in(folder)
        if found is None:
            raise ScorerUnavailable(f"{folder} holds no detoxify manifest that describes it; "
                                    "install the model again")
        return DetoxifyScorer(checkpoint=str(found.checkpoint), config_dir=str(found.config_dir),
                              name=detoxify_name(found.model), **_speed(config))
    from moderation.scoring.transformer import TransformerScorer

    fetched = transformer_in(folder)
    if fetched is None:
        raise ScorerUnavailable(f"{folder} holds no transformer manifest that describes it; "
                                "install the model again")
    return TransformerScorer(fetched.folder, fetched.labels, fetched.activation,
                             name=fetched.model, **_speed(config))


def detoxify_name(model: str) -> str:
    """A registered detoxify model's scorer name: which of detoxify's models it is."""
    return f"detoxify-{model}"
