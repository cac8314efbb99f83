"""The model cache's discipline, for every kind of fetched model (detoxify's checkpoints,
Hugging Face sequence classifiers).

A model is built in its own hidden folder (``<cache>/.<name>.<random>``) while the cache is
locked, verified there by the caller, and only then published by replacing the relative link
``<cache>/<name>`` in one step. A crash at any point leaves either the previous model or none,
never a half-fetched one. ``manifest.json`` is written last: a folder without one is an
interrupted fetch. Needs no torch: workers read manifests before they load anything heavy.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import math
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from moderation.scoring.base import Scorer, Scores

MANIFEST = "manifest.json"
# Scored once after fetching: a model must load offline and handle German text.
CHECK_TEXT = "Schöne Grüße, danke für den Kommentar über die Straße in München!"

_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")

log = logging.getLogger(__name__)


class FetchFailed(RuntimeError):
    """A model could not be fetched; nothing was added to the cache and nothing was replaced."""


def check_name(name: str) -> None:
    """Refuse a name that is no plain folder name (``../etc``): it becomes a path."""
    if not _MODEL_NAME.fullmatch(name):
        raise ValueError(f"not a model name: {name!r}")


def publish(cache_dir: Path, name: str, build: Callable[[Path], dict[str, Any]]
            ) -> tuple[Path, dict[str, Any]]:
    """Build ``name`` with ``build(folder)`` (it fills the folder and returns the manifest,
    which is written there last) and publish it as ``cache_dir/name``; delete the version it
    replaces. Returns the published folder and its manifest."""
    cache_dir = cache_dir.resolve()
    entry = cache_dir / name
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with _locked(cache_dir):
            if entry.exists() and not entry.is_symlink():
                raise FetchFailed(
                    f"{entry} was not written by 'moderation model fetch'; move it away first"
                )
            folder = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=cache_dir))
            try:
                # mkdtemp creates 0700; workers often run as another user than the image build.
                folder.chmod(0o755)
                manifest = build(folder)
                (folder / MANIFEST).write_text(
                    json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
                )
                _point(entry, folder)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            _remove_other_versions(cache_dir, name, keep=folder)
    except OSError as exc:  # the cache folder: permissions, a full disk
        raise FetchFailed(f"cannot write {name!r} into {cache_dir}: {cause(exc)}") from exc
    return folder, manifest


def published(cache_dir: Path, name: str) -> tuple[Path, Any] | None:
    """The folder ``cache_dir/name`` points to and its parsed manifest; ``None`` where it was
    never fetched, or the fetch was interrupted or its manifest is unreadable (logged)."""
    check_name(name)
    entry = cache_dir.resolve() / name
    if not entry.exists():
        return None
    folder = entry.resolve()
    path = folder / MANIFEST
    try:
        return folder, json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        log.warning("%s has no %s: an interrupted fetch; fetch it again", entry, MANIFEST)
    except (OSError, ValueError) as exc:
        log.warning("unreadable %s (%s); fetch %s again", path, exc, name)
    return None


def check_offline(load: Callable[[], Scorer]) -> tuple[str, Scores]:
    """Load a fetched model with ``load`` the way a worker does, with the Hub off, and score
    ``CHECK_TEXT``; return the scorer's version and the scores."""
    try:
        with hub_offline():
            scorer = load()
            [scores] = scorer.score([CHECK_TEXT])
    except Exception as exc:  # ScorerUnavailable from loading, anything from scoring
        raise FetchFailed(f"the fetched model does not work offline: {cause(exc)}") from exc
    if not scores or not all(math.isfinite(value) for value in scores.values()):
        raise FetchFailed(f"the fetched model scores {CHECK_TEXT!r} as {scores}")
    return scorer.version, scores


def versions(packages: tuple[str, ...]) -> dict[str, str]:
    """Installed versions of ``packages``, for a manifest: they decide how files are read."""
    return {name: metadata.version(name) for name in packages}


@contextmanager
def hub_offline() -> Iterator[None]:
    """Refuse every Hugging Face Hub request, as ``HF_HUB_OFFLINE=1`` does.

    huggingface_hub reads the variable once, at import, so its constant is switched instead.
    """
    from huggingface_hub import constants

    before = constants.HF_HUB_OFFLINE
    constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = before


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's content."""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def cause(exc: BaseException) -> str:
    """``Type: first line`` of an exception, for one-line error messages."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


@contextmanager
def _locked(cache_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``cache_dir`` (fetches there run one at a time)."""
    descriptor = os.open(cache_dir, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _point(entry: Path, folder: Path) -> None:
    """Make ``entry`` a link to ``folder`` in one step: readers see the old target or the new."""
    link = entry.with_name(f".link-{entry.name}-{uuid.uuid4().hex}")
    link.symlink_to(folder.name)
    try:
        link.replace(entry)
    except BaseException:
        link.unlink(missing_ok=True)
        raise


def _remove_other_versions(cache_dir: Path, name: str, keep: Path) -> None:
    """Delete ``name``'s replaced version and any left by interrupted fetches."""
    for folder in cache_dir.glob(f".{name}.*"):
        if folder != keep and folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
