"""``moderation model install|list|promote|rollback``: the CLI calls the model versions
service and turns its refusals into one clean line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from moderation.cli import main
from moderation.models import AuditEvent
from moderation.services import model_versions
from tests.support.compact_models import train_tiny


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory.mktemp("trained") / "modell")


@pytest.fixture
def moderation(database_url: str, database, tmp_path: Path):
    """Run ``moderation ...`` against the test database, with a model store of its own."""
    runner = CliRunner()
    env = {"MODERATION_DATABASE_URL": database_url,
           "MODERATION_INSTANCE_PATH": str(tmp_path / "instance"),
           "MODERATION_MODEL_STORE": str(tmp_path / "modelle")}

    def run(*args: str) -> Result:
        return runner.invoke(main, list(args), env=env)
    return run


def test_install_promote_list_and_roll_back(moderation, database, trained, tmp_path):
    shipped = model_versions.shipped_version()
    listed = moderation("model", "list")
    assert listed.exit_code == 0 and listed.output == f"Live: {shipped} (shipped)\n"

    installed = moderation("model", "install", str(trained), "--note", "Größere Daten")
    assert installed.exit_code == 0, installed.output
    (version,) = [word for word in installed.output.split() if word.startswith("compact-de@")]
    assert f"installed as the candidate in {tmp_path / 'modelle'}" in installed.output
    listed = moderation("model", "list").output.splitlines()
    assert listed[0].startswith(f"{version}\tcandidate\tinstalled ")
    assert listed[0].endswith("by cli\tnever promoted\tGrößere Daten")
    assert listed[1] == f"Live: {shipped} (shipped)"

    report = moderation("model", "report")
    assert report.exit_code == 0
    assert json.loads(report.output)["candidate"] == version
    assert json.loads(report.output)["compared"] == 0

    promoted = moderation("model", "promote")
    assert promoted.exit_code == 0 and promoted.output == f"Model {version} is live.\n"
    listed = moderation("model", "list").output.splitlines()
    assert f"{version}\tlive\t" in listed[0] and "promoted " in listed[0]
    assert listed[1] == f"Live: {version}"

    rolled_back = moderation("model", "rollback")
    assert rolled_back.exit_code == 0
    assert rolled_back.output == f"Model {shipped} is live again.\n"
    with database.transaction() as session:
        assert [(e.action, e.actor) for e in session.scalars(
            select(AuditEvent).order_by(AuditEvent.id))] == [
            ("model.installed", "cli"), ("model.promoted", "cli"), ("model.rolled_back", "cli")]


def test_refusals_are_one_clean_line(moderation, trained, tmp_path):
    for args, says in [(("promote",), "No candidate model"),
                       (("report",), "No candidate model"),
                       (("rollback",), "Nothing to roll back to"),
                       (("install", str(tmp_path)), "holds no compact model")]:
        result = moderation("model", *args)
        assert result.exit_code == 1
        assert result.output.startswith("Error: ") and says in result.output
        assert "Traceback" not in result.output

    assert moderation("model", "install", str(tmp_path / "fehlt")).exit_code == 2


def test_a_changed_file_refuses_the_promotion(moderation, trained, tmp_path):
    assert moderation("model", "install", str(trained)).exit_code == 0
    (stored,) = (tmp_path / "modelle").iterdir()
    (stored / "manifest.json").write_text("{}", encoding="utf-8")

    result = moderation("model", "promote")
    assert result.exit_code == 1
    assert "changed since it was installed (manifest.json)" in result.output
