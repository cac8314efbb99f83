"""DetoxifyScorer on ONNX Runtime: exported once, cached on disk, float32 and int8."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from moderation.scoring.base import ScorerUnavailable
from moderation.scoring.detoxify import DetoxifyScorer

Checkpoint = tuple[Path, Path]

TEXTS = [
    "Danke für den Artikel, sehr gut!",
    "Du Idiot, halt dein Maul.",
    "",
    "Über den Kommentar: 😀🤬👍 – „gut“ …",
    "Du Idiot, halt dein Maul! " * 60,  # two windows
    "Schöne Grüße aus der Straße!",
]


def load(checkpoint: Path, config_dir: Path, **options: object) -> DetoxifyScorer:
    return DetoxifyScorer(checkpoint=str(checkpoint), config_dir=str(config_dir), **options)


def all_differences(left: list[dict[str, float]], right: list[dict[str, float]]) -> list[float]:
    return [abs(a[c] - b[c]) for a, b in zip(left, right, strict=True) for c in a]


def max_difference(left: list[dict[str, float]], right: list[dict[str, float]]) -> float:
    return max(all_differences(left, right))


@pytest.fixture
def checkpoint(tiny_detoxify: Checkpoint, tmp_path: Path) -> Path:
    """A copy of the tiny checkpoint in its own folder, where exports land by default."""
    copy = tmp_path / "model" / "tiny.ckpt"
    copy.parent.mkdir()
    shutil.copyfile(tiny_detoxify[0], copy)
    return copy


def test_onnx_float_scores_like_torch(checkpoint: Path, tiny_detoxify: Checkpoint) -> None:
    config_dir = tiny_detoxify[1]
    torch_scores = load(checkpoint, config_dir).score(TEXTS)

    scorer = load(checkpoint, config_dir, quantize="onnx")

    # Padded batches of several lengths, in another shape than the one traced at export.
    assert max_difference(scorer.score(TEXTS), torch_scores) < 1e-4
    assert scorer.version == load(checkpoint, config_dir).version + "+onnx-fp32"
    [export] = checkpoint.parent.glob("*.onnx")
    assert export.name.endswith(".fp32.onnx")


def test_onnx_int8_scores_close_to_torch(checkpoint: Path, tiny_detoxify: Checkpoint,
                                         tmp_path: Path) -> None:
    config_dir = tiny_detoxify[1]
    folder = tmp_path / "onnx-cache"
    torch_scores = load(checkpoint, config_dir).score(TEXTS)

    scorer = load(checkpoint, config_dir, quantize="onnx-int8", onnx_dir=str(folder))

    differences = all_differences(scorer.score(TEXTS), torch_scores)
    # The tiny model's wide random weights magnify rounding (see test_detoxify_quantize).
    assert sum(differences) / len(differences) < 0.05
    assert 0 < max(differences) < 0.2
    assert scorer.version.endswith("+onnx-int8")
    [int8] = folder.glob("*.int8.onnx")
    [fp32] = folder.glob("*.fp32.onnx")
    assert int8.stat().st_size < fp32.stat().st_size
    assert not list(checkpoint.parent.glob("*.onnx"))


def test_onnx_int8_scores_do_not_depend_on_the_other_comments(
    checkpoint: Path, tiny_detoxify: Checkpoint
) -> None:
    scorer = load(checkpoint, tiny_detoxify[1], quantize="onnx-int8")

    together = scorer.score(TEXTS)

    assert together == [scorer.score([text])[0] for text in TEXTS]


def test_second_start_reuses_the_export(checkpoint: Path, tiny_detoxify: Checkpoint,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from moderation.scoring import onnx_backend

    config_dir = tiny_detoxify[1]
    first = load(checkpoint, config_dir, quantize="onnx-int8")
    files = {p: p.stat().st_mtime_ns for p in checkpoint.parent.glob("*.onnx")}

    def no_export(*args: object) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(onnx_backend, "export", no_export)
    monkeypatch.setattr(onnx_backend, "quantize", no_export)
    second = load(checkpoint, config_dir, quantize="onnx-int8")

    assert second.score(TEXTS) == first.score(TEXTS)
    assert {p: p.stat().st_mtime_ns for p in checkpoint.parent.glob("*.onnx")} == files
    assert len(files) == 2


def test_changed_weights_get_their_own_export(checkpoint: Path, tiny_detoxify: Checkpoint,
                                              tmp_path: Path) -> None:
    import torch

    config_dir = tiny_detoxify[1]
    changed = tmp_path / "model" / "changed.ckpt"
    content = torch.load(checkpoint, weights_only=False)
    content["state_dict"]["classifier.bias"] += 1.0
    torch.save(content, changed)

    original = load(checkpoint, config_dir, quantize="onnx")
    retrained = load(changed, config_dir, quantize="onnx")

    assert len(list(checkpoint.parent.glob("*.fp32.onnx"))) == 2
    assert max_difference(original.score(TEXTS), retrained.score(TEXTS)) > 0.01


def test_unwritable_folder(checkpoint: Path, tiny_detoxify: Checkpoint, tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("not a folder")

    with pytest.raises(ScorerUnavailable, match="cannot write the ONNX model"):
        load(checkpoint, tiny_detoxify[1], quantize="onnx", onnx_dir=str(a_file / "onnx"))


def test_damaged_export(checkpoint: Path, tiny_detoxify: Checkpoint) -> None:
    load(checkpoint, tiny_detoxify[1], quantize="onnx")
    [export] = checkpoint.parent.glob("*.fp32.onnx")
    export.write_bytes(b"\x00" * 100)

    with pytest.raises(ScorerUnavailable, match="delete it"):
        load(checkpoint, tiny_detoxify[1], quantize="onnx")


def test_failed_export(checkpoint: Path, tiny_detoxify: Checkpoint,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Unsupported: ONNX export of operator foo")

    monkeypatch.setattr(torch.onnx, "export", broken)

    with pytest.raises(ScorerUnavailable, match=r"cannot export the model to ONNX.*foo"):
        load(checkpoint, tiny_detoxify[1], quantize="onnx")
    assert not list(checkpoint.parent.glob("*.onnx*"))


def test_onnx_runtime_not_installed(checkpoint: Path, tiny_detoxify: Checkpoint,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)

    with pytest.raises(ScorerUnavailable, match=r"moderation\[detoxify,onnx\]"):
        load(checkpoint, tiny_detoxify[1], quantize="onnx")
