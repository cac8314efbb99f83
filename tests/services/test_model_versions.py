"""Model versions: install as the candidate, promote, roll back, refuse what is no model or
was changed after it was installed; every change in the audit log."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from moderation.errors import Conflict, Invalid, NotFound
from moderation.models import AuditEvent, ModelState
from moderation.scoring.compact import MODEL_FILE, CompactScorer
from moderation.services import model_versions
from moderation.training.data import file_sha256
from tests.support.compact_models import train_tiny


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("trained")
    return train_tiny(folder / "erstes"), train_tiny(folder / "zweites", leave_out=4)


@pytest.fixture
def store_config(config, tmp_path):
    return config.replace(model_store=tmp_path / "modelle")


def version_of(folder: Path) -> str:
    return f"compact-de@{CompactScorer(folder).version}"


def install(database, folder: Path, config, clock, note: str | None = None) -> str:
    with database.transaction() as session:
        return model_versions.install(session, folder, config, actor="cli", note=note,
                                      now=clock()).version


def promote(database, clock) -> str:
    with database.transaction() as session:
        return model_versions.promote(session, actor="cli", now=clock()).version


def rollback(database, clock) -> str:
    with database.transaction() as session:
        return model_versions.rollback(session, actor="cli", now=clock())


def states(database) -> dict[str, str]:
    with database.transaction() as session:
        return {row.version: row.state.value for row in model_versions.versions(session)}


def audit_actions(database) -> list[tuple[str, str | None]]:
    with database.transaction() as session:
        return [(e.action, e.target) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("model.%"))
            .order_by(AuditEvent.id))]


def test_install_registers_a_candidate_with_its_manifest(database, store_config, clock,
                                                         trained):
    first, _ = trained
    version = install(database, first, store_config, clock, note="Für die Größe: Köln")

    with database.transaction() as session:
        (row,) = model_versions.versions(session)
        assert (row.version, row.kind, row.state) == (version, "compact", ModelState.CANDIDATE)
        assert version == version_of(first) and version.startswith("compact-de@stack-")
        assert Path(row.path).parent == store_config.model_store
        assert Path(row.path, MODEL_FILE).read_bytes() == (first / MODEL_FILE).read_bytes()
        files = row.manifest["files"]
        assert set(files) == {"model.npz", "manifest.json"}
        assert files["model.npz"]["sha256"] == file_sha256(first / MODEL_FILE)
        assert row.manifest["data"][0]["name"] == "erstes.csv"
        assert row.manifest["data"][0]["sha256"] == file_sha256(first.parent.parent
                                                                / "erstes.csv")
        assert row.manifest["parameters"]["min_df"] == 1
        assert "toxicity" in row.manifest["metrics"]
        assert row.manifest["created_by"] == "cli"
        assert (row.note, row.created_by, row.promoted_at) == ("Für die Größe: Köln", "cli",
                                                                None)
        # A candidate scores nothing yet: the shipped model stays live.
        assert model_versions.live_version(session) is None
        described = model_versions.describe_all(session)
        assert described["live"] == described["shipped"] == model_versions.shipped_version()
    assert audit_actions(database) == [("model.installed", version)]


def test_one_candidate_at_a_time(database, store_config, clock, trained):
    first, second = trained
    install(database, first, store_config, clock)
    install(database, second, store_config, clock)

    assert states(database) == {version_of(first): "retired", version_of(second): "candidate"}
    with database.transaction() as session:
        installed = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "model.installed").order_by(AuditEvent.id)).all()
        assert installed[-1].details["replaced_candidate"] == version_of(first)


def test_promote_and_roll_back_step_by_step(database, store_config, clock, trained):
    first, second = trained
    a, b = version_of(first), version_of(second)
    shipped = model_versions.shipped_version()

    install(database, first, store_config, clock)
    assert promote(database, clock) == a
    install(database, second, store_config, clock)
    clock.advance(minutes=5)
    assert promote(database, clock) == b
    assert states(database) == {a: "retired", b: "live"}

    assert rollback(database, clock) == a
    assert states(database) == {a: "live", b: "retired"}
    with database.transaction() as session:
        assert model_versions.live_version(session) == a
        live = model_versions.live_model(session)
        assert live.path.is_dir() and live.files["model.npz"]["sha256"]
    # Before the first version there was the shipped model.
    assert rollback(database, clock) == shipped
    assert states(database) == {a: "retired", b: "retired"}
    with pytest.raises(Conflict, match="Nothing to roll back to"):
        rollback(database, clock)

    assert audit_actions(database) == [
        ("model.installed", a), ("model.promoted", a), ("model.installed", b),
        ("model.promoted", b), ("model.rolled_back", a), ("model.rolled_back", shipped)]
    with database.transaction() as session:
        promoted = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "model.promoted").order_by(AuditEvent.id)).all()
        assert [p.details["previous"] for p in promoted] == [shipped, a]
        assert all(p.actor == "cli" for p in promoted)


def test_a_retired_version_may_be_installed_again(database, store_config, clock, trained):
    first, second = trained
    install(database, first, store_config, clock)
    install(database, second, store_config, clock)
    install(database, first, store_config, clock)

    assert states(database) == {version_of(first): "candidate",
                                version_of(second): "retired"}
    promote(database, clock)
    with pytest.raises(Conflict, match="already live"):
        install(database, first, store_config, clock)


def test_nothing_to_promote(database, clock):
    with pytest.raises(NotFound, match="No candidate model"):
        promote(database, clock)


def test_a_folder_that_is_no_model_is_refused(database, store_config, clock, tmp_path):
    empty = tmp_path / "leer"
    empty.mkdir()
    with pytest.raises(Invalid, match="holds no compact model"):
        install(database, empty, store_config, clock)

    (empty / MODEL_FILE).write_bytes(b"kein Modell")
    (empty / "manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(Invalid, match="holds no compact model that loads"):
        install(database, empty, store_config, clock)
    assert states(database) == {}


def test_a_model_changed_after_training_is_refused(database, store_config, clock, trained,
                                                   tmp_path):
    changed = shutil.copytree(trained[0], tmp_path / "geändert")
    manifest = json.loads((changed / "manifest.json").read_text(encoding="utf-8"))
    manifest["model_file"]["sha256"] = "0" * 64
    (changed / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    with pytest.raises(Invalid, match="does not name its model file's sha256"):
        install(database, changed, store_config, clock)


def test_a_changed_file_in_the_store_is_refused(database, store_config, clock, trained):
    first, second = trained
    install(database, first, store_config, clock)
    with database.transaction() as session:
        stored = Path(model_versions.versions(session)[0].path)
    with (stored / MODEL_FILE).open("ab") as handle:
        handle.write(b"\0")

    with pytest.raises(Conflict, match="changed since it was installed") as refused:
        promote(database, clock)
    assert refused.value.errors == {"files": ["model.npz"]}

    # Installing the same model again repairs the copy.
    install(database, second, store_config, clock)
    install(database, first, store_config, clock)
    assert promote(database, clock) == version_of(first)
    install(database, second, store_config, clock)
    promote(database, clock)
    (stored / "manifest.json").unlink()
    with pytest.raises(Conflict, match=r"manifest\.json"):
        rollback(database, clock)
    assert states(database)[version_of(second)] == "live"
