"""Training the compact model on a tiny German set: it loads, ranks, refuses test data,
repeats itself exactly, and the exported linear model is the stack it was trained as."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from moderation.scoring.compact import CompactScorer, Lexicons
from moderation.training import augment, metrics
from moderation.training.commands import train as train_command
from moderation.training.data import Columns, DataError, file_sha256
from moderation.training.params import Component, TrainParams
from moderation.training.train import (
    best_cut_off,
    fit_components,
    fit_final,
    load_dataset,
    operating_points,
    out_of_fold_scores,
    train,
)

SMALL = TrainParams(min_df=1, folds=4)


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
    assert written["parameters"]["components"] == list(SMALL.components)
    assert written["parameters"]["seed"] == 13
    assert written["parameters"]["min_df"] == 1
    assert written["data"][0]["name"] == "tiny.csv"
    assert written["data"][0]["sha256"] == file_sha256(tiny_csv)
    assert written["data"][0]["rows"] == 40  # the two test rows are not read
    assert written["command"] == "moderation model train --data tiny.csv"
    assert set(written["libraries"]) >= {"numpy", "scikit-learn", "python"}
    assert set(written["training"]["meta_model"]["toxicity"]["coefficients"]) == set(
        SMALL.components)
    assert CompactScorer(tmp_path / "model").version == written["version"]


def test_cross_validation_reports_every_primary_row_and_a_threshold(tiny_csv: Path,
                                                                    tmp_path: Path) -> None:
    cv = train([tiny_csv], tmp_path / "model", params=SMALL)["cross_validation"]["toxicity"]

    assert cv["folds"] == 4
    assert cv["pooled_at_0.5"]["rows"] == 40 and cv["pooled_at_0.5"]["positives"] == 20
    assert 0.05 <= cv["recommended_review_threshold"] <= 0.95
    assert cv["pooled_at_threshold"]["macro_f1"] >= cv["pooled_at_0.5"]["macro_f1"]
    cut_offs = [p["cut_off"] for p in cv["operating_points"]]
    assert cv["recommended_review_threshold"] in cut_offs and 0.5 in cut_offs


def test_every_primary_row_is_scored_by_components_that_never_saw_it(tiny_csv: Path) -> None:
    dataset = load_dataset([tiny_csv], Columns(), ("train",), SMALL)
    scores = out_of_fold_scores(dataset, SMALL)["toxicity"]

    assert scores.shape == (40, len(SMALL.components))
    assert not np.isnan(scores).any()
    assert sorted(np.bincount(dataset.fold)) == [10, 10, 10, 10]
    for value in (0, 1):  # stratified: each fold holds both classes equally
        assert set(np.bincount(dataset.fold[dataset.labels == value])) == {5}


def test_exported_model_is_the_stack_collapsed_into_one_linear_model(tiny_csv: Path,
                                                                     tmp_path: Path) -> None:
    """Meta-model over component scores == one weight vector, up to float16 storage."""
    dataset = load_dataset([tiny_csv], Columns(), ("train",), SMALL)
    scores = out_of_fold_scores(dataset, SMALL)
    model, meta = fit_final(dataset, SMALL, scores)
    everything = np.ones(len(dataset.rows), dtype=bool)
    components, x = fit_components(dataset, SMALL, everything)
    m = meta["toxicity"]
    coef = np.array([m["coefficients"][raw] for raw in SMALL.components])
    stacked = metrics.sigmoid(components.raw(x, "toxicity") @ coef + m["intercept"])

    texts = [r.text for r in dataset.rows]
    assert model.probabilities(texts)[:, 0] == pytest.approx(stacked, abs=2e-3)


def test_training_twice_gives_identical_files(tiny_csv: Path, tmp_path: Path) -> None:
    train([tiny_csv], tmp_path / "a", params=SMALL)
    train([tiny_csv], tmp_path / "b", params=SMALL)

    for name in ("model.npz", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_best_cut_off_by_hand() -> None:
    labels = np.array([1, 1, 1, 0, 0, 0])
    probabilities = np.array([0.9, 0.45, 0.32, 0.4, 0.2, 0.1])
    # cut-offs 0.33–0.40 flag 0.9, 0.45 and 0.4 (macro-F1 2/3); 0.41–0.45 flag 0.9 and 0.45
    # (tp 2, fn 1, tn 3: macro-F1 (0.8 + 0.857) / 2); 0.21–0.32 flag all three positives and
    # 0.4 (tp 3, fp 1: macro-F1 (0.857 + 0.8) / 2), the lowest of the tie wins.
    assert best_cut_off(labels, probabilities) == 0.21


def test_operating_points_reweight_to_a_blog_base_rate() -> None:
    labels = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    probabilities = np.array([0.9, 0.2, 0.6, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    point = operating_points(labels, probabilities, [0.5])[0]
    # recall 1/2, false-positive rate 1/8; at 10 % abuse: held 0.1·0.5 + 0.9·0.125 = 0.1625
    assert point["recall"] == 0.5 and point["abuse_missed"] == 0.5
    assert point["held_share"] == 0.2
    assert point["held_share_at_10%_abuse"] == pytest.approx(0.1625)
    assert point["precision_at_10%_abuse"] == pytest.approx(round(0.05 / 0.1625, 4))


@pytest.mark.parametrize("raw", ["nbsvm:char", "forest:char:4", "lr:bigrams:4", "lr:all:0",
                                 "lr:all:x"])
def test_a_malformed_component_is_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="component"):
        Component.parse(raw)
    with pytest.raises(ValueError, match="component"):
        TrainParams(components=(raw,))


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
        "--folds", "4", "--component", "nbsvm:char:4", "--component", "lr:word:4"])
    assert result.exit_code == 0, result.output
    assert "recommended toxicity review threshold" in result.output
    manifest = json.loads((tmp_path / "model" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"].startswith("moderation model train --data tiny.csv")
    assert "--component nbsvm:char:4 --component lr:word:4 --folds 4" in manifest["command"]
    assert "--out" not in manifest["command"]  # the same training, wherever it is written


def test_missing_label_column_is_a_clear_error(tiny_csv: Path, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no column 'klasse'"):
        train([tiny_csv], tmp_path / "model", columns=Columns(label="klasse"), params=SMALL)


def test_a_word_in_disguise_is_read_as_the_word_the_training_data_knows(
        tiny_csv: Path, tmp_path: Path) -> None:
    train([tiny_csv], tmp_path / "model", params=replace(SMALL, char_scope="word"))

    scorer = CompactScorer(tmp_path / "model")
    assert "idiot" in scorer.model.lexicon
    assert scorer.model.normalize("Du 1diot, I-d-i-o-t!") == "du idiot, idiot!"
    assert scorer.model.normalize("Galaxy A55, KB5034441") == "galaxy a55, kb5034441"
    disguised, plain = scorer.score(["Du Vollid!ot", "Du Vollidiot"])
    assert disguised == plain


def test_generated_rows_are_trained_on_recorded_and_never_scored_in_cross_validation(
        tiny_csv: Path, tmp_path: Path) -> None:
    params = replace(SMALL, augment=("identity",), file_weights={augment.FILE_NAME: 0.5})
    manifest = train([tiny_csv], tmp_path / "model", params=params)

    generated = augment.generate(["identity"])
    recorded = manifest["data"][1]
    assert recorded["name"] == "augment" and recorded["sets"] == ["identity"]
    assert recorded["rows"] == len(generated)
    assert recorded["sha256"] == augment.digest(generated)
    assert recorded["total_weight"] == pytest.approx(0.5 * 40)
    assert manifest["cross_validation"]["toxicity"]["pooled_at_0.5"]["rows"] == 40
    assert manifest["parameters"]["augment"] == ["identity"]


def test_identity_rows_say_the_same_of_every_group() -> None:
    rows = augment.generate(["identity"])
    texts_by_label = {0: [r.text.casefold() for r in rows if r.label == 0],
                      1: [r.text.casefold() for r in rows if r.label == 1]}
    for one, many, _ in (m for members in augment.GROUPS.values() for m in members):
        one, many = one.casefold(), many.casefold()
        abusive = sum(many in t or one in t for t in texts_by_label[1])
        neutral = sum(many in t or one in t for t in texts_by_label[0])
        assert abusive >= len(augment.ABUSIVE_MANY) + len(augment.ABUSIVE_ONE), many
        assert neutral >= len(augment.NEUTRAL_MANY) + len(augment.NEUTRAL_ONE), many
    assert augment.generate(["identity"]) == rows  # generated the same way every time


def test_the_train_command_records_augmentation_and_char_scope(tiny_csv: Path,
                                                                tmp_path: Path) -> None:
    result = CliRunner().invoke(train_command, [
        "--data", str(tiny_csv), "--out", str(tmp_path / "model"), "--min-df", "1",
        "--folds", "4", "--augment", "everyday", "--file-weight", "augment=0.2",
        "--char-scope", "word"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "model" / "manifest.json").read_text(encoding="utf-8"))
    assert "--file-weight augment=0.2" in manifest["command"]
    assert "--char-scope word" in manifest["command"]
    assert "--augment everyday" in manifest["command"]
    assert manifest["features"]["char_scope"] == "word"

    refused = CliRunner().invoke(train_command, ["--data", str(tiny_csv), "--augment", "unbekannt",
                                                 "--out", str(tmp_path / "refused")])
    assert refused.exit_code != 0 and "unbekannt" in refused.output


def test_an_unknown_char_scope_is_refused() -> None:
    with pytest.raises(ValueError, match="char scope"):
        TrainParams(char_scope="sentence")


def test_an_evaluative_model_learns_the_pair_features_and_records_them(
        tiny_csv: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(train_command, [
        "--data", str(tiny_csv), "--out", str(tmp_path / "model"), "--min-df", "1",
        "--folds", "4", "--augment", "evaluative", "--evaluative", "--mask-groups",
        "--char-scope", "word"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "model" / "manifest.json").read_text(encoding="utf-8"))
    assert "--evaluative" in manifest["command"]
    assert manifest["features"]["evaluative"] is True
    scorer = CompactScorer(tmp_path / "model")
    assert scorer.model.spec.evaluative
    # The word lists it was trained with are in the model file, named in the manifest.
    assert scorer.model.spec.lexicons == Lexicons.current()
    assert manifest["features"]["lexicons"] == Lexicons.current().summary()
    words = scorer.model.vocabularies[1]
    assert {"<gruppe> <tadel>", "<gruppe> nicht <tadel>", "<gruppe> <lob>",
            "<gruppe> nicht <lob>"} <= set(words)
    blamed, denied = scorer.score(["Diese Leute sind Migranten und faul.",
                                   "Diese Leute sind Migranten und nicht faul."])
    assert blamed["toxicity"] > denied["toxicity"]
