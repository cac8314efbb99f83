"""A cache of Hugging Face sequence classifiers that load with no network (``HF_HUB_OFFLINE=1``),
each with the label map that says which of its outputs gives which of our categories.

``fetch_transformer`` takes a checkpoint from the Hub (by name) or from a local folder standing
in for it, saves model and tokenizer with ``save_pretrained``, checks that the result loads
with the Hub switched off and scores a German sentence, and only then publishes it, like
detoxify's models (``model_cache``). Layout::

    <cache>/gbert -> .gbert.k2x9q1ab        relative link, swapped atomically
    <cache>/.gbert.k2x9q1ab/config.json     model and tokenizer files (save_pretrained)
                           /manifest.json   label map, head, file hashes; written last

The folder names no absolute path, so unlike detoxify's it may be moved or copied whole.
torch and transformers are imported only while fetching; ``cached_transformer`` (what a
worker calls before building its scorer) needs neither.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moderation.clock import Clock, utcnow
from moderation.scoring.base import ScorerUnavailable
from moderation.scoring.classifier import ACTIVATIONS
from moderation.scoring.model_cache import (
    CHECK_TEXT,
    MANIFEST,
    FetchFailed,
    cause,
    check_name,
    check_offline,
    file_sha256,
    publish,
    published,
    versions,
)

MANIFEST_FORMAT = 1
KIND = "transformer"
# How each head turns logits into probabilities (transformers' problem_type names).
ACTIVATION_OF = {
    "single_label_classification": "softmax",
    "multi_label_classification": "sigmoid",
}
# Their versions go into the manifest: they decide how the files are read.
_PACKAGES = ("torch", "transformers", "tokenizers", "huggingface_hub")
# What a Hub download takes besides the weights: config and tokenizer files.
_HUB_FILES = ("*.json", "*.txt", "*.model")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CachedTransformer:
    """A fetched checkpoint: ``TransformerScorer(folder, labels, activation, name=model)``
    loads it offline. ``labels`` maps each category to the output that gives it."""

    model: str
    folder: Path
    labels: dict[str, int]
    activation: str
    manifest: dict[str, Any]


def parse_labels(pairs: Iterable[str]) -> dict[str, str]:
    """``["toxicity=OFFENSE", "insult=2"]`` as ``{category: label}``. Refuses (``ValueError``)
    a pair without ``=``, a category the policy does not judge and a category named twice."""
    labels: dict[str, str] = {}
    for pair in pairs:
        category, equals, label = (part.strip() for part in pair.partition("="))
        if not equals or not category or not label:
            raise ValueError(f"{pair!r} is not CATEGORY=LABEL (e.g. toxicity=OFFENSE)")
        if category in labels:
            raise ValueError(f"category {category!r} is mapped twice")
        labels[category] = label
    _check_categories(labels)
    return labels


def fetch_transformer(
    name: str,
    cache_dir: Path,
    labels: Mapping[str, str],
    *,
    hub: str | None = None,
    folder: Path | None = None,
    sha256: str | None = None,
    clock: Clock = utcnow,
) -> CachedTransformer:
    """Fetch the sequence classifier ``hub`` (a Hub name) or ``folder`` (a local copy) into
    ``cache_dir`` as ``name``; replace an earlier fetch of it only once the new one is complete
    and verified. ``labels`` maps our categories to the checkpoint's labels (its ``id2label``
    names, or output indices). With ``sha256``, weights with another digest are refused.

    Raises ``ValueError`` for a bad name, category or label and ``FetchFailed`` for a source
    that cannot be fetched or is no sequence classifier.
    """
    check_name(name)
    if (hub is None) == (folder is None):
        raise ValueError("give either a Hub name or a local folder")
    if not labels:
        raise ValueError("give at least one label map, e.g. toxicity=OFFENSE")
    _check_categories(labels)
    published_folder, manifest = publish(
        cache_dir, name,
        lambda into: _build(name, into, hub, folder, labels, sha256, clock),
    )
    return _cached(name, published_folder, manifest)


def cached_transformer(name: str, cache_dir: Path) -> CachedTransformer | None:
    """The fetched checkpoint ``name`` in ``cache_dir``, or ``None`` where it was never
    fetched, is incomplete or damaged (the reason is logged)."""
    found = published(cache_dir, name)
    if found is None:
        return None
    folder, manifest = found
    problem = _manifest_problem(manifest, name, folder)
    if problem:
        log.warning("cannot use %s: %s; fetch %s again", cache_dir / name, problem, name)
        return None
    return _cached(name, folder, manifest)


def transformer_in(folder: Path) -> CachedTransformer | None:
    """The fetched checkpoint in ``folder`` itself (a cache entry, or its copy in the model
    store), or ``None`` where its manifest is missing or does not describe it (logged)."""
    manifest = _folder_manifest(folder)
    if manifest is None:
        return None
    name = manifest.get("model")
    problem = _manifest_problem(manifest, name, folder) if isinstance(name, str) \
        else f"{MANIFEST} names no model"
    if problem:
        log.warning("cannot use %s: %s", folder, problem)
        return None
    return _cached(name, folder, manifest)


def is_transformer_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a fetched transformer's manifest."""
    manifest = _folder_manifest(folder)
    return isinstance(manifest, dict) and manifest.get("kind") == KIND


