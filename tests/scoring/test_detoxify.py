"""DetoxifyScorer through detoxify's real loading code, with a tiny offline checkpoint."""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from moderation.scoring.base import ScorerUnavailable
from moderation.scoring.detoxify import DetoxifyScorer
from tests.support.tiny_detoxify import CATEGORIES
from tests.support.tolerance import SCORE_TOLERANCE

Checkpoint = tuple[Path, Path]

TEXTS = [
    "Danke für den Artikel, sehr gut!",
    "Du Idiot, halt dein Maul.",
    "Great article, thanks.",
]


def load(tiny: Checkpoint) -> DetoxifyScorer:
    checkpoint, config_dir = tiny
    return DetoxifyScorer(checkpoint=str(checkpoint), config_dir=str(config_dir))


def assert_close(left: list[dict[str, float]], right: list[dict[str, float]]) -> None:
    assert len(left) == len(right)
    for a, b in zip(left, right, strict=True):
        assert a.keys() == b.keys()
        assert all(math.isclose(a[k], b[k], abs_tol=SCORE_TOLERANCE) for k in a), (a, b)


def test_loads_offline_and_matches_detoxify_predict(tiny_detoxify: Checkpoint) -> None:
    import detoxify

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    checkpoint, config_dir = tiny_detoxify
    reference = detoxify.Detoxify(
        checkpoint=str(checkpoint), huggingface_config_path=str(config_dir)
    )

    scores = load(tiny_detoxify).score(TEXTS)

    expected = [
        {category: reference.predict(text)[category] for category in CATEGORIES} for text in TEXTS
    ]
    assert_close(scores, expected)


def test_one_mapping_of_the_seven_categories_per_text(tiny_detoxify: Checkpoint) -> None:
    scores = load(tiny_detoxify).score(TEXTS)

    assert len(scores) == len(TEXTS)
    for text_scores in scores:
        assert list(text_scores) == list(CATEGORIES)
        assert all(type(value) is float and 0.0 <= value <= 1.0 for value in text_scores.values())


def test_order_preserved_and_deterministic(tiny_detoxify: Checkpoint) -> None:
    scorer = load(tiny_detoxify)

    batch = scorer.score(TEXTS)
    singles = [scorer.score([text])[0] for text in TEXTS]

    # The texts score differently, so a reordering could not go unnoticed.
    assert all(abs(batch[0][c] - batch[1][c]) > 1e-3 for c in ("toxicity", "insult"))
    assert_close(batch, singles)
    assert_close(scorer.score(TEXTS[::-1]), batch[::-1])
    assert_close(scorer.score([TEXTS[1], TEXTS[0], TEXTS[1]]), [batch[1], batch[0], batch[1]])
    assert_close(load(tiny_detoxify).score(TEXTS), batch)


def test_german_unicode_and_emoji(tiny_detoxify: Checkpoint) -> None:
    texts = [
        "Schöne Grüße aus der Straße, ÄÖÜ und ẞ!",
        "Über den Kommentar: 😀🤬👍 \u2013 „gut“ …",
        "😡😡😡",
        "",
        "   \n\t",
    ]

    scores = load(tiny_detoxify).score(texts)

    assert len(scores) == len(texts)
    assert all(0.0 <= value <= 1.0 for s in scores for value in s.values())


def test_text_longer_than_the_model_limit(tiny_detoxify: Checkpoint) -> None:
    # About 1,000 tokens: far more than the 512 positions the model has.
    text = ("Danke für den Artikel, sehr gut! " * 200)[:5000]

    [scores] = load(tiny_detoxify).score([text])

    assert list(scores) == list(CATEGORIES)


def test_empty_input(tiny_detoxify: Checkpoint) -> None:
    assert load(tiny_detoxify).score([]) == []


def test_name_and_version_identify_the_weights(tiny_detoxify: Checkpoint, tmp_path: Path) -> None:
    import torch

    checkpoint, config_dir = tiny_detoxify
    copy = tmp_path / "copy.ckpt"
    shutil.copyfile(checkpoint, copy)
    changed = tmp_path / "changed.ckpt"
    content = torch.load(checkpoint, weights_only=False)
    content["state_dict"]["classifier.bias"] += 1.0
    torch.save(content, changed)

    scorer = load(tiny_detoxify)
    same = DetoxifyScorer(checkpoint=str(copy), config_dir=str(config_dir))
    retrained = DetoxifyScorer(checkpoint=str(changed), config_dir=str(config_dir))

    assert scorer.name == "detoxify-checkpoint"
    assert scorer.version.startswith(metadata.version("detoxify") + "+sha256.")
    assert same.version == scorer.version
    assert retrained.version != scorer.version


