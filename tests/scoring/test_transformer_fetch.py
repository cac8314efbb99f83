"""`moderation model fetch --hub/--from`: any Hugging Face sequence classifier into the model
cache, with a label map, verified offline and published atomically; refusals are one line."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from moderation.cli import main
from moderation.scoring.transformer_cache import cached_transformer
from tests.support.tiny_transformer import build_checkpoint


@pytest.fixture(autouse=True)
def hub_off(offline_hub: None) -> None:
    """Every test here runs with the Hugging Face Hub switched off."""


def fetch(*arguments: str) -> Result:
    """Into the cache only: installing is tested in test_transformer_publish."""
    return CliRunner().invoke(main, ["model", "fetch", "--no-install", *arguments])


def from_folder(hub: Path, cache: Path, *labels: str, name: str = "gbert") -> Result:
    label_options = [part for label in labels for part in ("--label", label)]
    return fetch("--from", str(hub), "--as", name, "--cache", str(cache), *label_options)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused(result: Result, *words: str) -> None:
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # refused, no crash
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, result.output


def test_fetch_from_a_folder_publishes_a_verified_model(tiny_hub: Path, tmp_path: Path) -> None:
    cache = tmp_path / "models"

    result = from_folder(tiny_hub, cache, "toxicity=OFFENSE")

    assert result.exit_code == 0, result.output
    assert f"Fetched {tiny_hub} into {cache / 'gbert'}" in result.output
    assert "labels      toxicity=OFFENSE" in result.output
    assert "Not installed: `moderation model install --transformer gbert`" in result.output
    link = cache / "gbert"
    [folder] = [p for p in cache.iterdir() if p.name.startswith(".gbert.")]
    assert link.is_symlink() and os.readlink(link) == folder.name  # relative
    assert sorted(p.name for p in cache.iterdir()) == sorted(["gbert", folder.name])

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["format"], manifest["kind"], manifest["model"]) == (1, "transformer", "gbert")
    assert manifest["source"] == {"hub": None, "folder": str(tiny_hub.resolve()),
                                  "revision": None,
                                  "weights_sha256": sha256(tiny_hub / "model.safetensors")}
    assert manifest["problem_type"] == "single_label_classification"
    assert manifest["activation"] == "softmax"
    assert manifest["id2label"] == {"0": "OTHER", "1": "OFFENSE"}
    assert manifest["labels"] == {"toxicity": {"label": "OFFENSE", "index": 1}}
    assert manifest["architectures"] == ["BertForSequenceClassification"]
    assert manifest["weights_sha256"] == sha256(folder / "model.safetensors")
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= set(manifest["files"])
    for name, recorded in manifest["files"].items():
        assert recorded == {"bytes": (folder / name).stat().st_size,
                            "sha256": sha256(folder / name)}
    assert manifest["packages"]["transformers"] == metadata.version("transformers")
    assert manifest["scorer_version"] == manifest["weights_sha256"][:12]
    assert manifest["check"]["text"].startswith("Schöne Grüße")
    assert 0.0 <= manifest["check"]["scores"]["toxicity"] <= 1.0

    cached = cached_transformer("gbert", cache)
    assert cached is not None
    assert (cached.folder, cached.labels, cached.activation) == (
        folder, {"toxicity": 1}, "softmax")


def test_a_label_may_be_named_by_its_index_and_serve_several_categories(
        tiny_hub: Path, tmp_path: Path) -> None:
    result = from_folder(tiny_hub, tmp_path, "toxicity=1", "insult=OFFENSE")

    assert result.exit_code == 0, result.output
    cached = cached_transformer("gbert", tmp_path)
    assert cached is not None and cached.labels == {"toxicity": 1, "insult": 1}


def test_an_unknown_label_is_refused_with_the_checkpoints_labels(
        tiny_hub: Path, tmp_path: Path) -> None:
    result = from_folder(tiny_hub, tmp_path, "toxicity=OFENSE")

    refused(result, "unknown label 'OFENSE'", "0=OTHER, 1=OFFENSE")
    assert result.exit_code == 1
    assert list(tmp_path.iterdir()) == []
    refused(from_folder(tiny_hub, tmp_path, "toxicity=2"), "unknown label '2'")


def test_an_unknown_category_is_refused_with_ours(tiny_hub: Path, tmp_path: Path) -> None:
    result = from_folder(tiny_hub, tmp_path / "models", "beleidigung=OFFENSE")

    refused(result, "unknown category 'beleidigung'", "toxicity", "sexual_explicit")
    assert not (tmp_path / "models").exists()
    refused(from_folder(tiny_hub, tmp_path, "toxicity"), "is not CATEGORY=LABEL")
    refused(from_folder(tiny_hub, tmp_path, "toxicity=OFFENSE", "toxicity=OTHER"),
            "mapped twice")


@pytest.mark.parametrize("kind", ["empty", "text", "masked-lm", "regression"])
def test_a_folder_that_is_no_sequence_classifier_is_refused(
        kind: str, tmp_path: Path) -> None:
    hub = tmp_path / "hub"
    expected = "is not a Hugging Face checkpoint"
    if kind == "empty":
        hub.mkdir()
    elif kind == "text":
        hub.mkdir()
        (hub / "model.safetensors").write_text("Kein Modell, nur Grüße.", encoding="utf-8")
        (hub / "config.json").write_text("{", encoding="utf-8")
    elif kind == "masked-lm":
        build_checkpoint(hub, head=False)
        expected = ("is not a sequence-classification checkpoint "
                    "(its architectures: BertForMaskedLM)")
    else:
        build_checkpoint(hub, id2label={0: "OFFENSE"})
        expected = "regression head with 1 output(s)"

    result = from_folder(hub, tmp_path / "models", "toxicity=OFFENSE")

    refused(result, expected)
    assert list((tmp_path / "models").iterdir()) == []


def test_the_hub_without_network_is_a_clean_error(tmp_path: Path) -> None:
    result = fetch("--hub", "beispiel/gbert-nicht-hier", "--as", "gbert",
                   "--label", "toxicity=OFFENSE", "--cache", str(tmp_path))

    refused(result, "cannot fetch 'beispiel/gbert-nicht-hier' from the Hugging Face Hub")
    assert list(tmp_path.iterdir()) == []


def test_sha256_pin(tiny_hub: Path, tmp_path: Path) -> None:
    digest = sha256(tiny_hub / "model.safetensors")
    wrong = fetch("--from", str(tiny_hub), "--as", "gbert", "--label", "toxicity=OFFENSE",
                  "--cache", str(tmp_path), "--sha256", "0" * 64)
    refused(wrong, f"have sha256 {digest}, expected {'0' * 64}; not cached")

    right = fetch("--from", str(tiny_hub), "--as", "gbert", "--label", "toxicity=OFFENSE",
                  "--cache", str(tmp_path), "--sha256", digest.upper())
    assert right.exit_code == 0, right.output


def test_a_failed_refetch_keeps_the_model_and_a_good_one_replaces_it(
        tiny_hub: Path, tmp_path: Path) -> None:
    assert from_folder(tiny_hub, tmp_path, "toxicity=OFFENSE").exit_code == 0
    before = sorted(tmp_path.iterdir())

    refused(from_folder(tiny_hub, tmp_path, "toxicity=FEHLT"), "unknown label")
    assert sorted(tmp_path.iterdir()) == before

    assert from_folder(tiny_hub, tmp_path, "insult=OFFENSE").exit_code == 0
    [folder] = [p for p in tmp_path.iterdir() if p.name.startswith(".gbert.")]
    assert folder not in before  # the old version is gone
    cached = cached_transformer("gbert", tmp_path)
    assert cached is not None and cached.labels == {"insult": 1}


def test_a_detoxify_model_of_the_same_name_stays(tiny_hub: Path, tmp_path: Path) -> None:
    detoxify = tmp_path / ".multilingual.abc"
    detoxify.mkdir()
    (detoxify / "manifest.json").write_text(json.dumps({"format": 1, "model": "multilingual"}))
    (tmp_path / "multilingual").symlink_to(detoxify.name)

    result = from_folder(tiny_hub, tmp_path, "toxicity=OFFENSE", name="multilingual")

    refused(result, "holds another kind of model; choose another name with --as")
    assert os.readlink(tmp_path / "multilingual") == detoxify.name


@pytest.mark.parametrize(("arguments", "message"), [
    (["--label", "toxicity=OFFENSE"], "need --as NAME"),
    (["--as", "gbert"], "at least one --label"),
    (["--as", "gbert", "--label", "toxicity=OFFENSE", "--hub", "x/y"], "either --hub"),
    (["--as", "gbert", "--label", "toxicity=OFFENSE", "--checkpoint-url", "x.ckpt"],
     "--checkpoint-url fetch detoxify's models"),
    (["--as", "gbert", "--label", "toxicity=OFFENSE", "--model", "original"],
     "--model fetch detoxify's models"),
    (["--as", "../gbert", "--label", "toxicity=OFFENSE"], "not a model name"),
])
def test_usage_errors(arguments: list[str], message: str, tiny_hub: Path,
                      tmp_path: Path) -> None:
    result = fetch("--from", str(tiny_hub), "--cache", str(tmp_path), *arguments)

    refused(result, message)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("damage", ["no-manifest", "other-model", "truncated", "no-tokenizer"])
def test_a_damaged_fetch_is_not_used(damage: str, tiny_hub: Path, tmp_path: Path,
                                     caplog: pytest.LogCaptureFixture) -> None:
    assert from_folder(tiny_hub, tmp_path, "toxicity=OFFENSE").exit_code == 0
    folder = (tmp_path / "gbert").resolve()
    manifest = folder / "manifest.json"
    if damage == "no-manifest":
        manifest.unlink()
    elif damage == "other-model":
        content = json.loads(manifest.read_text(encoding="utf-8"))
        manifest.write_text(json.dumps({**content, "model": "anderes"}), encoding="utf-8")
    elif damage == "truncated":
        weights = folder / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[:4096])
    else:
        (folder / "tokenizer.json").unlink()

    with caplog.at_level(logging.WARNING):
        assert cached_transformer("gbert", tmp_path) is None
    assert "fetch" in caplog.text and "gbert" in caplog.text


def test_a_moved_cache_still_loads(tiny_hub: Path, tmp_path: Path) -> None:
    """No absolute paths inside: the whole cache may be copied into an image elsewhere."""
    assert from_folder(tiny_hub, tmp_path / "a", "toxicity=OFFENSE").exit_code == 0
    (tmp_path / "a").rename(tmp_path / "b")

    assert cached_transformer("gbert", tmp_path / "b") is not None


def test_reading_the_cache_needs_neither_torch_nor_transformers(tiny_cache: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "for name in ('torch', 'transformers', 'tokenizers', 'huggingface_hub'):\n"
        "    sys.modules[name] = None\n"
        "from moderation.scoring.transformer_cache import cached_transformer\n"
        "print(cached_transformer('gbert', Path(sys.argv[1])).labels)\n"
    )

    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code, str(tiny_cache)],
        capture_output=True, text=True, timeout=60, check=True,
    )

    assert result.stdout.strip() == "{'toxicity': 1}"