def _folder_manifest(folder: Path) -> Any:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _cached(name: str, folder: Path, manifest: dict[str, Any]) -> CachedTransformer:
    labels = {category: int(entry["index"]) for category, entry in manifest["labels"].items()}
    return CachedTransformer(name, folder, labels, manifest["activation"], manifest)


def _check_categories(labels: Mapping[str, str]) -> None:
    # The policy's categories: a score for any other would never be judged.
    from moderation.policy import DEFAULT_THRESHOLDS

    unknown = [category for category in labels if category not in DEFAULT_THRESHOLDS]
    if unknown:
        raise ValueError(f"unknown category {', '.join(map(repr, unknown))}; our categories: "
                         f"{', '.join(DEFAULT_THRESHOLDS)}")


def _build(
    name: str,
    into: Path,
    hub: str | None,
    folder: Path | None,
    labels: Mapping[str, str],
    expected_sha256: str | None,
    clock: Clock,
) -> dict[str, Any]:
    """Save the checkpoint's model and tokenizer into ``into``; return the manifest."""
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    from moderation.scoring.transformer import TransformerScorer, weights_sha256

    _refuse_other_kinds(into.parent, name)
    # A private download cache: the model must not work only because ~/.cache/huggingface
    # happens to hold these files on the machine that fetched it.
    with tempfile.TemporaryDirectory(prefix=".hub-", dir=into.parent) as hub_cache:
        if folder is not None:
            source, revision = folder.resolve(), None
        else:
            source, revision = _download(str(hub), Path(hub_cache))
        try:
            source_sha256 = weights_sha256(source)
        except ScorerUnavailable as exc:
            raise FetchFailed(f"{source} is not a Hugging Face checkpoint: {exc}") from exc
        if expected_sha256 is not None and source_sha256 != expected_sha256.lower():
            raise FetchFailed(f"the weights of {hub or source} have sha256 {source_sha256}, "
                              f"expected {expected_sha256}; not cached")
        try:
            config = AutoConfig.from_pretrained(source)
        except Exception as exc:
            raise FetchFailed(f"{source} is not a Hugging Face checkpoint ({cause(exc)})") from exc
        activation = _activation(config, source)
        outputs = _resolve_labels(labels, config.id2label)
        try:
            model, loading = AutoModelForSequenceClassification.from_pretrained(
                source, output_loading_info=True
            )
            tokenizer = AutoTokenizer.from_pretrained(source)
        except Exception as exc:
            raise FetchFailed(f"cannot load {source} ({cause(exc)})") from exc
        if loading["missing_keys"]:
            # transformers would start the missing head from random weights.
            raise FetchFailed(f"{source} lacks trained weights for "
                              f"{', '.join(sorted(loading['missing_keys'])[:3])}: no "
                              "sequence-classification checkpoint")
        model.save_pretrained(into)
        tokenizer.save_pretrained(into)
        del model

    scorer_version, scores = check_offline(
        lambda: TransformerScorer(into, outputs, activation, name=name)
    )
    return {
        "format": MANIFEST_FORMAT,
        "kind": KIND,
        "model": name,
        "source": {"hub": hub, "folder": None if folder is None else str(source),
                   "revision": revision, "weights_sha256": source_sha256},
        "architecture": type(config).__name__.removesuffix("Config"),
        "architectures": list(config.architectures),
        "problem_type": config.problem_type or "single_label_classification",
        "activation": activation,
        "id2label": {str(index): label for index, label in config.id2label.items()},
        "labels": {category: {"label": config.id2label[index], "index": index}
                   for category, index in outputs.items()},
        "weights_sha256": weights_sha256(into),
        "files": {path.name: {"bytes": path.stat().st_size, "sha256": file_sha256(path)}
                  for path in sorted(into.iterdir()) if path.is_file()},
        "scorer_version": scorer_version,
        "check": {"text": CHECK_TEXT, "scores": scores},
        "packages": versions(_PACKAGES),
        "fetched_at": clock().isoformat(),
    }


