"""Fetched transformers go through the model versions like compact models: install makes one
the candidate (after it loaded offline and scored German), promote makes it the live
transformer beside the live compact model, rollback returns to the transformer before it or
to none; files changed after the fetch or after the install are refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from moderation.cli import main
from moderation.errors import Conflict, Invalid
from moderation.models import AuditEvent
from moderation.scoring.transformer import TransformerScorer, weights_sha256
from moderation.scoring.transformer_cache import cached_transformer
from moderation.services import model_versions
from tests.support import tiny_transformer_fixtures as tiny
from tests.support.compact_models import train_tiny

offline_hub, tiny_hub, tiny_cache = tiny.offline_hub, tiny.tiny_hub, tiny.tiny_cache


@pytest.fixture(scope="module")
def compact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory.mktemp("trained") / "modell")


@pytest.fixture(scope="module")
def retrained_cache(tmp_path_factory: pytest.TempPathFactory, tiny_hub: Path) -> Path:
    """Another cache with ``gbert`` fetched again: the same checkpoint, one weight changed."""
    import torch
    from transformers import AutoModelForSequenceClassification

    source = tmp_path_factory.mktemp("hub2") / "gbert-offense"
    shutil.copytree(tiny_hub, source)
    network = AutoModelForSequenceClassification.from_pretrained(source)
    with torch.no_grad():
        network.classifier.bias += 0.25
    network.save_pretrained(source)
    cache = tmp_path_factory.mktemp("models2")
    result = CliRunner().invoke(main, [
        "model", "fetch", "--from", str(source), "--as", "gbert",
        "--label", "toxicity=OFFENSE", "--cache", str(cache), "--no-install"])
    assert result.exit_code == 0, result.output
    return cache


@pytest.fixture
def store_config(config, tmp_path, tiny_cache):
    return config.replace(model_store=tmp_path / "modelle", model_cache=tiny_cache)


def fetched_folder(cache: Path) -> Path:
    found = cached_transformer("gbert", cache)
    assert found is not None
    return found.folder


def install(database, folder: Path, config, clock) -> model_versions.ModelVersion:
    with database.transaction() as session:
        row = model_versions.install(session, folder, config, actor="cli", note="Größer",
                                     now=clock())
        session.expunge(row)
        return row


def promote(database, clock) -> str:
    with database.transaction() as session:
        return model_versions.promote(session, actor="cli", now=clock()).version


def rollback(database, clock, kind: str | None = None) -> str:
    with database.transaction() as session:
        return model_versions.rollback(session, actor="cli", now=clock(), kind=kind)


def lives(database) -> dict[str, str]:
    with database.transaction() as session:
        return model_versions.live_versions(session)


def test_install_registers_the_fetched_transformer_as_the_candidate(
        database, store_config, clock, tiny_cache):
    folder = fetched_folder(tiny_cache)
    row = install(database, folder, store_config, clock)

    sha = weights_sha256(folder)
    assert (row.kind, row.version, row.state.value) == ("transformer", f"hf:gbert@{sha[:12]}",
                                                        "candidate")
    fetched = cached_transformer("gbert", tiny_cache)
    scorer = TransformerScorer(fetched.folder, fetched.labels, fetched.activation, name="gbert")
    assert row.version == f"{scorer.name}@{scorer.version}"  # what scored_by names
    stored = Path(row.path)
    assert stored.parent == store_config.model_store and stored.name == f"hf-gbert_{sha[:12]}"
    assert model_versions.changed_files(stored, row.manifest["files"]) == []
    weights = next(name for name in row.manifest["files"] if name.endswith(".safetensors"))
    assert row.manifest["files"][weights]["sha256"] == sha
    assert row.manifest["fetch"]["labels"] == {"toxicity": {"label": "OFFENSE", "index": 1}}
    assert row.manifest["fetch"]["problem_type"] == "single_label_classification"
    assert row.manifest["fetch"]["source"]["weights_sha256"] == sha
    assert row.manifest["created_by"] == "cli" and row.note == "Größer"
    assert lives(database) == {}  # a candidate scores nothing live
    with database.transaction() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "model.installed"))
        assert event.target == row.version


def test_one_live_version_per_kind_with_its_own_history(
        database, store_config, clock, tiny_cache, retrained_cache, compact):
    shipped = model_versions.shipped_version()
    first = install(database, fetched_folder(tiny_cache), store_config, clock).version
    assert promote(database, clock) == first
    compact_version = install(database, compact, store_config, clock).version
    assert promote(database, clock) == compact_version
    assert lives(database) == {"compact": compact_version, "transformer": first}

    second = install(database, fetched_folder(retrained_cache), store_config, clock).version
    assert second != first and second.startswith("hf:gbert@")
    promote(database, clock)
    assert lives(database) == {"compact": compact_version, "transformer": second}
    with database.transaction() as session:
        described = model_versions.describe_all(session)
    assert (described["live"], described["live_transformer"]) == (compact_version, second)

    # The transformer's chain: the one before, then none; the compact model stays live.
    assert rollback(database, clock, "transformer") == first
    assert lives(database) == {"compact": compact_version, "transformer": first}
    assert rollback(database, clock, "transformer") == compact_version
    assert lives(database) == {"compact": compact_version}
    with pytest.raises(Conflict, match="no transformer version is live"):
        rollback(database, clock, "transformer")
    # Without a kind: the one promoted last.
    assert rollback(database, clock) == shipped
    assert lives(database) == {}

    with database.transaction() as session:
        events = [(e.action, e.target, (e.details or {}).get("kind")) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(
                ["model.promoted", "model.rolled_back"])).order_by(AuditEvent.id))]
    assert events == [
        ("model.promoted", first, "transformer"),
        ("model.promoted", compact_version, "compact"),
        ("model.promoted", second, "transformer"),
        ("model.rolled_back", first, "transformer"),
        ("model.rolled_back", "-", "transformer"),
        ("model.rolled_back", shipped, "compact")]


def test_one_candidate_at_a_time_of_either_kind(database, store_config, clock, tiny_cache,
                                                compact):
    transformer = install(database, fetched_folder(tiny_cache), store_config, clock).version
    compact_version = install(database, compact, store_config, clock).version
    with database.transaction() as session:
        states = {row.version: row.state.value for row in model_versions.versions(session)}
    assert states == {transformer: "retired", compact_version: "candidate"}


def test_a_fetched_transformer_with_a_changed_file_is_refused(
        database, store_config, clock, tiny_cache, tmp_path):
    copy = tmp_path / "kopie"
    shutil.copytree(fetched_folder(tiny_cache), copy)
    weights = next(copy.glob("*.safetensors"))
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF  # same size: only the hash tells
    weights.write_bytes(bytes(data))

    with pytest.raises(Invalid, match="differ from its fetch manifest") as refused:
        install(database, copy, store_config, clock)
    assert refused.value.errors == {"files": [weights.name]}
    with database.transaction() as session:
        assert model_versions.versions(session) == []


def test_a_transformer_changed_in_the_store_is_not_promoted(database, store_config, clock,
                                                            tiny_cache):
    row = install(database, fetched_folder(tiny_cache), store_config, clock)
    with (Path(row.path) / "config.json").open("a", encoding="utf-8") as handle:
        handle.write(" ")

    with pytest.raises(Conflict, match=r"config\.json"):
        promote(database, clock)
    assert lives(database) == {}


def test_the_command_installs_a_fetched_transformer_by_name(database_url, database, tmp_path,
                                                            tiny_cache):
    env = {"MODERATION_DATABASE_URL": database_url,
           "MODERATION_INSTANCE_PATH": str(tmp_path / "instance"),
           "MODERATION_MODEL_STORE": str(tmp_path / "modelle"),
           "MODERATION_MODEL_CACHE": str(tiny_cache)}
    runner = CliRunner()
    result = runner.invoke(main, ["model", "install", "--transformer", "gbert"], env=env)
    assert result.exit_code == 0, result.output
    version = f"hf:gbert@{weights_sha256(fetched_folder(tiny_cache))[:12]}"
    assert f"Model {version} installed as the candidate" in result.output

    assert runner.invoke(main, ["model", "promote"], env=env).exit_code == 0
    listed = runner.invoke(main, ["model", "list"], env=env)
    assert listed.output.endswith(f"(shipped)\nLive transformer: {version}\n")
    rolled = runner.invoke(main, ["model", "rollback", "--kind", "transformer"], env=env)
    assert rolled.exit_code == 0, rolled.output

    for args in (["--transformer", "fehlt"], [str(tmp_path), "--transformer", "gbert"], []):
        refused = runner.invoke(main, ["model", "install", *args], env=env)
        assert refused.exit_code == 2 and "Traceback" not in refused.output