def test_missing_checkpoint(tiny_detoxify: Checkpoint, tmp_path: Path) -> None:
    _, config_dir = tiny_detoxify
    missing = tmp_path / "nowhere.ckpt"

    with pytest.raises(ScorerUnavailable, match="checkpoint not found") as raised:
        DetoxifyScorer(checkpoint=str(missing), config_dir=str(config_dir))
    assert str(missing) in str(raised.value)


def test_missing_config_dir(tiny_detoxify: Checkpoint, tmp_path: Path) -> None:
    checkpoint, _ = tiny_detoxify

    with pytest.raises(ScorerUnavailable, match="config folder not found"):
        DetoxifyScorer(checkpoint=str(checkpoint), config_dir=str(tmp_path / "absent"))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "no-config"])
def test_corrupt_checkpoint(tiny_detoxify: Checkpoint, tmp_path: Path, damage: str) -> None:
    import torch

    checkpoint, config_dir = tiny_detoxify
    corrupt = tmp_path / "corrupt.ckpt"
    if damage == "garbage":
        corrupt.write_bytes(b"version https://git-lfs.github.com/spec/v1\n")
    elif damage == "truncated":
        corrupt.write_bytes(checkpoint.read_bytes()[:4096])
    else:
        state_dict = torch.load(checkpoint, weights_only=False)["state_dict"]
        torch.save({"state_dict": state_dict}, corrupt)

    with pytest.raises(ScorerUnavailable, match="cannot load detoxify checkpoint") as raised:
        DetoxifyScorer(checkpoint=str(corrupt), config_dir=str(config_dir))
    assert str(corrupt) in str(raised.value)


def test_config_with_wrong_number_of_labels(tiny_detoxify: Checkpoint, tmp_path: Path) -> None:
    checkpoint, config_dir = tiny_detoxify
    two_labels = tmp_path / "config"
    shutil.copytree(config_dir, two_labels)
    config = json.loads((two_labels / "config.json").read_text())
    del config["id2label"], config["label2id"]  # transformers' default: 2 labels
    (two_labels / "config.json").write_text(json.dumps(config))

    with pytest.raises(ScorerUnavailable, match="num_labels"):
        DetoxifyScorer(checkpoint=str(checkpoint), config_dir=str(two_labels))


def test_detoxify_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "detoxify", None)

    with pytest.raises(ScorerUnavailable, match=r"moderation\[detoxify\]"):
        DetoxifyScorer()


def test_unknown_model() -> None:
    with pytest.raises(ScorerUnavailable, match=r"unknown detoxify model 'huge'.*multilingual"):
        DetoxifyScorer(model="huge")


def test_published_model_without_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """detoxify fetches published weights with torch.hub (plain urllib, no timeout, blind to
    HF_HUB_OFFLINE). Sockets are cut here so the test never downloads ~1 GB where a network
    exists; without one, name resolution fails the same way."""
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # no cached weights
    attempts: list[object] = []

    def no_network(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)

    with pytest.raises(ScorerUnavailable, match=r"'multilingual'.*checkpoint=") as raised:
        DetoxifyScorer(model="multilingual")
    assert attempts, "detoxify failed before trying to download"
    assert "URLError" in str(raised.value)


def test_module_imports_without_torch() -> None:
    code = (
        "import sys\n"
        "for name in ('torch', 'transformers', 'detoxify'):\n"
        "    sys.modules[name] = None\n"
        "from moderation.scoring.base import ScorerUnavailable\n"
        "from moderation.scoring.detoxify import DetoxifyScorer\n"
        "try:\n"
        "    DetoxifyScorer()\n"
        "except ScorerUnavailable as exc:\n"
        "    print(exc)\n"
    )

    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert "moderation[detoxify]" in result.stdout


def test_the_config_folder_wins_over_the_path_saved_in_the_checkpoint(
        tiny_detoxify: Checkpoint, tmp_path: Path) -> None:
    """A copied checkpoint (a registered version in the model store) names the folder it was
    fetched to, or a Hub name as the published ones do: its own config folder is read."""
    import torch

    checkpoint, config_dir = tiny_detoxify
    content = torch.load(checkpoint, map_location="cpu", weights_only=False)
    content["config"]["arch"]["args"]["model_type"] = "bert-base-uncased"  # offline: unknown
    moved = tmp_path / "kopie"
    moved.mkdir()
    torch.save(content, moved / "checkpoint.ckpt")
    shutil.copytree(config_dir, moved / "hf")

    scorer = DetoxifyScorer(checkpoint=str(moved / "checkpoint.ckpt"),
                            config_dir=str(moved / "hf"), name="detoxify-multilingual")

    assert_close(scorer.score(TEXTS), load(tiny_detoxify).score(TEXTS))
    assert scorer.name == "detoxify-multilingual"
