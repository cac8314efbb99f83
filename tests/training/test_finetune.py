"""`moderation model finetune`: a Hugging Face sequence classifier fine-tuned on labelled CSVs
and the editors' decisions, on a tiny BERT built offline; the result is published into the
model cache and installed as the candidate in one step (or, with --no-install, published with
`model fetch --from`) and scores German comments."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from moderation.cli import main
from moderation.db import Database
from moderation.models import AuditEvent, Comment, ModelState, ModelTrainingComment, ModelVersion
from moderation.scoring.transformer import TransformerScorer
from moderation.scoring.transformer_cache import cached_transformer
from moderation.services import privacy
from moderation.training.finetune import FinetuneParams, finetune
from moderation.training.metrics import roc_auc
from tests.conftest import FrozenClock
from tests.support.tiny_transformer import build_checkpoint
from tests.training.conftest import HARMLESS, TOXIC, write_csv
from tests.training.test_from_decisions import AUTHOR, decided_database

# Few rows, a high learning rate: the loss must visibly drop within seconds.
FAST = ["--epochs", "3", "--batch-size", "8", "--learning-rate", "2e-3", "--seed", "7"]


@pytest.fixture(scope="module", autouse=True)
def hub_off() -> Iterator[None]:
    """No Hugging Face Hub: what is not on disk cannot be loaded."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        yield


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """One torch thread for every fine-tuning here: a seeded run's weights depend on the
    thread count too, which a scorer loaded earlier in this process may have changed (on
    the 40 comments the ROC-AUC after moved between 0.80 and 0.93 with it)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny checkpoint with dropout off: its wide random weights and dropout together
    drown what a few steps on 40 comments teach."""
    folder = build_checkpoint(tmp_path_factory.mktemp("hub") / "gbert-offense")
    config_file = folder / "config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config.update(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    config_file.write_text(json.dumps(config), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def comments_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The German rows to train on, and the same rows again as the test split: the figures
    after fine-tuning are then the training set's."""
    rows = [{"text": text, "label": label, "split": split}
            for split in ("train", "test")
            for texts, label in ((TOXIC, "1"), (HARMLESS, "0")) for text in texts]
    return write_csv(tmp_path_factory.mktemp("data") / "kommentare.csv", rows)


@pytest.fixture(scope="module")
def tuned(tmp_path_factory: pytest.TempPathFactory, base: Path, comments_csv: Path) -> Path:
    out = tmp_path_factory.mktemp("tuned") / "gbert-site"
    result = finetune_cli("--base", str(base), "--data", str(comments_csv),
                          "--positive-label", "OFFENSE", "--out", str(out), "--no-install",
                          *FAST)
    assert result.exit_code == 0, result.output
    assert f"moderation model fetch --from {out} --as gbert-site --label toxicity=OFFENSE" \
        in result.output
    return out


def finetune_cli(*arguments: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["model", "finetune", *arguments], env=env)


def report(out: Path) -> dict:
    return json.loads((out / "finetune.json").read_text(encoding="utf-8"))


def test_fine_tuning_lowers_the_loss_and_separates_the_training_comments(
        tuned: Path, base: Path, comments_csv: Path):
    written = report(tuned)

    first, *_, last = written["losses"]
    assert last < first
    before, after = written["test"]["before"], written["test"]["after"]
    assert before["rows"] == after["rows"] == 40
    assert after["roc_auc"] >= before["roc_auc"] + 0.2
    assert after["roc_auc"] >= 0.8
    assert written["positive_label"] == {"name": "OFFENSE", "index": 1}
    assert written["data"][0]["name"] == "kommentare.csv"
    assert written["data"][0]["sha256"] == hashlib.sha256(comments_csv.read_bytes()).hexdigest()
    assert written["parameters"]["device"] == "cpu"
    assert written["parameters"]["max_length"] == 64  # the tiny model has 64 positions
    assert written["base"]["folder"] == str(base.resolve())
    assert written["base"]["new_head"] is False
    assert {"torch", "transformers", "tokenizers"} <= set(written["packages"])
    assert (tuned / "model.safetensors").exists() and (tuned / "tokenizer.json").exists()


def test_the_same_seed_gives_the_same_weights(tuned: Path, base: Path, comments_csv: Path,
                                              tmp_path: Path):
    params = FinetuneParams(epochs=3, batch_size=8, learning_rate=2e-3, seed=7, device="cpu")

    again = finetune(base, [comments_csv], "OFFENSE", tmp_path / "again", params)

    assert again["weights_sha256"] == report(tuned)["weights_sha256"]
    assert again["weights_sha256"] != report(tuned)["base"]["weights_sha256"]


