"""The scoring worker and a registered transformer: a candidate is scored in shadow beside the
live compact-de, never live; once promoted, compact-de scores beside it (scored_by and
/readyz name it) instead of MODERATION_TRANSFORMER_MODEL; a rollback returns to compact-de
alone, or to MODERATION_TRANSFORMER_MODEL where that is set."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from moderation.models import Comment, ShadowDecision
from moderation.scoring.factory import load_scorer
from moderation.scoring.transformer import weights_sha256
from moderation.scoring.transformer_cache import cached_transformer
from moderation.services import model_versions
from moderation.workers.scoring import ScoringWorker
from tests.support import tiny_transformer_fixtures as tiny
from tests.support.http import post_comment

offline_hub, tiny_hub, tiny_cache = tiny.offline_hub, tiny.tiny_hub, tiny.tiny_cache


@pytest.fixture
def auto_config(config, tmp_path, tiny_cache):
    return config.replace(scorer="auto", model_store=tmp_path / "modelle", model_cache=tiny_cache)


@pytest.fixture
def real_worker(database, auto_config, clock) -> ScoringWorker:
    return ScoringWorker(database, auto_config, load_scorer, clock, worker_id="worker-t")


@pytest.fixture
def version(tiny_cache) -> str:
    fetched = cached_transformer("gbert", tiny_cache)
    assert fetched is not None
    return f"hf:gbert@{weights_sha256(fetched.folder)[:12]}"


def install(database, config, clock) -> int:
    fetched = cached_transformer("gbert", config.model_cache)
    assert fetched is not None
    with database.transaction() as session:
        return model_versions.install(session, fetched.folder, config, actor="cli",
                                      note=None, now=clock()).id


def scored(client, database, worker, body: str) -> Comment:
    public_id = post_comment(client, body).get_json()["id"]
    assert worker.run_once() == 1
    with database.transaction() as session:
        comment = session.scalar(select(Comment).where(Comment.public_id == public_id))
        session.expunge(comment)
        return comment


def readyz_worker(client, editor) -> dict:
    (worker,) = client.get("/readyz", headers=editor).get_json()["scorer"]["workers"]
    return worker


def test_candidate_in_shadow_then_live_then_rolled_back(
        client, database, auto_config, clock, real_worker, editor, admin, version):
    shipped = model_versions.shipped_version()
    candidate_id = install(database, auto_config, clock)
    toxic = scored(client, database, real_worker, "Du bist ein dummer Idiot, halt die Fresse!")
    harmless = scored(client, database, real_worker, "Danke für den Artikel, Grüße aus Köln")

    assert toxic.scored_by == harmless.scored_by == shipped  # the candidate scores nothing live
    assert real_worker.shadow.version == version
    assert real_worker.shadow.scorer.name == "max(compact-de,hf:gbert)"
    with database.transaction() as session:
        shadows = session.scalars(select(ShadowDecision).order_by(ShadowDecision.id)).all()
        assert [(s.comment_id, s.model_version_id) for s in shadows] == [
            (toxic.id, candidate_id), (harmless.id, candidate_id)]
    report = client.get("/v1/admin/models/candidate/report", headers=admin).get_json()
    assert (report["candidate"], report["compared"]) == (version, 2)

    promoted = client.post("/v1/admin/models/promote", headers=admin)
    assert promoted.status_code == 200 and promoted.get_json() == {"live": version}
    comment = scored(client, database, real_worker, "Schöne Grüße aus München über die Größe")
    assert comment.scored_by.startswith(f"max(compact-de,hf:gbert)@{shipped.replace('@', '=')}")
    assert comment.scored_by.endswith(f"+{version.replace('@', '=')}")
    assert real_worker.shadow is None
    details = readyz_worker(client, editor)
    assert (details["state"], details["live_model"], details["live_transformer"]) == (
        "ready", shipped, version)
    assert details["model_version"] == comment.scored_by
    listed = client.get("/v1/admin/models", headers=admin).get_json()
    assert (listed["live"], listed["live_transformer"]) == (shipped, version)
    assert listed["versions"][0]["kind"] == "transformer"

    rolled = client.post("/v1/admin/models/rollback", headers=admin)
    assert rolled.status_code == 200 and rolled.get_json() == {"live": shipped}
    comment = scored(client, database, real_worker, "Noch ein Kommentar aus Köln")
    assert comment.scored_by == shipped
    assert readyz_worker(client, editor)["live_transformer"] is None


def test_the_registered_transformer_wins_over_the_configured_one(
        client, database, auto_config, clock, version):
    # MODERATION_TRANSFORMER_MODEL names a model this machine never fetched.
    configured = auto_config.replace(transformer_model="fehlt")
    worker = ScoringWorker(database, configured, load_scorer, clock, worker_id="worker-u")
    assert scored(client, database, worker, "Grüße").scored_by == \
        model_versions.shipped_version()

    install(database, configured, clock)
    with database.transaction() as session:
        model_versions.promote(session, actor="cli", now=clock())
    assert scored(client, database, worker, "Grüße aus Köln").scored_by.endswith(
        f"+{version.replace('@', '=')}")

    with database.transaction() as session:
        model_versions.rollback(session, actor="cli", now=clock(), kind="transformer")
    # Back to what the configuration says: "fehlt" cannot load, compact-de scores alone.
    assert scored(client, database, worker, "Grüße aus Bonn").scored_by == \
        model_versions.shipped_version()


def test_a_live_transformer_with_changed_files_holds_comments_for_editors(
        client, database, auto_config, clock, real_worker, editor):
    install(database, auto_config, clock)
    with database.transaction() as session:
        stored = Path(model_versions.promote(session, actor="cli", now=clock()).path)
    with (stored / "config.json").open("a", encoding="utf-8") as handle:
        handle.write(" ")

    comment = scored(client, database, real_worker, "Ein Kommentar über Größe")
    assert comment.status.value == "review" and comment.scored_by is None
    details = readyz_worker(client, editor)
    assert details["state"] == "unavailable" and "config.json" in details["error"]
