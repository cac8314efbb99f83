"""A cache of detoxify models that load with no network at all (``HF_HUB_OFFLINE=1``).

``fetch_model`` downloads a published detoxify checkpoint and the Hugging Face config and
tokenizer files it needs, and fixes them up for offline loading: detoxify always loads the
config named by the checkpoint's ``model_type`` (a hub name in the published checkpoints), so
that is rewritten to the local config folder, whose ``config.json`` gets the checkpoint's class
count as ``num_labels`` (see ``/work/shared/detoxify-notes.md``, pitfalls 2 and 3).

Layout of a cache folder::

    <cache>/multilingual -> .multilingual.k2x9q1ab     relative link, swapped atomically
    <cache>/.multilingual.k2x9q1ab/checkpoint.ckpt     model_type = this folder's hf/, absolute
                                  /hf/                 config.json + tokenizer files
                                  /manifest.json       written last: the folder is complete

A model is built in its own hidden folder, verified there (it must load through detoxify with
the Hub switched off and score a German sentence), and only then published by replacing the
link (``model_cache.publish``). The checkpoint holds absolute paths: the cache must be used at
the path it was fetched to. ``moderation model fetch`` then installs it as the candidate partner
of compact-de (``services.model_versions``, kind ``transformer``): an unchanged copy in the model
store, which ``detoxify_in`` reads and ``DetoxifyScorer`` loads with the config from the copy's
``hf/`` (never from the path saved in the checkpoint), so it outlives this cache folder.

torch, transformers and detoxify are imported only by ``fetch_model``; ``cached_model`` (what
a worker calls before building its scorer) needs none of them.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.error import HTTPError

from moderation.clock import Clock, utcnow
from moderation.scoring.model_cache import (
    CHECK_TEXT,
    MANIFEST,
    FetchFailed,
    cause,
    check_offline,
    file_sha256,
    publish,
    published,
    versions,
)

__all__ = ["CachedModel", "FetchFailed", "cached_model", "detoxify_in", "fetch_model"]

CHECKPOINT = "checkpoint.ckpt"
CONFIG_DIR = "hf"
MANIFEST_FORMAT = 1
# The manifest's marker beside a Hugging Face classifier's ``transformer``; fetches from
# before it was written have none, but a checkpoint.
KIND = "detoxify"

# Their versions go into the manifest: they decide how the files are read.
_PACKAGES = ("detoxify", "torch", "transformers", "huggingface_hub")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CachedModel:
    """A fetched model: ``DetoxifyScorer(checkpoint=..., config_dir=...)`` loads it offline."""

    model: str
    checkpoint: Path
    config_dir: Path
    manifest: dict[str, Any]


def fetch_model(
    model: str,
    cache_dir: Path,
    *,
    checkpoint_url: str | None = None,
    hub_source: str | None = None,
    sha256: str | None = None,
    progress: bool = True,
    clock: Clock = utcnow,
) -> CachedModel:
    """Download detoxify's ``model`` into ``cache_dir`` so it loads offline; replace any
    earlier fetch of it only once the new one is complete and verified.

    ``checkpoint_url`` (http(s):// or file://) defaults to detoxify's published checkpoint;
    ``hub_source`` (a Hub name or a local folder) to the checkpoint's ``model_type``. With
    ``sha256``, a download with another digest is refused. Raises ``ValueError`` for an
    unknown model and ``FetchFailed`` for everything that goes wrong later.
    """
    import detoxify

    urls = detoxify.detoxify.MODEL_URLS
    if model not in urls:
        raise ValueError(f"unknown detoxify model {model!r}; choose one of: {', '.join(urls)}")
    url = checkpoint_url or urls[model]
    folder, manifest = publish(
        cache_dir, model,
        lambda into: _build(model, into, url, hub_source, sha256, progress, clock),
    )
    return CachedModel(model, folder / CHECKPOINT, folder / CONFIG_DIR, manifest)


def cached_model(model: str, cache_dir: Path) -> CachedModel | None:
    """The fetched ``model`` in ``cache_dir``, or ``None`` where it was never fetched, is
    incomplete, damaged or was moved away from the path it was fetched to (the reason is
    logged)."""
    found = published(cache_dir, model)
    if found is None:
        return None
    folder, manifest = found
    checkpoint, config_dir = folder / CHECKPOINT, folder / CONFIG_DIR
    problem = _manifest_problem(manifest, model, checkpoint, config_dir)
    if problem:
        log.warning("cannot use %s: %s; fetch %s again", cache_dir / model, problem, model)
        return None
    return CachedModel(model, checkpoint, config_dir, manifest)


def detoxify_in(folder: Path) -> CachedModel | None:
    """The fetched detoxify model in ``folder`` itself (a cache entry, or its copy in the
    model store, which may lie anywhere), or ``None`` where there is none or its manifest
    does not describe it (logged)."""
    manifest = _folder_manifest(folder)
    if not is_detoxify_manifest(manifest):
        return None
    checkpoint, config_dir = folder / CHECKPOINT, folder / CONFIG_DIR
    problem = _manifest_problem(manifest, manifest.get("model"), checkpoint, config_dir,
                                moved=True)
    if problem:
        log.warning("cannot use %s: %s", folder, problem)
        return None
    return CachedModel(manifest["model"], checkpoint, config_dir, manifest)


def is_detoxify_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a fetched detoxify model's manifest."""
    return is_detoxify_manifest(_folder_manifest(folder))


def is_detoxify_manifest(manifest: object) -> bool:
    """A detoxify fetch's manifest: marked so, or (fetched before the marker) naming a
    checkpoint and no other kind."""
    return isinstance(manifest, dict) and manifest.get("kind", KIND) == KIND \
        and "checkpoint_bytes" in manifest


def _folder_manifest(folder: Path) -> Any:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _manifest_problem(
    manifest: object, model: object, checkpoint: Path, config_dir: Path, *, moved: bool = False
) -> str | None:
    """Why a manifest does not describe the files beside it, or ``None`` if it does.
    ``moved``: a copy, which loads with its own config folder wherever it lies."""
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        return f"{MANIFEST} is not a format-{MANIFEST_FORMAT} manifest"
    if manifest.get("model") != model or not isinstance(model, str):
        return f"{MANIFEST} describes {manifest.get('model')!r}"
    if not moved and manifest.get("config_dir") != str(config_dir):
        # The checkpoint names its config folder by absolute path.
        return f"it was fetched to {manifest.get('config_dir')}, not here"
    if not (config_dir / "config.json").is_file():
        return "config.json is missing"
    try:
        size = checkpoint.stat().st_size
    except OSError:
        return f"{CHECKPOINT} is missing"
    expected = manifest.get("checkpoint_bytes")
    if size != expected:
        return f"{CHECKPOINT} has {size} bytes, the manifest says {expected}"
    return None


def _build(
    model: str,
    folder: Path,
    url: str,
    hub_source: str | None,
    expected_sha256: str | None,
    progress: bool,
    clock: Clock,
) -> dict[str, Any]:
    """Fill ``folder`` with the fixed-up checkpoint and its config folder; return the
    manifest."""
    import torch
    from torch.hub import download_url_to_file

    download = folder / "download.partial"
    try:
        download_url_to_file(url, str(download), progress=progress)
    except Exception as exc:
        if isinstance(exc, HTTPError):
            exc.close()  # it holds the server's answer, socket included; torch.hub leaves it open
        raise FetchFailed(f"cannot download {url}: {cause(exc)}") from exc
    source_sha256 = file_sha256(download)
    if expected_sha256 is not None and source_sha256 != expected_sha256.lower():
        raise FetchFailed(
            f"{url} has sha256 {source_sha256}, expected {expected_sha256}; not cached"
        )
    source_bytes = download.stat().st_size
    try:
        checkpoint = torch.load(download, map_location="cpu", weights_only=False)
        args = checkpoint["config"]["arch"]["args"]
        classes = list(checkpoint["config"]["dataset"]["args"]["classes"])
        hub = hub_source or args["model_type"]
        model_class, tokenizer_class = args["model_name"], args["tokenizer_name"]
    except Exception as exc:
        raise FetchFailed(f"{url} is not a detoxify checkpoint ({cause(exc)})") from exc
    download.unlink()  # the fixed-up copy replaces it: one checkpoint on disk at a time

    config_dir = folder / CONFIG_DIR
    revision = _fetch_config_and_tokenizer(hub, len(classes), config_dir)
    args["model_type"] = str(config_dir)
    torch.save(checkpoint, folder / CHECKPOINT)
    del checkpoint, args

    scorer_version, scores = _check_offline(folder / CHECKPOINT, config_dir)
    manifest = {
        "format": MANIFEST_FORMAT,
        "kind": KIND,
        "model": model,
        "source": {"url": url, "sha256": source_sha256, "bytes": source_bytes},
        "hub": {"source": hub, "revision": revision},
        "checkpoint_bytes": (folder / CHECKPOINT).stat().st_size,
        "config_dir": str(config_dir),
        "classes": list(scores),
        "model_class": model_class,
        "tokenizer_class": tokenizer_class,
        "scorer_version": scorer_version,
        "check": {"text": CHECK_TEXT, "scores": scores},
        # What installing it checks the files against.
        "files": {path.relative_to(folder).as_posix(): {"bytes": path.stat().st_size,
                                                        "sha256": file_sha256(path)}
                  for path in sorted(folder.rglob("*")) if path.is_file()},
        "packages": versions(_PACKAGES),
        "fetched_at": clock().isoformat(),
    }
    return manifest


def _fetch_config_and_tokenizer(hub: str, num_labels: int, config_dir: Path) -> str | None:
    """Save ``hub``'s config (with ``num_labels``) and tokenizer into ``config_dir``; return
    the Hub revision they came from (``None`` for a local folder)."""
    from huggingface_hub import scan_cache_dir
    from transformers import AutoConfig, AutoTokenizer

    # A private download cache: the model must not work only because ~/.cache/huggingface
    # happens to hold these files on the machine that fetched it.
    with tempfile.TemporaryDirectory(prefix=".hub-", dir=config_dir.parent) as hub_cache:
        try:
            config = AutoConfig.from_pretrained(hub, num_labels=num_labels, cache_dir=hub_cache)
            tokenizer = AutoTokenizer.from_pretrained(hub, cache_dir=hub_cache)
        except Exception as exc:
            raise FetchFailed(
                f"cannot fetch the Hugging Face config and tokenizer {hub!r}: {cause(exc)}"
            ) from exc
        # Files from the Hub land in snapshots named by commit; a local folder leaves none.
        commits = {
            revision.commit_hash
            for repo in scan_cache_dir(hub_cache).repos
            for revision in repo.revisions
        }
    config.save_pretrained(config_dir)
    tokenizer.save_pretrained(config_dir)
    return commits.pop() if len(commits) == 1 else None


def _check_offline(checkpoint: Path, config_dir: Path) -> tuple[str, dict[str, float]]:
    from moderation.scoring.detoxify import DetoxifyScorer

    return check_offline(
        lambda: DetoxifyScorer(checkpoint=str(checkpoint), config_dir=str(config_dir))
    )
