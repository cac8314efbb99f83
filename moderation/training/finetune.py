"""Fine-tuning a Hugging Face sequence classifier on labelled CSVs (``moderation model
finetune``): a plain torch loop over the ``train`` rows, figures on the ``test`` rows before
and after, and a checkpoint that ``moderation model fetch --from`` publishes for the workers.

Binary only: our label 1 trains the checkpoint's output named by ``positive_label`` (from its
``id2label``), label 0 the other one of a two-output single-label head. A checkpoint with
another head is refused rather than silently retrained into something else.

torch and transformers are imported inside the functions: they are an optional extra.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from moderation.clock import Clock, utcnow
from moderation.training.data import Columns, DataError, LabelledText, file_sha256, read_rows
from moderation.training.metrics import binary_figures, roc_auc

REPORT_FILE = "finetune.json"
TRAIN, TEST = "train", "test"
# Their versions decide what the saved files mean and how the loop ran.
_PACKAGES = ("torch", "transformers", "tokenizers")
_SINGLE_LABEL = (None, "single_label_classification")
# The share of steps over which the learning rate climbs from 0 before it decays linearly.
WARMUP_SHARE = 0.1


class FinetuneError(ValueError):
    """A fine-tuning that cannot be done as asked: wrong head, unknown label, no rows."""


@dataclass(frozen=True)
class FinetuneParams:
    epochs: int = 1
    batch_size: int = 16
    learning_rate: float = 2e-5
    max_length: int = 256
    seed: int = 13
    device: str = "auto"
    weight_decay: float = 0.01


def finetune(
    base: Path,
    data: Sequence[Path],
    positive_label: str,
    out: Path,
    params: FinetuneParams = FinetuneParams(),
    *,
    base_name: str | None = None,
    clock: Clock = utcnow,
) -> dict[str, Any]:
    """Fine-tune the checkpoint in ``base`` on the train rows of ``data`` and save model,
    tokenizer and ``finetune.json`` into ``out``; return that report.

    Raises ``FinetuneError`` (or ``DataError`` for an unreadable CSV) before any training.
    """
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    from moderation.scoring.model_cache import hub_offline, versions
    from moderation.scoring.transformer import weights_sha256

    if not data:
        raise FinetuneError("name training data: --data FILE.csv and/or --from-decisions")
    if out.exists() and any(out.iterdir()):
        raise FinetuneError(f"{out} is not empty; name a new folder with --out")
    started = clock()
    with hub_offline():
        try:
            config = AutoConfig.from_pretrained(base, local_files_only=True)
        except Exception as exc:
            raise FinetuneError(f"{base} is not a Hugging Face checkpoint ({exc})") from exc
        positive = positive_index(config, positive_label, base)
        train_rows, test_rows, files = _read(data)
        device = _device(params.device, torch)
        _seed(params.seed, torch)
        tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
        model, loading = AutoModelForSequenceClassification.from_pretrained(
            base, local_files_only=True, output_loading_info=True)
        model.to(device)
    max_length = _max_length(params.max_length, config, tokenizer)
    batches = _Batches(tokenizer, max_length, device, positive)

    before = probabilities(model, batches, test_rows, params.batch_size)
    losses = _train(model, batches, train_rows, params, torch)
    after = probabilities(model, batches, test_rows, params.batch_size)

    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    report = {
        "base": {"name": base_name or str(base), "folder": str(base.resolve()),
                 "weights_sha256": weights_sha256(base),
                 # A base model without a classifier: its head started from seeded noise.
                 "new_head": bool(loading["missing_keys"])},
        "data": files,
        "positive_label": {"name": config.id2label[positive], "index": positive},
        "parameters": {**asdict(params), "device": device, "max_length": max_length,
                       "warmup_share": WARMUP_SHARE},
        "train_rows": len(train_rows),
        "losses": losses,
        "test": {"before": _figures(test_rows, before), "after": _figures(test_rows, after),
                 "by_file": _figures_by_file(files, test_rows, before, after)},
        "weights_sha256": weights_sha256(out),
        "packages": versions(_PACKAGES),
        "started_at": started.isoformat(),
        "finished_at": clock().isoformat(),
    }
    (out / REPORT_FILE).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    return report


def positive_index(config: Any, label: str, base: Path) -> int:
    """The output of ``config``'s two-label single-label head named ``label`` (or numbered)."""
    problem = getattr(config, "problem_type", None)
    if config.num_labels != 2 or problem not in _SINGLE_LABEL:
        raise FinetuneError(
            f"{base} has a {problem or 'single_label_classification'} head with "
            f"{config.num_labels} outputs; fine-tuning needs two outputs of a single-label head")
    id2label = {int(index): name for index, name in config.id2label.items()}
    for index, name in id2label.items():
        if name == label or label == str(index):
            return index
    known = ", ".join(f"{index}={name}" for index, name in sorted(id2label.items()))
    raise FinetuneError(f"unknown label {label!r}; the checkpoint's labels: {known}")


