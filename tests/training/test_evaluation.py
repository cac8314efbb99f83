"""`eval` on a hand-checked example: a tiny CSV and a scorer that returns fixed scores."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from moderation.policy import PolicySettings
from moderation.scoring.base import Scores
from moderation.training.commands import make_eval_command, run_eval
from moderation.training.data import Columns, DataError
from tests.training.conftest import write_csv

# text -> toxicity. With the default policy (review 0.42, reject 0.9):
# Bild 0.95 held (aimed at no one: a score alone never rejects), Käse 0.7 held, Größe 0.3
# approved (toxic: published), Grüße 0.6 held, Straße 0.2 and Übung 0.1 approved. "Du Bild"
# (aimed at someone) would be rejected. The "train" row is not read.
SCORES = {"Bild": 0.95, "Käse": 0.7, "Größe": 0.3, "Grüße": 0.6, "Straße": 0.2,
          "Übung": 0.1, "nicht gelesen": 0.99}
ROWS = [("Bild", "1", "test"), ("Käse", "true", "test"), ("Größe", "OFFENSE", "test"),
        ("Grüße", "0", "test"), ("Straße", "false", "test"), ("Übung", "OTHER", "test"),
        ("nicht gelesen", "1", "train")]
# By hand: ROC-AUC 8/9 (3 + 3 + 2 of 9 pairs ordered right); at 0.42: tp 2 (Bild, Käse),
# fp 1 (Grüße), fn 1 (Größe), tn 2: precision = recall = 2/3, F1 of both classes 2/3.
EXPECTED = {
    "scorer": "stub@1", "policy": "default", "rows": 6, "toxic": 3, "roc_auc": 0.8889,
    "cut_off": 0.42, "macro_f1": 0.6667, "precision": 0.6667, "recall": 0.6667,
    "approved": 3, "review": 3, "rejected": 0, "approved_share": 0.5,
    "review_share": 0.5, "rejected_share": 0.0, "toxic_published": 1,
}


class StubScorer:
    name = "stub"
    version = "1"

    def score(self, texts: list[str]) -> list[Scores]:
        return [{"toxicity": SCORES[t], "insult": 0.0} for t in texts]


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "kommentare.csv",
                     [{"text": t, "label": label, "split": split} for t, label, split in ROWS])


def invoke(*args: str):
    command = make_eval_command(lambda name, model: StubScorer())
    return CliRunner().invoke(command, list(args))


def test_figures_match_the_hand_computed_ones(labelled: Path) -> None:
    evaluation = run_eval(labelled, Columns(), "test", StubScorer(), PolicySettings())
    assert evaluation.as_dict() == EXPECTED


def test_small_batches_give_the_same_figures(labelled: Path) -> None:
    from moderation.training.data import read_rows
    from moderation.training.evaluation import evaluate

    rows = read_rows(labelled, Columns(), frozenset({"test"}))
    assert evaluate(rows, StubScorer(), batch_size=2).as_dict() == EXPECTED


def test_json_output_parses(labelled: Path) -> None:
    result = invoke("--data", str(labelled), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == EXPECTED


def test_text_output_names_the_cut_off_and_published_toxic(labelled: Path) -> None:
    result = invoke("--data", str(labelled))
    assert result.exit_code == 0, result.output
    assert "toxicity ≥ 0.42 (the policy's review threshold)" in result.output
    assert "ROC-AUC     0.889" in result.output
    assert "toxic comments published automatically: 1 of 3" in result.output


def test_thresholds_option_moves_the_cut_off(labelled: Path) -> None:
    result = invoke("--data", str(labelled), "--json", "--thresholds",
                    '{"toxicity": {"review": 0.25, "reject": 0.9}}')
    figures = json.loads(result.output)
    assert figures["cut_off"] == 0.25
    assert figures["toxic_published"] == 0  # Größe (0.3) is now held
    assert figures["recall"] == 1.0


def test_a_file_without_a_split_column_is_evaluated_row_by_row_with_no_flags(
        tmp_path: Path) -> None:
    path = write_csv(tmp_path / "eigene.csv", [{"text": "Bild", "label": "1"},
                                                {"text": "Käse", "label": "0"},
                                                {"text": "Übung", "label": "0"}])
    result = invoke("--data", str(path), "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert (figures["rows"], figures["toxic"], figures["roc_auc"]) == (3, 1, 1.0)


def test_a_file_with_a_split_column_is_evaluated_on_its_test_rows(labelled: Path) -> None:
    result = invoke("--data", str(labelled), "--json")
    assert json.loads(result.output)["rows"] == 6  # the "train" row is left out


@pytest.mark.parametrize("flags", [("--split", ""), ("--split-column", "")])
def test_either_flag_evaluates_every_row_of_a_file_with_splits(labelled: Path,
                                                              flags: tuple[str, str]) -> None:
    result = invoke("--data", str(labelled), "--json", *flags)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"] == 7


def test_a_split_asked_for_in_a_file_without_splits_is_a_clear_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "eigene.csv", [{"text": "Bild", "label": "1"}])
    result = invoke("--data", str(path), "--split", "test")
    assert result.exit_code == 1
    assert "no column 'split'" in result.output
    assert "Traceback" not in result.output


def test_other_column_names_are_named_by_flags(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "eigene.csv", [{"kommentar": "Bild", "toxisch": "1"},
                                                {"kommentar": "Übung", "toxisch": "0"}])
    result = invoke("--data", str(path), "--text-column", "kommentar", "--label-column",
                    "toxisch", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["roc_auc"] == 1.0


def test_missing_column_is_a_clear_error(labelled: Path) -> None:
    result = invoke("--data", str(labelled), "--label-column", "toxisch")
    assert result.exit_code == 1
    assert "no column 'toxisch'" in result.output
    assert "Traceback" not in result.output


def test_no_rows_in_the_split_is_a_clear_error(labelled: Path) -> None:
    result = invoke("--data", str(labelled), "--split", "validation")
    assert result.exit_code == 1
    assert "no rows to evaluate" in result.output


def test_unknown_label_names_the_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "kaputt.csv", [{"text": "Bild", "label": "vielleicht",
                                                "split": "test"}])
    with pytest.raises(DataError, match=re.escape("kaputt.csv row 1: label 'vielleicht'")):
        run_eval(path, Columns(), "test", StubScorer())
