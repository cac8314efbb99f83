"""Publishing a model in one step (issue 14): `moderation model fetch` (a Hugging Face
classifier from a folder standing in for the Hub, or a detoxify checkpoint) installs it as the
candidate; the worker scores it in shadow only; `model promote` makes it live, and the
decisions name its version; `model rollback` returns to the one before. A fetched model that
is not registered never scores under MODERATION_SCORER=auto."""

from __future__ import annotations

import json
import shutil
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from transformers import AutoTokenizer

from moderation.cli import main
from moderation.models import AuditEvent, Comment, ModelVersion, ModerationEvent, ShadowDecision
from moderation.scoring.factory import load_scorer, registered_transformer
from moderation.scoring.model_cache import file_sha256
from moderation.scoring.transformer import TransformerScorer, weights_sha256
from moderation.scoring.transformer_cache import cached_transformer
from moderation.services import model_versions
from moderation.workers.scoring import ScoringWorker
from tests.support.fake_hub import build_release
from tests.support.http import post_comment
from tests.support.tiny_transformer import MAX_TOKENS

LONG = "Schöne Grüße aus München und Köln. " * 20 + "Du bist ein Idiot, halt den Mund!"


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"MODERATION_DATABASE_URL": database_url,
            "MODERATION_INSTANCE_PATH": str(tmp_path / "instance"),
            "MODERATION_MODEL_CACHE": str(tmp_path / "models"),
            "MODERATION_MODEL_STORE": str(tmp_path / "store")}


@pytest.fixture
def worker(database, config, clock, tmp_path) -> ScoringWorker:
    configured = config.replace(scorer="auto", model_cache=tmp_path / "models",
                                model_store=tmp_path / "store")
    return ScoringWorker(database, configured, load_scorer, clock, worker_id="worker-p")


def moderation(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def scored(client, database, worker: ScoringWorker, body: str) -> tuple[Comment, dict]:
    """The comment after the worker decided it, and its decision event's details."""
    public_id = post_comment(client, body).get_json()["id"]
    assert worker.run_once() == 1
    with database.transaction() as session:
        comment = session.scalar(select(Comment).where(Comment.public_id == public_id))
        session.expunge(comment)
        event = session.scalars(select(ModerationEvent)
                                .where(ModerationEvent.comment_id == comment.id)
                                .order_by(ModerationEvent.id)).all()[-1]
        return comment, event.details


def shadow_versions(database) -> list[str]:
    with database.transaction() as session:
        return list(session.scalars(
            select(ModelVersion.version).join(
                ShadowDecision, ShadowDecision.model_version_id == ModelVersion.id)
            .order_by(ShadowDecision.id)))


def test_a_transformer_fetched_from_a_folder_is_candidate_then_live_then_rolled_back(
        client, database, worker, env, tmp_path, tiny_hub):
    shipped = model_versions.shipped_version()

    fetched = moderation(env, "model", "fetch", "--from", str(tiny_hub), "--as", "gbert",
                         "--label", "toxicity=OFFENSE", "--note", "Aus der Redaktion")

    assert fetched.exit_code == 0, fetched.output
    cache_copy = cached_transformer("gbert", tmp_path / "models")
    assert cache_copy is not None
    version = f"hf:gbert@{weights_sha256(cache_copy.folder)[:12]}"
    assert f"Model {version} installed as the candidate in {tmp_path / 'store'}" in fetched.output
    assert "`moderation model report`" in fetched.output
    assert "`moderation model promote`" in fetched.output

    # A candidate scores nothing live: compact-de decides, the candidate in shadow.
    toxic, details = scored(client, database, worker, "Du bist ein Idiot, halt den Mund!")
    assert toxic.scored_by == shipped and details["model_version"] == shipped.split("@")[1]
    assert worker.shadow.scorer.name == "max(compact-de,hf:gbert)"
    assert shadow_versions(database) == [version]
    report = moderation(env, "model", "report")
    assert report.exit_code == 0, report.output
    assert (json.loads(report.output)["candidate"], json.loads(report.output)["compared"]) \
        == (version, 1)

    promoted = moderation(env, "model", "promote")
    assert promoted.output == f"Model {version} is live.\n"
    live, details = scored(client, database, worker, "Schöne Grüße aus Köln über die Größe")
    assert live.scored_by.startswith("max(compact-de,hf:gbert)@")
    assert live.scored_by.endswith(f"+{version.replace('@', '=')}")
    assert details["model"] == "max(compact-de,hf:gbert)"
    assert live.scored_by == f"{details['model']}@{details['model_version']}"

    rolled_back = moderation(env, "model", "rollback")
    assert rolled_back.output == f"Model {shipped} is live again.\n"
    assert scored(client, database, worker, "Noch ein Gruß aus Bonn")[0].scored_by == shipped
    with database.transaction() as session:
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("model.%")).order_by(AuditEvent.id)).all()
        row = session.scalar(select(ModelVersion))
        assert (row.kind, row.note) == ("transformer", "Aus der Redaktion")
    assert actions == ["model.installed", "model.promoted", "model.rolled_back"]


