"""Running a loaded transformers sequence classifier over comments: what detoxify's scorer and
the scorer of any Hugging Face checkpoint share.

A call's texts are cut into windows of at most 512 tokens (a long comment is scored as
overlapping windows and each output takes its highest window, so an insult at the end still
counts), the windows are sorted by length and run in padded batches under a token budget
(similar lengths, little padding), and the scores are put back in input order. The model runs
on torch (float32, or int8 Linear layers) or on ONNX Runtime (float32: the same scores, about
twice as fast as torch on CPU; or int8). int8 changes scores enough to flip decisions: check it
with ``bench/int8_agreement.py`` on the weights you ship before turning it on.

torch is imported only when a scorer is built, so this module imports where it is missing.
"""

from __future__ import annotations

import ctypes
import gc
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from moderation.scoring.base import ScorerUnavailable, Scores
from moderation.scoring.runner import Runner, pad

# The most tokens a window holds: BERT, RoBERTa, XLM-R and ALBERT read at most 512.
MAX_TOKENS = 512
# Tokens two consecutive windows of a long text share, so nothing is judged without context.
WINDOW_OVERLAP = 128
# Padded tokens (texts x longest text) per forward pass. On CPU a batch gains nothing once
# it holds a few hundred tokens (bench/scoring.py); the budget bounds memory and latency.
BATCH_TOKENS = 2048
# Share of a batch that may be padding: padded positions cost as much as real ones, and
# without this bound a budget-filling batch of mixed lengths ran slower than no batching.
MAX_PADDING = 0.2
# ``quantize`` values and how each shows in ``version``: a decision made with int8 weights
# must be told apart from one made with the float weights in the audit trail.
QUANTIZE_MODES: dict[str | None, str] = {
    None: "",
    "dynamic": "+int8-dynamic",
    "onnx": "+onnx-fp32",
    "onnx-int8": "+onnx-int8",
}
INT8_MODES = ("dynamic", "onnx-int8")
# How logits become probabilities: one sigmoid per label (multi-label heads, detoxify's) or
# a softmax over the labels (single-label heads).
ACTIVATIONS = ("sigmoid", "softmax")
WARM_UP_TEXT = "Danke für den Artikel!"


class Loaded(NamedTuple):
    """A loaded classifier: its tokenizer, its torch network, and the category each of the
    network's outputs (logit columns) gives."""

    tokenizer: Any
    network: Any
    outputs: Mapping[str, int]