def _read(data: Sequence[Path]
          ) -> tuple[list[LabelledText], list[LabelledText], list[dict[str, Any]]]:
    """The train and test rows of every file, and each file's name, digest and row counts."""
    train_rows: list[LabelledText] = []
    test_rows: list[LabelledText] = []
    files = []
    for path in data:
        rows = list(read_rows(path, Columns(), frozenset({TRAIN, TEST})))
        train = [row for row in rows if row.split == TRAIN]
        test = [row for row in rows if row.split == TEST]
        train_rows += train
        test_rows += test
        files.append({"name": path.name, "sha256": file_sha256(path),
                      "train_rows": len(train), "test_rows": len(test)})
    if not train_rows:
        raise DataError(f"no rows with split {TRAIN!r} in {', '.join(p.name for p in data)}")
    return train_rows, test_rows, files


def _device(wanted: str, torch: Any) -> str:
    if wanted == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if wanted == "cuda" and not torch.cuda.is_available():
        raise FinetuneError("--device cuda, but torch sees no CUDA device")
    return wanted


def _seed(seed: int, torch: Any) -> None:
    """Same seed, same data, same machine: the same weights (order, dropout, head)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _max_length(wanted: int, config: Any, tokenizer: Any) -> int:
    """``wanted``, but never more positions than the model has."""
    limits = [wanted, getattr(config, "max_position_embeddings", wanted)]
    if tokenizer.model_max_length < 1_000_000:  # transformers' "no limit" is a huge number
        limits.append(tokenizer.model_max_length)
    return min(limits)


@dataclass(frozen=True)
class _Batches:
    """Turns rows into the model's inputs and the targets of its outputs."""

    tokenizer: Any
    max_length: int
    device: str
    positive: int

    def inputs(self, rows: Sequence[LabelledText]) -> dict[str, Any]:
        encoded = self.tokenizer([row.text for row in rows], padding=True, truncation=True,
                                 max_length=self.max_length, return_tensors="pt")
        return {name: tensor.to(self.device) for name, tensor in encoded.items()}

    def targets(self, rows: Sequence[LabelledText], torch: Any) -> Any:
        negative = 1 - self.positive
        return torch.tensor([self.positive if row.label else negative for row in rows],
                            device=self.device)


def _chunks(rows: Sequence[LabelledText], size: int) -> Iterator[Sequence[LabelledText]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _train(model: Any, batches: _Batches, rows: list[LabelledText], params: FinetuneParams,
           torch: Any) -> list[float]:
    """AdamW with a linear warm-up and decay; returns each epoch's mean training loss."""
    steps = params.epochs * -(-len(rows) // params.batch_size)
    warmup = max(1, round(steps * WARMUP_SHARE))
    optimizer = torch.optim.AdamW(model.parameters(), lr=params.learning_rate,
                                  weight_decay=params.weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup,
                                    max(0.0, (steps - step) / max(1, steps - warmup))))
    order = torch.Generator().manual_seed(params.seed)
    losses = []
    model.train()
    for _ in range(params.epochs):
        shuffled = [rows[i] for i in torch.randperm(len(rows), generator=order).tolist()]
        total = 0.0
        for chunk in _chunks(shuffled, params.batch_size):
            logits = model(**batches.inputs(chunk)).logits
            loss = torch.nn.functional.cross_entropy(logits, batches.targets(chunk, torch))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            total += loss.item() * len(chunk)
        losses.append(round(total / len(rows), 6))
    model.eval()
    return losses


def probabilities(model: Any, batches: _Batches, rows: Sequence[LabelledText],
                  batch_size: int) -> np.ndarray:
    """P(positive) of each row."""
    import torch

    model.eval()
    scores = []
    with torch.no_grad():
        for chunk in _chunks(rows, batch_size):
            logits = model(**batches.inputs(chunk)).logits
            scores.append(torch.softmax(logits.float(), dim=-1)[:, batches.positive].cpu())
    return torch.cat(scores).numpy() if scores else np.zeros(0)


def _figures(rows: Sequence[LabelledText], scores: np.ndarray) -> dict[str, Any] | None:
    """ROC-AUC of P(positive) and macro-F1 at 0.5 on ``rows``; ``None`` without rows."""
    if not rows:
        return None
    labels = np.array([row.label for row in rows], dtype=bool)
    auc = roc_auc(labels, scores)
    return {"rows": len(rows), "roc_auc": None if np.isnan(auc) else round(auc, 4),
            "macro_f1": round(binary_figures(labels, scores >= 0.5)["macro_f1"], 4)}


def _figures_by_file(files: Sequence[dict[str, Any]], rows: Sequence[LabelledText],
                     before: np.ndarray, after: np.ndarray) -> dict[str, dict[str, Any]]:
    """Each file's test rows before and after (the editors' held-out decisions among
    them), by file name; ``rows`` hold the files' test rows in the files' order."""
    found, start = {}, 0
    for file in files:
        end = start + file["test_rows"]
        if end > start:
            found[file["name"]] = {"before": _figures(rows[start:end], before[start:end]),
                                   "after": _figures(rows[start:end], after[start:end])}
        start = end
    return found