def _download(hub: str, hub_cache: Path) -> tuple[Path, str]:
    """Download ``hub``'s config, tokenizer and weights (safetensors where the repository has
    them, else PyTorch's); return the local snapshot and the commit it is."""
    from huggingface_hub import HfApi, snapshot_download

    try:
        files = HfApi().list_repo_files(hub)
        weights = "*.safetensors" if any(f.endswith(".safetensors") for f in files) else "*.bin"
        snapshot = Path(snapshot_download(hub, cache_dir=hub_cache,
                                          allow_patterns=[*_HUB_FILES, weights]))
    except Exception as exc:
        raise FetchFailed(f"cannot fetch {hub!r} from the Hugging Face Hub: {cause(exc)}") from exc
    return snapshot, snapshot.name  # snapshots are named by their commit


def _activation(config: Any, source: Path) -> str:
    """softmax for a single-label head, sigmoid for a multi-label one; a checkpoint that is no
    classifier, or a regression head, is refused."""
    architectures = config.architectures or []
    if not any(arch.endswith("ForSequenceClassification") for arch in architectures):
        raise FetchFailed(f"{source} is not a sequence-classification checkpoint (its "
                          f"architectures: {', '.join(architectures) or 'none'})")
    problem = config.problem_type
    if problem is None and config.num_labels > 1:
        problem = "single_label_classification"  # what transformers assumes for it
    if problem not in ACTIVATION_OF:
        raise FetchFailed(f"{source} has a {problem or 'regression'} head with "
                          f"{config.num_labels} output(s): its outputs are no probabilities")
    return ACTIVATION_OF[problem]


def _resolve_labels(labels: Mapping[str, str], id2label: Mapping[int, str]) -> dict[str, int]:
    """``{category: output index}`` for ``{category: label name or index}``."""
    index_of = {label: index for index, label in id2label.items()}
    resolved = {}
    for category, label in labels.items():
        if label in index_of:
            resolved[category] = index_of[label]
        elif label.isdigit() and int(label) in id2label:
            resolved[category] = int(label)
        else:
            known = ", ".join(f"{index}={name}" for index, name in sorted(id2label.items()))
            raise ValueError(f"unknown label {label!r} for {category}; the checkpoint's "
                             f"labels: {known}")
    return resolved


def _refuse_other_kinds(cache_dir: Path, name: str) -> None:
    """A detoxify model under the same name stays: a worker would read the wrong kind."""
    found = published(cache_dir, name)
    if found is not None and not (isinstance(found[1], dict) and found[1].get("kind") == KIND):
        raise FetchFailed(f"{cache_dir / name} holds another kind of model; choose another "
                          "name with --as")


def _manifest_problem(manifest: object, name: str, folder: Path) -> str | None:
    """Why a manifest does not describe the files beside it, or ``None`` if it does."""
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT \
            or manifest.get("kind") != KIND:
        return f"{MANIFEST} is not a format-{MANIFEST_FORMAT} {KIND} manifest"
    if manifest.get("model") != name:
        return f"{MANIFEST} describes {manifest.get('model')!r}"
    if manifest.get("activation") not in ACTIVATIONS or not manifest.get("labels"):
        return f"{MANIFEST} has no activation or no label map"
    for file, recorded in manifest.get("files", {}).items():
        try:
            size = (folder / file).stat().st_size
        except OSError:
            return f"{file} is missing"
        if size != recorded.get("bytes"):
            return f"{file} has {size} bytes, the manifest says {recorded.get('bytes')}"
    return None