def test_the_result_is_published_with_fetch_and_scores_german_comments(
        tuned: Path, tmp_path: Path):
    cache = tmp_path / "models"
    fetched = CliRunner().invoke(main, ["model", "fetch", "--from", str(tuned), "--as",
                                        "gbert-site", "--label", "toxicity=OFFENSE",
                                        "--cache", str(cache), "--no-install"])
    assert fetched.exit_code == 0, fetched.output
    model = cached_transformer("gbert-site", cache)
    assert model is not None
    scorer = TransformerScorer(model.folder, model.labels, model.activation, name=model.model)
    texts = TOXIC + HARMLESS

    scores = [scores["toxicity"] for scores in scorer.score(texts)]

    # The workers see what the fine-tuning measured: the same ranking of the same comments.
    labels = np.array([True] * len(TOXIC) + [False] * len(HARMLESS))
    assert roc_auc(labels, np.array(scores)) == pytest.approx(
        report(tuned)["test"]["after"]["roc_auc"], abs=0.01)


def test_a_fetched_checkpoint_is_named_by_its_cache_name(
        tuned: Path, comments_csv: Path, tmp_path: Path):
    cache = tmp_path / "models"
    CliRunner().invoke(main, ["model", "fetch", "--from", str(tuned), "--as", "gbert-site",
                              "--label", "toxicity=OFFENSE", "--cache", str(cache),
                              "--no-install"])

    result = finetune_cli("--base", "gbert-site", "--cache", str(cache), "--data",
                          str(comments_csv), "--positive-label", "1",
                          "--out", str(tmp_path / "again"), "--epochs", "1", "--no-install")

    assert result.exit_code == 0, result.output
    assert report(tmp_path / "again")["base"]["name"] == "gbert-site"


def test_the_editors_decisions_train_and_the_result_becomes_the_candidate(
        base: Path, tmp_path: Path):
    url = decided_database(tmp_path)
    env = {"MODERATION_DATABASE_URL": url, "MODERATION_MODEL_CACHE": str(tmp_path / "models"),
           "MODERATION_MODEL_STORE": str(tmp_path / "store")}

    result = finetune_cli("--base", str(base), "--from-decisions", "--holdout", "0.25",
                          "--positive-label", "OFFENSE", "--out", str(tmp_path / "site"),
                          *FAST, env=env)

    assert result.exit_code == 0, result.output
    assert "40 editors' decisions read (25% newest held out)" in result.output
    written = report(tmp_path / "site")
    assert [f["name"] for f in written["data"]] == ["entscheidungen.csv"]
    assert written["train_rows"] == 30
    assert written["test"]["after"]["rows"] == 10
    assert not any((tmp_path / "site").glob("*.csv"))  # the comments' texts are not kept
    # Published into the cache under the --out folder's name, with the base's label.
    published = cached_transformer("site", tmp_path / "models")
    assert published is not None and published.labels == {"toxicity": 1}
    version = f"hf:site@{written['weights_sha256'][:12]}"
    assert f"Model {version} installed as the candidate, learnt from 30 editors' decisions" \
        in result.output
    assert "moderation model promote" in result.output
    with Database(url) as database, database.transaction() as session:
        row = session.scalars(select(ModelVersion)).one()
        assert (row.version, row.kind, row.state) == (version, "transformer",
                                                       ModelState.CANDIDATE)
        assert Path(row.path).parent == tmp_path / "store"
        training = row.manifest["training"]
        assert training["data"] == written["data"] and training["data"][0]["sha256"]
        assert training["parameters"]["epochs"] == 3
        assert training["held_out_decisions"] == {"rows": 10,
                                                  **written["test"]["by_file"][
                                                      "entscheidungen.csv"]}
        assert training["held_out_decisions"]["before"]["rows"] == 10
        assert row.manifest["fetch"]["labels"] == {"toxicity": {"label": "OFFENSE",
                                                                "index": 1}}
        # It learnt from the 30 oldest decisions; the 10 newest only judged it.
        learnt = set(session.scalars(select(ModelTrainingComment.comment_id)))
        oldest = session.scalars(select(Comment.id).order_by(Comment.id)).all()
        assert learnt == set(oldest[:30]) and row.manifest["decisions"] == 30
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["decisions.exported", "model.installed"]

    # The author of a comment it learnt from has it erased: the version is marked.
    with Database(url) as database, database.transaction() as session:
        privacy.erase_author(session, AUTHOR, (), actor="cli", now=FrozenClock()())
        assert session.scalars(select(ModelVersion)).one().trained_on_erased_at is not None


