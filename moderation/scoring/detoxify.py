"""Scorer backed by detoxify (https://github.com/unitaryai/detoxify), loaded with its own code.

torch, transformers and detoxify are imported only when a ``DetoxifyScorer`` is built, so this
module can be imported where they are not installed (the API process never imports torch).
Every loading failure surfaces as ``ScorerUnavailable`` with a message saying how to fix it.
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path
from typing import Any

from moderation.scoring.base import ScorerUnavailable, Scores

INSTALL_HINT = "pip install 'moderation[detoxify]'"
# Every detoxify model (BERT, RoBERTa, XLM-R, ALBERT) reads at most 512 tokens.
MAX_TOKENS = 512


class DetoxifyScorer:
    """Scores texts with a detoxify model: one ``{category: probability}`` mapping per text.

    ``model`` names a published detoxify model (``original``, ``unbiased``, ``multilingual``,
    ...), downloaded by detoxify on first use. With ``checkpoint`` (a local detoxify ``.ckpt``)
    nothing is downloaded: architecture and categories come from the checkpoint, and
    ``config_dir`` should hold ``config.json`` and the tokenizer files for offline loading.
    """

    def __init__(
        self,
        model: str = "multilingual",
        checkpoint: str | None = None,
        config_dir: str | None = None,
        device: str = "cpu",
    ) -> None:
        try:
            import detoxify
            import torch
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
            self.version = package_version
        else:
            if not Path(checkpoint).is_file():
                raise ScorerUnavailable(f"detoxify checkpoint not found: {checkpoint}")
            self.name = "detoxify-checkpoint"
            self.version = f"{package_version}+sha256.{_sha256(checkpoint)[:12]}"
        if config_dir is not None and not Path(config_dir).is_dir():
            raise ScorerUnavailable(
                f"detoxify config folder not found: {config_dir} "
                "(it must hold config.json and the tokenizer files)"
            )

        try:
            loaded = detoxify.Detoxify(
                model_type=model,
                checkpoint=checkpoint,
                huggingface_config_path=config_dir,
                device=device,
            )
        except Exception as exc:
            raise ScorerUnavailable(_load_failure(model, checkpoint, config_dir, exc)) from exc

        self._torch = torch
        self._model: Any = loaded.model.eval()
        self._tokenizer: Any = loaded.tokenizer
        self._categories: list[str] = loaded.class_names
        self._device = device

    def score(self, texts: list[str]) -> list[Scores]:
        """Return one ``{category: probability in [0, 1]}`` per text, in input order.

        Texts are scored one at a time (no padding), so a text's scores do not depend on the
        other texts in the call; texts longer than 512 tokens are truncated.
        """
        results: list[Scores] = []
        with self._torch.inference_mode():
            for text in texts:
                inputs = self._tokenizer(
                    text, return_tensors="pt", truncation=True, max_length=MAX_TOKENS
                ).to(self._device)
                probabilities = self._torch.sigmoid(self._model(**inputs).logits[0]).tolist()
                results.append(dict(zip(self._categories, probabilities, strict=True)))
        return results


def _sha256(path: str) -> str:
    """Hex sha256 of a file's content."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _load_failure(
    model: str, checkpoint: str | None, config_dir: str | None, exc: Exception
) -> str:
    """A short explanation of why detoxify could not load, with the way to fix it."""
    lines = str(exc).strip().splitlines()
    cause = f"{type(exc).__name__}: {lines[0] if lines else ''}"
    if checkpoint is None:
        return (
            f"cannot load the published detoxify {model!r} model ({cause}); it is downloaded "
            "on first use. Without network access, pass checkpoint= (a local detoxify .ckpt "
            "whose model_type points at config_dir) and config_dir= (config.json and the "
            "tokenizer files)."
        )
    return (
        f"cannot load detoxify checkpoint {checkpoint} with config {config_dir} ({cause}). "
        "The checkpoint must be a detoxify .ckpt holding 'config' and 'state_dict'; "
        "config_dir must hold config.json (num_labels = the checkpoint's class count) and "
        "the tokenizer files."
    )
