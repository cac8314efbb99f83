"""Scorer backed by any Hugging Face sequence-classification checkpoint (a German BERT
fine-tuned on offence data, say), fetched into the model cache by ``moderation model fetch
--hub/--from`` (``transformer_cache``).

It runs through the same machinery as detoxify's scorer (``classifier.WindowedScorer``):
windows over long texts, length-grouped batches, torch or ONNX Runtime, float32 or int8. A
label map says which of the checkpoint's outputs gives each of our categories; a single-label
head's outputs are a softmax over its labels, a multi-label head's a sigmoid per label.

torch and transformers are imported only when a ``TransformerScorer`` is built.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from moderation.scoring.base import ScorerUnavailable
from moderation.scoring.classifier import (
    ACTIVATIONS,
    BATCH_TOKENS,
    QUANTIZE_MODES,
    Loaded,
    WindowedScorer,
    check_options,
)
from moderation.scoring.model_cache import cause, file_sha256

INSTALL_HINT = "pip install 'moderation[detoxify]'"
# Where transformers keeps a model's weights: one file, or shards of one.
WEIGHT_PATTERNS = ("*.safetensors", "*.bin")


class TransformerScorer(WindowedScorer):
    """Scores texts with the sequence classifier saved in ``folder``, loaded with the Hub off.

    ``labels`` maps each of our categories to the output (logit column) that gives it;
    ``activation`` is ``softmax`` (single-label) or ``sigmoid`` (multi-label). ``name`` (the
    cache name) and the weights' sha256 make the scorer's name and version, which every
    decision records: ``hf:<name>@<sha256 prefix>[+quantize mode]``. The speed options are
    ``DetoxifyScorer``'s; ONNX exports go to ``onnx_dir``, by default into ``folder``.
    """

    def __init__(
        self,
        folder: Path,
        labels: Mapping[str, int],
        activation: str,
        *,
        name: str,
        device: str = "cpu",
        threads: int | None = None,
        quantize: str | None = None,
        onnx_dir: str | None = None,
        batch_tokens: int = BATCH_TOKENS,
    ) -> None:
        check_options(device, threads, quantize, batch_tokens)
        if activation not in ACTIVATIONS:
            raise ScorerUnavailable(f"unknown activation {activation!r}; one of {ACTIVATIONS}")
        try:
            import torch  # noqa: F401  (the scorer runs it)
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as exc:
            raise ScorerUnavailable(
                f"torch and transformers are not installed ({exc}): {INSTALL_HINT}"
            ) from exc
        digest = weights_sha256(folder)
        self.name = f"hf:{name}"
        self.version = digest[:12] + QUANTIZE_MODES[quantize]

        def load() -> Loaded:
            try:
                tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
                network = AutoModelForSequenceClassification.from_pretrained(
                    folder, local_files_only=True
                ).to(device)
            except Exception as exc:
                raise ScorerUnavailable(
                    f"cannot load the sequence classifier in {folder} ({cause(exc)}); fetch it "
                    "again with `moderation model fetch --hub/--from ... --as ...`"
                ) from exc
            outputs = network.config.num_labels
            wrong = {c: i for c, i in labels.items() if not 0 <= i < outputs}
            if wrong:
                raise ScorerUnavailable(f"{folder} has {outputs} outputs, not {wrong}")
            return Loaded(tokenizer, network, labels)

        # The weights decide the export: a retrained checkpoint gets its own ONNX files.
        self._start(
            load, activation=activation, device=device, threads=threads, quantize=quantize,
            batch_tokens=batch_tokens, onnx_folder=Path(onnx_dir) if onnx_dir else folder,
            onnx_key=f"hf-{digest[:16]}",
        )


def weights_sha256(folder: Path) -> str:
    """sha256 of a checkpoint's weights: of the file itself where there is one (``sha256sum
    model.safetensors`` shows the same), else of the shards' names and digests."""
    for pattern in WEIGHT_PATTERNS:
        files = sorted(folder.glob(pattern))
        if len(files) == 1:
            return file_sha256(files[0])
        if files:
            listing = "".join(f"{file_sha256(f)}  {f.name}\n" for f in files)
            return hashlib.sha256(listing.encode()).hexdigest()
    raise ScorerUnavailable(f"no weights ({', '.join(WEIGHT_PATTERNS)}) in {folder}")