def test_a_fine_tuned_cache_model_keeps_the_base_label_map(
        tuned: Path, comments_csv: Path, tmp_path: Path, database_url: str, database):
    cache = tmp_path / "models"
    CliRunner().invoke(main, ["model", "fetch", "--from", str(tuned), "--as", "gbert-site",
                              "--label", "toxicity=OFFENSE", "--label", "insult=OFFENSE",
                              "--cache", str(cache), "--no-install"])

    result = finetune_cli("--base", "gbert-site", "--cache", str(cache), "--data",
                          str(comments_csv), "--positive-label", "OFFENSE", "--as", "zweiter",
                          "--out", str(tmp_path / "again"), "--epochs", "1",
                          env={"MODERATION_DATABASE_URL": database_url,
                               "MODERATION_MODEL_STORE": str(tmp_path / "store")})

    assert result.exit_code == 0, result.output
    assert "with toxicity=OFFENSE, insult=OFFENSE" in result.output
    with database.transaction() as session:
        row = session.scalars(select(ModelVersion)).one()
    assert row.version.startswith("hf:zweiter@") and row.state is ModelState.CANDIDATE
    assert set(row.manifest["fetch"]["labels"]) == {"toxicity", "insult"}
    assert "held_out_decisions" not in row.manifest["training"]
    assert row.manifest["decisions"] == 0


def test_a_base_model_without_a_classifier_gets_a_new_head(
        tmp_path: Path, comments_csv: Path):
    masked_lm = build_checkpoint(tmp_path / "hub", head=False)

    result = finetune_cli("--base", str(masked_lm), "--data", str(comments_csv),
                          "--positive-label", "1", "--out", str(tmp_path / "out"),
                          "--epochs", "1", "--no-install")

    assert result.exit_code == 0, result.output
    assert "had no trained classification head" in result.output
    assert report(tmp_path / "out")["base"]["new_head"] is True
    fetched = CliRunner().invoke(main, ["model", "fetch", "--from", str(tmp_path / "out"),
                                        "--as", "eigen", "--label", "toxicity=1",
                                        "--cache", str(tmp_path / "models"), "--no-install"])
    assert fetched.exit_code == 0, fetched.output


@pytest.mark.parametrize(("labels", "positive", "message"), [
    ({0: "OTHER", 1: "OFFENSE"}, "HATE", "unknown label 'HATE'; the checkpoint's labels: "
                                         "0=OTHER, 1=OFFENSE"),
    ({0: "OTHER", 1: "INSULT", 2: "ABUSE"}, "ABUSE", "has a single_label_classification "
                                                     "head with 3 outputs"),
])
def test_a_checkpoint_that_cannot_be_fine_tuned_so_is_refused_in_one_line(
        tmp_path: Path, comments_csv: Path, labels: dict[int, str], positive: str,
        message: str):
    folder = build_checkpoint(tmp_path / "hub", id2label=labels)

    result = finetune_cli("--base", str(folder), "--data", str(comments_csv),
                          "--positive-label", positive, "--out", str(tmp_path / "out"))

    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_no_data_no_rows_and_no_model_are_refused(base: Path, tmp_path: Path):
    test_only = write_csv(tmp_path / "nur-test.csv",
                          [{"text": "Grüße", "label": "0", "split": "test"}])
    common = ["--positive-label", "OFFENSE", "--out", str(tmp_path / "out")]

    no_data = finetune_cli("--base", str(base), *common)
    no_rows = finetune_cli("--base", str(base), "--data", str(test_only), *common)
    no_model = finetune_cli("--base", "unbekannt", "--cache", str(tmp_path / "leer"),
                            "--data", str(test_only), *common)

    assert no_data.exit_code == 2 and "--data FILE.csv and/or --from-decisions" in no_data.output
    assert no_rows.exit_code == 1
    assert "Error: no rows with split 'train' in nur-test.csv" in no_rows.output
    assert no_model.exit_code == 2 and "'unbekannt' is neither a folder nor" in no_model.output
    assert not (tmp_path / "out").exists()
