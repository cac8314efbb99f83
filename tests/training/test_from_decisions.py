"""`moderation model train --from-decisions`: the editors' decisions join the training data,
the newest are held out and judged on, and the model becomes the candidate (never live)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from moderation import migrate
from moderation.cli import main
from moderation.db import Database
from moderation.domain import CommentStatus, Reason
from moderation.models import AuditEvent, ModelState, ModelVersion
from moderation.services import decisions, privacy
from moderation.services.actors import Decider
from moderation.statements import PublisherTerms
from moderation.training.commands import train as train_command
from tests.conftest import FrozenClock
from tests.support.records import add_comment
from tests.training.conftest import HARMLESS, TOXIC

AUTHOR = "erst-schimpfen-dann-loeschen@example.de"
SMALL = ["--min-df", "1", "--folds", "3", "--component", "nbsvm:char:4",
         "--component", "lr:word:4"]


def decided_database(tmp_path: Path) -> str:
    """A database in which editors rejected the toxic and approved the harmless comments,
    in turns, one a minute."""
    url = f"sqlite:///{tmp_path / 'redaktion.db'}"
    migrate.upgrade(url)
    clock = FrozenClock()
    with Database(url) as database, database.transaction() as session:
        for toxic, harmless in zip(TOXIC, HARMLESS, strict=True):
            for body, status in ((toxic, CommentStatus.REJECTED),
                                 (harmless, CommentStatus.APPROVED)):
                comment = add_comment(session, clock(), body=body, status=CommentStatus.REVIEW,
                                      author_email=AUTHOR if body == TOXIC[0] else None)
                decisions.apply(comment, decisions.Change(status, Reason.EDITOR_DECISION),
                                Decider.user("anna@zeitung.de"), clock(),
                                terms=PublisherTerms("Kommentarrichtlinien", None, 183))
                clock.advance(minutes=1)
    return url


def test_a_model_trained_on_decisions_is_judged_on_the_newest_and_becomes_the_candidate(
        tmp_path: Path, tiny_csv: Path):
    url = decided_database(tmp_path)
    env = {"MODERATION_DATABASE_URL": url, "MODERATION_MODEL_STORE": str(tmp_path / "store"),
           "MODERATION_SCORER": "compact"}

    result = CliRunner().invoke(train_command, [
        "--data", str(tiny_csv), "--from-decisions", "--decisions-weight", "2",
        "--holdout", "0.25", "--out", str(tmp_path / "site"), *SMALL], env=env)

    assert result.exit_code == 0, result.output
    assert "40 editors' decisions read (25% newest held out)" in result.output
    manifest = json.loads((tmp_path / "site" / "manifest.json").read_text(encoding="utf-8"))
    held_out = manifest["held_out_decisions"]
    assert held_out["rows"] == 10
    assert held_out["candidate"]["rows"] == held_out["current"]["rows"] == 10
    assert held_out["current"]["scorer"].startswith("compact-de@")
    assert "--from-decisions" in manifest["command"]
    assert "entscheidungen.csv" not in manifest["command"]
    assert [f["name"] for f in manifest["data"]] == ["tiny.csv", "entscheidungen.csv"]
    assert not any((tmp_path / "site").glob("*.csv"))  # the comments' texts are not kept

    with Database(url) as database, database.transaction() as session:
        version = session.scalars(select(ModelVersion)).one()
        # A candidate, not live: promotion is an admin's act.
        assert version.state is ModelState.CANDIDATE
        assert version.manifest["decisions"] == 40
        assert version.manifest["held_out_decisions"] == held_out
        assert version.trained_on_erased_at is None
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["decisions.exported", "model.installed"]

    # The author of a comment it learnt from has it erased: the version is marked.
    with Database(url) as database, database.transaction() as session:
        privacy.erase_author(session, AUTHOR, (), actor="cli", now=FrozenClock()())
    with Database(url) as database, database.transaction() as session:
        assert session.scalars(select(ModelVersion)).one().trained_on_erased_at is not None
    listed = CliRunner().invoke(main, ["model", "list"], env=env)
    assert "TRAINED ON ERASED COMMENTS" in listed.output


def test_without_decisions_nothing_is_trained_or_installed(tmp_path: Path, tiny_csv: Path):
    url = f"sqlite:///{tmp_path / 'leer.db'}"
    migrate.upgrade(url)

    result = CliRunner().invoke(train_command, [
        "--from-decisions", "--out", str(tmp_path / "site"), *SMALL],
        env={"MODERATION_DATABASE_URL": url})

    assert result.exit_code == 1
    assert "no editors' decisions to learn from" in result.output
    assert not (tmp_path / "site").exists()


def test_training_data_must_be_named_and_decision_options_need_decisions(tiny_csv: Path):
    assert "--data FILE.csv and/or --from-decisions" in CliRunner().invoke(
        train_command, []).output
    assert "go with --from-decisions" in CliRunner().invoke(
        train_command, ["--data", str(tiny_csv), "--decisions-weight", "2"]).output


def test_by_default_each_decision_weighs_like_one_row_of_the_first_file(tmp_path: Path,
                                                                        tiny_csv: Path):
    url = decided_database(tmp_path)
    env = {"MODERATION_DATABASE_URL": url, "MODERATION_MODEL_STORE": str(tmp_path / "store"),
           "MODERATION_SCORER": "compact"}

    result = CliRunner().invoke(train_command, [
        "--data", str(tiny_csv), "--from-decisions", "--holdout", "0.25",
        "--out", str(tmp_path / "site"), *SMALL], env=env)

    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "site" / "manifest.json").read_text(encoding="utf-8"))
    # 30 decisions learnt from (10 held out) against the 40 train rows of tiny.csv.
    assert manifest["parameters"]["file_weights"] == {"entscheidungen.csv": 0.75}
