"""Scorer backed by detoxify (https://github.com/unitaryai/detoxify), loaded with its own code.

torch, transformers and detoxify are imported only when a ``DetoxifyScorer`` is built, so this
module can be imported where they are not installed (the API process never imports torch).
Every loading failure surfaces as ``ScorerUnavailable`` with a message saying how to fix it.

detoxify's own ``predict`` runs one text at a time and truncates at 512 tokens; here the
loaded model runs through ``classifier.WindowedScorer``: windows over long texts, length-grouped
batches, torch or ONNX Runtime, float32 or int8.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

from moderation.scoring.base import ScorerUnavailable
from moderation.scoring.classifier import (
    BATCH_TOKENS,
    MAX_TOKENS,
    QUANTIZE_MODES,
    Loaded,
    WindowedScorer,
    check_options,
)
from moderation.scoring.model_cache import file_sha256

__all__ = ["BATCH_TOKENS", "INSTALL_HINT", "MAX_TOKENS", "DetoxifyScorer"]

INSTALL_HINT = "pip install 'moderation[detoxify]'"
# What detoxify's load_checkpoint renames: the original model's classes get our names.
_RENAMED = {"toxic": "toxicity", "identity_hate": "identity_attack",
            "severe_toxic": "severe_toxicity"}


class DetoxifyScorer(WindowedScorer):
    """Scores texts with a detoxify model: one ``{category: probability}`` mapping per text.

    ``model`` names a published detoxify model (``original``, ``unbiased``, ``multilingual``,
    ...), downloaded by detoxify on first use. With ``checkpoint`` (a local detoxify ``.ckpt``)
    nothing is downloaded: architecture and categories come from the checkpoint, and
    ``config_dir`` should hold ``config.json`` and the tokenizer files for offline loading.
    Where ``config_dir`` is given, the config is read from there, not from the folder or Hub
    name the checkpoint was saved with: a checkpoint copied elsewhere (a registered version
    in the model store) loads from its copy. ``name`` replaces ``detoxify-checkpoint`` in
    the scorer's name (a registered version: ``detoxify-multilingual``).

    ``threads`` sets torch's (process-wide) and ONNX Runtime's thread count; ``None`` keeps
    their default (one per core). ``quantize``: ``None`` (float32, torch), ``"dynamic"``
    (int8 Linear layers, torch), ``"onnx"`` (float32, ONNX Runtime) or ``"onnx-int8"`` (int8,
    ONNX Runtime). The ONNX modes export the loaded model once and keep the files in
    ``onnx_dir`` (default: beside the checkpoint), keyed by the checkpoint's sha256.
    ``batch_tokens`` bounds the padded tokens of one forward pass (the int8 modes run one
    window per pass, so that a comment's scores never depend on its neighbours').
    """

    def __init__(
        self,
        model: str = "multilingual",
        checkpoint: str | None = None,
        config_dir: str | None = None,
        device: str = "cpu",
        *,
        threads: int | None = None,
        quantize: str | None = None,
        onnx_dir: str | None = None,
        batch_tokens: int = BATCH_TOKENS,
        name: str | None = None,
    ) -> None:
        check_options(device, threads, quantize, batch_tokens)
        try:
            import detoxify
            import torch  # noqa: F401  (the scorer runs it)
        except ImportError as exc:
            raise ScorerUnavailable(f"detoxify is not installed ({exc}): {INSTALL_HINT}") from exc

        package_version = metadata.version("detoxify")
        if checkpoint is None:
            published = detoxify.detoxify.MODEL_URLS
            if model not in published:
                raise ScorerUnavailable(
                    f"unknown detoxify model {model!r}; choose one of: {', '.join(published)}"
                )
            self.name = f"detoxify-{model}"
            weights = package_version
            onnx_key = f"{self.name}-{package_version}"
        else:
            if not Path(checkpoint).is_file():
                raise ScorerUnavailable(f"detoxify checkpoint not found: {checkpoint}")
            sha256 = file_sha256(Path(checkpoint))
            self.name = name or "detoxify-checkpoint"
            weights = f"{package_version}+sha256.{sha256[:12]}"
            # The weights decide the export: a retrained checkpoint gets its own ONNX files.
            onnx_key = f"detoxify-{sha256[:16]}"
        self.version = weights + QUANTIZE_MODES[quantize]
        if config_dir is not None and not Path(config_dir).is_dir():
            raise ScorerUnavailable(
                f"detoxify config folder not found: {config_dir} "
                "(it must hold config.json and the tokenizer files)"
            )

        def load() -> Loaded:
            try:
                if checkpoint is not None and config_dir is not None:
                    network, tokenizer, classes = _load_local(detoxify, checkpoint, config_dir,
                                                              device)
                else:
                    loaded = detoxify.Detoxify(model_type=model, checkpoint=checkpoint,
                                               huggingface_config_path=config_dir, device=device)
                    network, tokenizer, classes = loaded.model, loaded.tokenizer, \
                        loaded.class_names
            except Exception as exc:
                raise ScorerUnavailable(
                    _load_failure(model, checkpoint, config_dir, exc)
                ) from exc
            outputs = {name: column for column, name in enumerate(classes)}
            return Loaded(tokenizer, network, outputs)

        self._start(
            load, activation="sigmoid", device=device, threads=threads, quantize=quantize,
            batch_tokens=batch_tokens, onnx_folder=_onnx_folder(onnx_dir, checkpoint),
            onnx_key=onnx_key,
        )


def _load_local(detoxify: Any, checkpoint: str, config_dir: str, device: str
                ) -> tuple[Any, Any, list[str]]:
    """detoxify's ``load_checkpoint`` with the config read from ``config_dir``: it would read
    the config from the ``model_type`` saved in the checkpoint, an absolute path where the
    checkpoint was fetched to (or a Hub name), which a copy must not depend on."""
    import torch

    loaded = torch.load(checkpoint, map_location=device, weights_only=False)
    if "config" not in loaded or "state_dict" not in loaded:
        raise ValueError("the checkpoint holds no 'config' and 'state_dict'")
    args = {**loaded["config"]["arch"]["args"], "model_type": config_dir}
    network, tokenizer = detoxify.detoxify.get_model_and_tokenizer(
        **args, state_dict=loaded.pop("state_dict"), huggingface_config_path=config_dir)
    network.to(device)
    classes = [_RENAMED.get(name, name) for name in loaded["config"]["dataset"]["args"]["classes"]]
    return network, tokenizer, classes


def _onnx_folder(onnx_dir: str | None, checkpoint: str | None) -> Path:
    """Where exported ONNX files live: the configured folder, else beside the checkpoint."""
    if onnx_dir is not None:
        return Path(onnx_dir)
    if checkpoint is not None:
        return Path(checkpoint).resolve().parent
    import torch

    # Where torch.hub, and so detoxify, keeps the published checkpoints it downloaded.
    return Path(torch.hub.get_dir()) / "checkpoints"


def _load_failure(
    model: str, checkpoint: str | None, config_dir: str | None, exc: Exception
) -> str:
    """A short explanation of why detoxify could not load, with the way to fix it."""
    lines = str(exc).strip().splitlines()
    cause = f"{type(exc).__name__}: {lines[0] if lines else ''}"
    if checkpoint is None:
        return (
            f"cannot load the published detoxify {model!r} model ({cause}); it is downloaded "
            "on first use. Without network access, pass checkpoint= (a local detoxify .ckpt) "
            "and config_dir= (config.json and the tokenizer files)."
        )
    return (
        f"cannot load detoxify checkpoint {checkpoint} with config {config_dir} ({cause}). "
        "The checkpoint must be a detoxify .ckpt holding 'config' and 'state_dict'; "
        "config_dir must hold config.json (num_labels = the checkpoint's class count) and "
        "the tokenizer files."
    )
