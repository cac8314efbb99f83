"""Training the compact model on a tiny German set: it loads, ranks, refuses test data and
repeats itself exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from moderation.scoring.compact import CompactScorer
from moderation.training.commands import train as train_command
from moderation.training.data import Columns, DataError, file_sha256
from moderation.training.train import TrainParams, train

SMALL = TrainParams(min_df=1, validation_fraction=0.2, calibration_fraction=0.2)


def test_trained_model_loads_and_ranks_toxic_above_harmless(tiny_csv: Path,
                                                             tmp_path: Path) -> None:
    train([tiny_csv], tmp_path / "model", params=SMALL)

    scorer = CompactScorer(tmp_path / "model")
    toxic, harmless = scorer.score(["Du bist ein dummer Idiot!", "Danke für den Artikel, Grüße"])
    assert set(toxic) == {"toxicity"}
    assert toxic["toxicity"] > harmless["toxicity"]


def test_manifest_records_parameters_data_and_version(tiny_csv: Path, tmp_path: Path) -> None:
    manifest = train([tiny_csv], tmp_path / "model", params=SMALL, command="moderation model "
                     "train --data tiny.csv")

    written = json.loads((tmp_path / "model" / "manifest.json").read_text(encoding="utf-8"))
    assert written == manifest
    assert written["parameters"]["method"] == "nbsvm"
    assert written["parameters"]["seed"] == 13
    assert written["parameters"]["min_df"] == 1
    assert written["data"][0]["name"] == "tiny.csv"
    assert written["data"][0]["sha256"] == file_sha256(tiny_csv)
    assert written["data"][0]["rows"] == 40  # the two test rows are not read
    assert written["command"] == "moderation model train --data tiny.csv"
    assert set(written["libraries"]) >= {"numpy", "scikit-learn", "python"}
    assert "toxicity" in written["validation"]
    assert CompactScorer(tmp_path / "model").version == written["version"]


def test_training_twice_gives_identical_files(tiny_csv: Path, tmp_path: Path) -> None:
    train([tiny_csv], tmp_path / "a", params=SMALL)
    train([tiny_csv], tmp_path / "b", params=SMALL)

    for name in ("model.npz", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_a_test_split_is_refused(tiny_csv: Path, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="refusing to train on the test split"):
        train([tiny_csv], tmp_path / "model", train_splits=("train", "test"), params=SMALL)
    assert not (tmp_path / "model").exists()


def test_train_command_refuses_test_split_and_writes_a_model(tiny_csv: Path,
                                                             tmp_path: Path) -> None:
    runner = CliRunner()
    refused = runner.invoke(train_command, ["--data", str(tiny_csv), "--train-split", "test",
                                            "--out", str(tmp_path / "refused")])
    assert refused.exit_code != 0
    assert "refusing to train on the test split" in refused.output

    result = runner.invoke(train_command, [
        "--data", str(tiny_csv), "--out", str(tmp_path / "model"), "--min-df", "1",
        "--validation-fraction", "0.2", "--calibration-fraction", "0.2"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "model" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"].startswith("moderation model train --data tiny.csv")
    assert "--out" not in manifest["command"]  # the same training, wherever it is written


def test_missing_label_column_is_a_clear_error(tiny_csv: Path, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no column 'klasse'"):
        train([tiny_csv], tmp_path / "model", columns=Columns(label="klasse"), params=SMALL)