class WindowedScorer:
    """Scores texts with a loaded sequence classifier: one ``{category: probability}`` mapping
    per text. A subclass loads the tokenizer and the network and hands them to ``_start``."""

    name: str
    version: str
    device: str

    def _start(
        self,
        load: Callable[[], Loaded],
        *,
        activation: str,
        device: str,
        threads: int | None,
        quantize: str | None,
        batch_tokens: int,
        onnx_folder: Path,
        onnx_key: str,
    ) -> None:
        """Load the model with ``load`` and get ready to score. The ONNX modes export it once
        into ``onnx_folder``, keyed by ``onnx_key``.

        ``load`` is called here, not by the subclass, so that no frame but this one holds the
        torch network: where ONNX Runtime runs the model, torch's copy is freed.
        """
        import torch

        if device.startswith("cuda") and not torch.cuda.is_available():
            raise ScorerUnavailable(f"device {device!r} asked for, but torch sees no CUDA GPU")
        if threads is not None:
            torch.set_num_threads(threads)  # process-wide; before loading, which sizes pools
        tokenizer, network, outputs = load()
        self.device = device
        self._tokenizer = tokenizer
        self._outputs = dict(outputs)
        self._pad_id: int = tokenizer.pad_token_id or 0
        self._prefix, self._suffix = _special_tokens(tokenizer)
        # A tokenizer saved without model_max_length reports a huge number: the model's
        # positions are the limit then.
        positions = getattr(network.config, "max_position_embeddings", MAX_TOKENS)
        self._max_tokens = min(MAX_TOKENS, tokenizer.model_max_length, positions)
        self._overlap = min(WINDOW_OVERLAP, self._max_tokens // 4)
        # int8 activations are quantized with one scale per forward pass, taken from the
        # largest value in the whole batch, padding included: batched, a comment's int8
        # scores would depend on the comments scored beside it (measured: 0.07 on average
        # with trained weights). A decision must be reproducible from the comment alone, so
        # the int8 modes run one window per pass.
        self._batch_tokens = 0 if quantize in INT8_MODES else batch_tokens
        network = network.eval()
        if quantize in ("onnx", "onnx-int8"):
            from moderation.scoring import onnx_backend

            path = onnx_backend.onnx_file(
                network, onnx_folder, onnx_key, int8=quantize == "onnx-int8", pad_id=self._pad_id
            )
            del network  # torch's copy of the weights: ONNX Runtime loads its own
            self._run: Runner = onnx_backend.onnx_runner(
                path, threads=threads, pad_id=self._pad_id, activation=activation
            )
        else:
            if quantize == "dynamic":
                network = _quantize_dynamic(torch, network)
            self._run = _torch_runner(torch, network, device, self._pad_id, activation)

        _return_freed_memory()
        # The first forward pass allocates and picks kernels: pay for it here, not in the
        # first batch of real comments.
        self.score([WARM_UP_TEXT])

    def score(self, texts: list[str]) -> list[Scores]:
        """Return one ``{category: probability in [0, 1]}`` per text, in input order.

        A text's scores do not depend on the other texts in the call (padding is masked).
        A text longer than the model's 512 tokens is scored as overlapping windows, and each
        category takes its highest window: nothing is cut off unread.
        """
        if not texts:
            return []
        windows, owners = self._windows(texts)
        probabilities: list[list[float]] = [[] for _ in windows]
        for batch in self._batches(windows):
            for index, row in zip(batch, self._run([windows[i] for i in batch]), strict=True):
                probabilities[index] = row
        # Each output takes its highest window: an insult anywhere in a comment counts.
        highest: dict[int, list[float]] = {}
        for owner, row in zip(owners, probabilities, strict=True):
            best = highest.setdefault(owner, row)
            highest[owner] = [max(a, b) for a, b in zip(best, row, strict=True)]
        return [
            {category: highest[i][column] for category, column in self._outputs.items()}
            for i in range(len(texts))
        ]

    def _windows(self, texts: list[str]) -> tuple[list[list[int]], list[int]]:
        """Token ids of every window (special tokens included) and the text each belongs to.

        A text that fits is one window. A longer one is cut into windows of the most tokens
        the model reads, each sharing ``WINDOW_OVERLAP`` tokens with the one before; the last
        window ends with the text, so the end of a comment is always read as a full window.
        """
        encoded = self._tokenizer(
            texts,
            add_special_tokens=False,
            return_attention_mask=False,
            return_token_type_ids=False,
            verbose=False,  # no warning for texts over the limit: they are windowed here
        )["input_ids"]
        size = self._max_tokens - len(self._prefix) - len(self._suffix)
        windows, owners = [], []
        for owner, ids in enumerate(encoded):
            last = max(0, len(ids) - size)
            for start in [*range(0, last, size - self._overlap), last]:
                windows.append(self._prefix + ids[start:start + size] + self._suffix)
                owners.append(owner)
        return windows, owners

    def _batches(self, windows: list[list[int]]) -> Iterator[list[int]]:
        """Indices of windows grouped shortest first: each group's padded size within the
        token budget (0: one window per group), and at most ``MAX_PADDING`` of it padding."""
        batch: list[int] = []
        real = 0
        for index in sorted(range(len(windows)), key=lambda i: len(windows[i])):
            # Sorted ascending, so this window is the longest of the batch it joins.
            length = len(windows[index])
            padded = (len(batch) + 1) * length
            if batch and (
                padded > self._batch_tokens or padded - real - length > MAX_PADDING * padded
            ):
                yield batch
                batch, real = [], 0
            batch.append(index)
            real += length
        if batch:
            yield batch


def check_options(
    device: str, threads: int | None, quantize: str | None, batch_tokens: int
) -> None:
    """Refuse settings that cannot work before anything heavy is loaded."""
    if quantize not in QUANTIZE_MODES:
        choices = ", ".join(repr(mode) for mode in QUANTIZE_MODES)
        raise ScorerUnavailable(f"unknown quantize mode {quantize!r}; choose one of: {choices}")
    if quantize is not None and device != "cpu":
        # torch's dynamic int8 kernels and our ONNX Runtime session run on the CPU only.
        raise ScorerUnavailable(
            f"quantize={quantize!r} runs on the CPU only; use device='cpu' or no quantization"
        )
    if threads is not None and threads < 1:
        raise ScorerUnavailable(f"threads must be at least 1, not {threads}")
    if batch_tokens < MAX_TOKENS:
        raise ScorerUnavailable(
            f"batch_tokens must hold one full window ({MAX_TOKENS} tokens), not {batch_tokens}"
        )


def _special_tokens(tokenizer: Any) -> tuple[list[int], list[int]]:
    """The ids the tokenizer puts before and after a single text (``[CLS]``/``[SEP]``,
    ``<s>``/``</s>``): windows are cut from ids without them and get them back."""
    bare = tokenizer("a", add_special_tokens=False)["input_ids"]
    full = tokenizer("a")["input_ids"]
    for start in range(len(full) - len(bare) + 1):
        if full[start:start + len(bare)] == bare:
            return full[:start], full[start + len(bare):]
    raise ScorerUnavailable(f"cannot tell {type(tokenizer).__name__}'s special tokens apart")


def _torch_runner(torch: Any, network: Any, device: str, pad_id: int, activation: str) -> Runner:
    def run(rows: list[list[int]]) -> list[list[float]]:
        ids, mask = pad(rows, pad_id)
        with torch.inference_mode():
            logits = network(
                input_ids=torch.tensor(ids, device=device),
                attention_mask=torch.tensor(mask, device=device),
            ).logits.float()
            if activation == "softmax":
                return torch.softmax(logits, dim=-1).cpu().tolist()
            return torch.sigmoid(logits).cpu().tolist()

    return run


def _quantize_dynamic(torch: Any, network: Any) -> Any:
    """int8 weights for every Linear layer; activations are quantized on the fly."""
    with warnings.catch_warnings():
        # torch 2.13 deprecates torch.ao.quantization in favour of torchao, which is not a
        # dependency here; the API still works and is what this mode means.
        warnings.filterwarnings(
            "ignore", message=r"torch\.ao\.quantization is deprecated", category=DeprecationWarning
        )
        warnings.filterwarnings(
            "ignore", message=r"torch\.quantize_per_tensor, .* are deprecated", category=UserWarning
        )
        # In place: a copy would hold the float weights twice while quantizing.
        return torch.ao.quantization.quantize_dynamic(
            network, {torch.nn.Linear}, dtype=torch.qint8, inplace=True
        )


def _return_freed_memory() -> None:
    """Give the memory freed while loading (float weights replaced by int8 ones, torch's copy
    of a model now run by ONNX Runtime) back to the OS. glibc keeps freed heap memory for
    reuse, and a worker's resident size would go on counting it: 340 MB for XLM-R int8."""
    gc.collect()
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to trim
        return
    libc.malloc_trim(0)