def test_a_fetched_detoxify_model_is_the_candidate_and_outlives_its_cache_folder(
        client, database, worker, env, tmp_path, tiny_detoxify):
    shipped = model_versions.shipped_version()
    release = build_release(tmp_path / "release")

    fetched = moderation(env, "model", "fetch", "--checkpoint-url", str(release.checkpoint),
                         "--quiet")

    assert fetched.exit_code == 0, fetched.output
    checkpoint = tmp_path / "models" / "multilingual" / "checkpoint.ckpt"
    version = (f"detoxify-multilingual@{metadata.version('detoxify')}"
               f"+sha256.{file_sha256(checkpoint)[:12]}")
    assert f"Model {version} installed as the candidate" in fetched.output
    with database.transaction() as session:
        row = session.scalar(select(ModelVersion))
        assert (row.version, row.kind, row.state.value) == (version, "transformer", "candidate")
        assert row.manifest["fetch"]["kind"] == "detoxify"
        assert row.manifest["fetch"]["model"] == "multilingual"
        stored = Path(row.path)
        assert row.manifest["files"]["checkpoint.ckpt"]["sha256"] == file_sha256(checkpoint)
        assert "hf/config.json" in row.manifest["files"]
    assert stored.parent == tmp_path / "store"

    # Not live: compact-de decides alone; the candidate is scored beside it in shadow.
    comment, _ = scored(client, database, worker, "Du bist ein Idiot, halt den Mund!")
    assert comment.scored_by == shipped
    assert worker.shadow.scorer.name == "max(compact-de,detoxify-multilingual)"
    assert shadow_versions(database) == [version]

    # The cache folder goes (a refetch replaces it): the registered copy loads from the store.
    shutil.rmtree(tmp_path / "models")
    assert moderation(env, "model", "promote").output == f"Model {version} is live.\n"
    live, details = scored(client, database, worker, "Schöne Grüße aus Köln über die Größe")
    assert live.scored_by.startswith("max(compact-de,detoxify-multilingual)@")
    assert live.scored_by.endswith(f"+{version.replace('@', '=')}")
    assert live.scored_by == f"{details['model']}@{details['model_version']}"
    assert set(live.scores) >= {"toxicity", "insult", "threat"}

    assert moderation(env, "model", "rollback").output == f"Model {shipped} is live again.\n"
    assert scored(client, database, worker, "Grüße aus Bonn")[0].scored_by == shipped


def test_a_detoxify_model_fetched_before_is_installed_by_name_and_doctor_says_so(
        database, env, tmp_path, tiny_detoxify):
    release = build_release(tmp_path / "release")
    fetched = moderation(env, "model", "fetch", "--checkpoint-url", str(release.checkpoint),
                         "--quiet", "--no-install")
    assert fetched.exit_code == 0, fetched.output
    with database.transaction() as session:
        assert model_versions.versions(session) == []
    assert "detoxify_not_registered" in moderation(env, "doctor").output
    assert "model install --detoxify multilingual" in moderation(env, "doctor").output

    installed = moderation(env, "model", "install", "--detoxify", "multilingual",
                           "--note", "Früher geholt")

    assert installed.exit_code == 0, installed.output
    assert "Model detoxify-multilingual@" in installed.output
    assert "detoxify_not_registered" not in moderation(env, "doctor").output
    again = moderation(env, "model", "fetch", "--checkpoint-url", str(release.checkpoint),
                       "--quiet")
    assert again.exit_code == 0, again.output
    # The refetched checkpoint names its new cache folder: another file, another candidate.
    assert "Model detoxify-multilingual@" in again.output
    with database.transaction() as session:
        assert [row.state.value for row in model_versions.versions(session)] == [
            "candidate", "retired"]
    unknown = moderation(env, "model", "install", "--detoxify", "original")
    assert unknown.exit_code == 2 and "is not fetched into" in unknown.output
    both = moderation(env, "model", "install", "--detoxify", "multilingual",
                      "--transformer", "gbert")
    assert both.exit_code == 2


def test_a_registered_transformer_runs_through_onnx_and_windows(
        database, config, clock, tmp_path, tiny_cache):
    fetched = cached_transformer("gbert", tiny_cache)
    assert fetched is not None
    store_config = config.replace(model_store=tmp_path / "store", model_cache=tiny_cache)
    with database.transaction() as session:
        stored = Path(model_versions.install(session, fetched.folder, store_config,
                                             actor="cli", note=None, now=clock()).path)
    torch_scorer = registered_transformer(stored, store_config)
    onnx_scorer = registered_transformer(stored, store_config.replace(
        detoxify_quantize="onnx", detoxify_onnx_dir=str(tmp_path / "onnx")))
    texts = ["Danke für den Artikel!", "Du Idiot!", LONG]
    tokenizer = AutoTokenizer.from_pretrained(stored)
    assert len(tokenizer(LONG)["input_ids"]) > 2 * MAX_TOKENS  # several windows

    by_torch, by_onnx = torch_scorer.score(texts), onnx_scorer.score(texts)

    # The registered copy scores as the fetched model does, windows included (their scores
    # are checked against transformers itself in test_transformer).
    in_cache = TransformerScorer(fetched.folder, fetched.labels, fetched.activation,
                                 name="gbert")
    assert by_torch == in_cache.score(texts) and torch_scorer.version == in_cache.version
    assert max(abs(a["toxicity"] - b["toxicity"])
               for a, b in zip(by_torch, by_onnx, strict=True)) < 1e-3
    assert onnx_scorer.version == torch_scorer.version + "+onnx-fp32"
    assert list((tmp_path / "onnx").glob("hf-*.fp32.onnx"))
    assert model_versions.changed_files(stored, model_versions.file_hashes(stored)) == []
