"""fetch_model / cached_model against a local stand-in for detoxify's releases and the Hub.

The "published" checkpoint is served over HTTP from 127.0.0.1 (or read through a file:// URL);
its config and tokenizer come from a local folder laid out like a Hub repository. The Hub is
switched off for every test, so nothing here can reach the real network.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import moderation
from moderation.scoring.cache import CachedModel, FetchFailed, cached_model, fetch_model
from moderation.scoring.detoxify import DetoxifyScorer
from tests.support.fake_hub import CHECKPOINT_NAME, Release, build_release, serve_folder
from tests.support.tiny_detoxify import CATEGORIES

if TYPE_CHECKING:
    from tests.conftest import FrozenClock

MODEL = "multilingual"
TEXTS = [
    "Danke für den Artikel, sehr gut!",
    "Du Idiot, halt dein Maul.",
    "Schöne Grüße aus der Straße, ÄÖÜ und ẞ!",
]


@pytest.fixture(autouse=True)
def hub_off(tiny_detoxify: tuple[Path, Path]) -> None:
    """The ``tiny_detoxify`` fixture switches the Hugging Face Hub off for the session."""
    from huggingface_hub import constants

    assert constants.HF_HUB_OFFLINE


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    return build_release(tmp_path_factory.mktemp("release"))


@pytest.fixture(scope="module")
def server(release: Release) -> Iterator[str]:
    with serve_folder(release.www) as base_url:
        yield base_url


@pytest.fixture
def url(server: str) -> str:
    return f"{server}/{CHECKPOINT_NAME}"


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "models"


def fetch(url: str, cache: Path, **options: object) -> CachedModel:
    return fetch_model(MODEL, cache, checkpoint_url=url, progress=False, **options)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def scorer(model: CachedModel) -> DetoxifyScorer:
    return DetoxifyScorer(checkpoint=str(model.checkpoint), config_dir=str(model.config_dir))


def assert_nothing_cached(cache: Path) -> None:
    assert not cache.exists() or list(cache.iterdir()) == []
    assert cached_model(MODEL, cache) is None


# --- a successful fetch -------------------------------------------------------------------


def test_fetch_writes_a_model_that_needs_no_hub(
    release: Release, url: str, cache: Path, clock: FrozenClock
) -> None:
    import torch
    from transformers import AutoConfig

    fetched = fetch(url, cache, clock=clock)

    entry = cache / MODEL
    assert entry.is_symlink()
    folder = entry.resolve()
    assert sorted(p.name for p in cache.iterdir()) == sorted([MODEL, folder.name])
    assert sorted(p.name for p in folder.iterdir()) == ["checkpoint.ckpt", "hf", "manifest.json"]
    assert fetched.checkpoint == folder / "checkpoint.ckpt"
    assert fetched.config_dir == folder / "hf"
    assert {"config.json", "tokenizer_config.json", "tokenizer.json"} <= {
        p.name for p in fetched.config_dir.iterdir()
    }
    # The Hub's config.json has transformers' default of 2 labels; the checkpoint has 7.
    assert AutoConfig.from_pretrained(release.hub_dir).num_labels == 2
    assert AutoConfig.from_pretrained(fetched.config_dir).num_labels == len(CATEGORIES)

    content = torch.load(fetched.checkpoint, map_location="cpu", weights_only=False)
    model_type = content["config"]["arch"]["args"]["model_type"]
    assert model_type == str(fetched.config_dir) and Path(model_type).is_absolute()
    published = torch.load(release.checkpoint, map_location="cpu", weights_only=False)
    assert content["state_dict"].keys() == published["state_dict"].keys()
    assert all(torch.equal(content["state_dict"][k], v) for k, v in published["state_dict"].items())

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == fetched.manifest
    assert manifest["model"] == MODEL
    assert manifest["source"] == {
        "url": url,
        "sha256": sha256(release.checkpoint),
        "bytes": release.checkpoint.stat().st_size,
    }
    assert manifest["hub"] == {"source": str(release.hub_dir), "revision": None}  # a folder
    assert manifest["classes"] == list(CATEGORIES)
    assert manifest["config_dir"] == str(fetched.config_dir)
    assert manifest["fetched_at"] == "2026-11-25T09:30:00+00:00"
    assert manifest["check"]["text"].startswith("Schöne Grüße")
    assert list(manifest["check"]["scores"]) == list(CATEGORIES)

    assert cached_model(MODEL, cache) == fetched


def test_fetched_model_scores_exactly_like_the_original(
    tiny_detoxify: tuple[Path, Path], url: str, cache: Path
) -> None:
    original_checkpoint, original_config = tiny_detoxify
    original = DetoxifyScorer(checkpoint=str(original_checkpoint), config_dir=str(original_config))

    fetch(url, cache)
    found = cached_model(MODEL, cache)

    assert found is not None
    fetched = scorer(found)
    assert fetched.version == found.manifest["scorer_version"]
    assert fetched.score(TEXTS) == original.score(TEXTS)
    assert fetched.score([found.manifest["check"]["text"]]) == [found.manifest["check"]["scores"]]


def test_a_fresh_offline_process_with_an_empty_hub_cache_loads_it(
    url: str, cache: Path, tmp_path: Path
) -> None:
    """What a worker in a Docker image sees: HF_HUB_OFFLINE=1 from the start, no ~/.cache."""
    fetched = fetch(url, cache)
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from moderation.scoring.cache import cached_model\n"
        "from moderation.scoring.detoxify import DetoxifyScorer\n"
        "model = cached_model('multilingual', Path(sys.argv[1]))\n"
        "scorer = DetoxifyScorer(checkpoint=str(model.checkpoint),"
        " config_dir=str(model.config_dir))\n"
        "print(json.dumps(scorer.score([model.manifest['check']['text']])[0]))\n"
    )
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(tmp_path / "empty-hf-home"),
        "PYTHONPATH": str(Path(moderation.__file__).parents[1]),
    }

    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code, str(cache)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == fetched.manifest["check"]["scores"]


def test_hub_source_overrides_the_checkpoints_model_type(tmp_path: Path, cache: Path) -> None:
    import torch

    release = build_release(tmp_path / "release", model_type="unitary/not-on-this-machine")

    fetched = fetch(release.checkpoint.as_uri(), cache, hub_source=str(release.hub_dir))

    assert fetched.manifest["source"]["url"].startswith("file://")
    assert fetched.manifest["hub"]["source"] == str(release.hub_dir)
    content = torch.load(fetched.checkpoint, map_location="cpu", weights_only=False)
    assert content["config"]["arch"]["args"]["model_type"] == str(fetched.config_dir)
    assert scorer(fetched).score(TEXTS)


def test_sha256_pin(release: Release, url: str, cache: Path) -> None:
    fetched = fetch(url, cache, sha256=sha256(release.checkpoint).upper())

    assert fetched.manifest["source"]["sha256"] == sha256(release.checkpoint)


# --- fetching again -----------------------------------------------------------------------


def test_refetch_replaces_the_model_and_clears_leftovers(
    release: Release, url: str, cache: Path, tmp_path: Path, clock: FrozenClock
) -> None:
    import torch

    first = fetch(url, cache, clock=clock)
    leftover = cache / f".{MODEL}.interrupted"  # what a fetch killed mid-way leaves
    (leftover / "hf").mkdir(parents=True)
    retrained = tmp_path / "retrained.ckpt"
    content = torch.load(release.checkpoint, map_location="cpu", weights_only=False)
    content["state_dict"]["classifier.bias"] += 1.0
    torch.save(content, retrained)
    clock.advance(days=1)

    second = fetch(retrained.as_uri(), cache, clock=clock)

    assert second.checkpoint.parent != first.checkpoint.parent
    assert not first.checkpoint.parent.exists()
    assert not leftover.exists()
    assert sorted(p.name for p in cache.iterdir()) == sorted([MODEL, second.checkpoint.parent.name])
    assert cached_model(MODEL, cache) == second
    assert second.manifest["source"]["sha256"] == sha256(retrained)
    assert second.manifest["fetched_at"] == "2026-11-26T09:30:00+00:00"
    assert second.manifest["check"]["scores"] != first.manifest["check"]["scores"]


def test_failed_refetch_keeps_the_previous_model(url: str, cache: Path) -> None:
    first = fetch(url, cache)
    before = sorted(cache.iterdir())

    with pytest.raises(FetchFailed):
        fetch("http://127.0.0.1:1/x.ckpt", cache)

    assert sorted(cache.iterdir()) == before
    assert cached_model(MODEL, cache) == first
    assert scorer(first).score(TEXTS)


def test_refuses_to_replace_a_folder_it_did_not_write(url: str, cache: Path) -> None:
    foreign = cache / MODEL
    foreign.mkdir(parents=True)
    (foreign / "notes.txt").write_text("Größe: mittel", encoding="utf-8")

    with pytest.raises(FetchFailed, match="move it away"):
        fetch(url, cache)

    assert sorted(p.name for p in cache.iterdir()) == [MODEL]
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "Größe: mittel"


# --- failures leave nothing behind --------------------------------------------------------


@pytest.mark.parametrize("where", ["unreachable", "not-on-server", "missing-file"])
def test_download_failure(where: str, server: str, cache: Path, tmp_path: Path) -> None:
    url, cause = {
        "unreachable": ("http://127.0.0.1:1/x.ckpt", "Connection refused"),
        "not-on-server": (f"{server}/gone-0000.ckpt", "HTTP Error 404"),
        "missing-file": ((tmp_path / "gone.ckpt").as_uri(), "No such file"),
    }[where]

    with pytest.raises(FetchFailed, match="cannot download") as raised:
        fetch(url, cache)

    assert url in str(raised.value) and cause in str(raised.value)
    assert isinstance(raised.value, RuntimeError)
    assert_nothing_cached(cache)


def test_default_url_is_detoxifys_published_checkpoint(
    monkeypatch: pytest.MonkeyPatch, cache: Path
) -> None:
    """Sockets are cut so that no test ever downloads the real ~1 GB checkpoint."""
    import detoxify

    def no_network(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)

    with pytest.raises(FetchFailed) as raised:
        fetch_model(MODEL, cache, progress=False)

    assert detoxify.detoxify.MODEL_URLS[MODEL] in str(raised.value)
    assert "Name or service not known" in str(raised.value)
    assert_nothing_cached(cache)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "no-config"])
def test_corrupt_download(release: Release, cache: Path, tmp_path: Path, damage: str) -> None:
    import torch

    corrupt = tmp_path / "corrupt.ckpt"
    if damage == "garbage":
        corrupt.write_bytes(b"<html><body>Seite nicht gefunden</body></html>\n")
    elif damage == "truncated":
        corrupt.write_bytes(release.checkpoint.read_bytes()[:4096])
    else:
        content = torch.load(release.checkpoint, map_location="cpu", weights_only=False)
        torch.save({"state_dict": content["state_dict"]}, corrupt)

    with pytest.raises(FetchFailed, match="is not a detoxify checkpoint") as raised:
        fetch(corrupt.as_uri(), cache)

    assert corrupt.as_uri() in str(raised.value)
    assert_nothing_cached(cache)


def test_wrong_sha256_pin(url: str, cache: Path) -> None:
    with pytest.raises(FetchFailed, match="expected 00ff"):
        fetch(url, cache, sha256="00ff" * 16)

    assert_nothing_cached(cache)


def test_hub_failure(tmp_path: Path, cache: Path) -> None:
    release = build_release(tmp_path / "release", model_type="unitary/not-on-this-machine")

    with pytest.raises(FetchFailed, match="'unitary/not-on-this-machine'"):
        fetch(release.checkpoint.as_uri(), cache)

    assert_nothing_cached(cache)


def test_model_that_does_not_load_is_not_cached(
    release: Release, cache: Path, tmp_path: Path
) -> None:
    import torch

    # Three classes, but a classifier with seven outputs: the config gets num_labels=3.
    mismatched = tmp_path / "mismatched.ckpt"
    content = torch.load(release.checkpoint, map_location="cpu", weights_only=False)
    content["config"]["dataset"]["args"]["classes"] = list(CATEGORIES[:3])
    torch.save(content, mismatched)

    with pytest.raises(FetchFailed, match="does not work offline"):
        fetch(mismatched.as_uri(), cache)

    assert_nothing_cached(cache)


def test_cache_that_cannot_be_written(url: str, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "models"
    not_a_folder.write_text("Kommentar", encoding="utf-8")

    expected = f"cannot write 'multilingual' into {not_a_folder}"
    with pytest.raises(FetchFailed, match=re.escape(expected)):
        fetch(url, not_a_folder)

    assert not_a_folder.read_text(encoding="utf-8") == "Kommentar"


def test_unknown_model(cache: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown detoxify model 'huge'.*multilingual"):
        fetch_model("huge", cache, checkpoint_url="http://127.0.0.1:1/x.ckpt")

    assert not cache.exists()


# --- cached_model -------------------------------------------------------------------------


def test_nothing_fetched(cache: Path) -> None:
    assert cached_model(MODEL, cache) is None
    cache.mkdir()
    assert cached_model(MODEL, cache) is None


def test_fetch_killed_before_it_was_published(url: str, cache: Path, tmp_path: Path) -> None:
    """A fetch killed at any point before the link is replaced leaves only a hidden folder."""
    fetched = fetch(url, tmp_path / "elsewhere")
    cache.mkdir()
    shutil.copytree(fetched.checkpoint.parent, cache / f".{MODEL}.interrupted")
    (cache / f".{MODEL}.interrupted" / "manifest.json").unlink()

    assert cached_model(MODEL, cache) is None


@pytest.mark.parametrize(
    "damage", ["no-manifest", "bad-json", "other-model", "truncated", "no-config", "moved"]
)
def test_unusable_fetch(
    url: str, cache: Path, tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    fetched = fetch(url, cache)
    folder = fetched.checkpoint.parent
    manifest = folder / "manifest.json"
    if damage == "no-manifest":
        manifest.unlink()
    elif damage == "bad-json":
        manifest.write_text('{"format": 1, "model": "multi', encoding="utf-8")
    elif damage == "other-model":
        manifest.write_text(json.dumps({**fetched.manifest, "model": "original"}), encoding="utf-8")
    elif damage == "truncated":
        fetched.checkpoint.write_bytes(fetched.checkpoint.read_bytes()[:4096])
    elif damage == "no-config":
        (fetched.config_dir / "config.json").unlink()
    else:
        # The checkpoint names its config folder by absolute path: a copy elsewhere breaks it.
        shutil.copytree(cache, tmp_path / "moved", symlinks=True)
        cache = tmp_path / "moved"

    assert cached_model(MODEL, cache) is None
    assert "fetch" in caplog.text and MODEL in caplog.text


def test_not_a_model_name(cache: Path) -> None:
    with pytest.raises(ValueError, match="not a model name"):
        cached_model("../etc", cache)


def test_cached_model_needs_neither_torch_nor_transformers(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "for name in ('torch', 'transformers', 'detoxify', 'huggingface_hub'):\n"
        "    sys.modules[name] = None\n"
        "from moderation.scoring.cache import cached_model\n"
        "print(cached_model('multilingual', Path(sys.argv[1])))\n"
    )

    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=True,
    )

    assert result.stdout.strip() == "None"
