"""The scoring worker follows the live model version: it loads the promoted model before its
next batch, names the version in scored_by, decisions and /readyz, and goes back on a
rollback. A live model whose files changed is not scored with: comments wait for editors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from moderation.models import Comment, ModerationEvent, ShadowDecision
from moderation.scoring.compact import MODEL_FILE
from moderation.scoring.factory import load_scorer
from moderation.services import model_versions
from moderation.workers.scoring import ScoringWorker
from tests.support.compact_models import train_tiny
from tests.support.http import post_comment


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory.mktemp("trained") / "modell")


@pytest.fixture
def compact_config(config, tmp_path):
    return config.replace(scorer="compact", model_store=tmp_path / "modelle")


@pytest.fixture
def real_worker(database, compact_config, clock) -> ScoringWorker:
    return ScoringWorker(database, compact_config, load_scorer, clock, worker_id="worker-m")


def scored(client, database, worker, body: str) -> tuple[Comment, ModerationEvent]:
    public_id = post_comment(client, body).get_json()["id"]
    assert worker.run_once() == 1
    with database.transaction() as session:
        comment = session.scalar(select(Comment).where(Comment.public_id == public_id))
        event = session.scalars(select(ModerationEvent).where(
            ModerationEvent.comment_id == comment.id).order_by(ModerationEvent.id)).all()[-1]
        session.expunge_all()
        return comment, event


def readyz_worker(client, editor) -> dict:
    (worker,) = client.get("/readyz", headers=editor).get_json()["scorer"]["workers"]
    return worker


def test_the_worker_scores_with_the_promoted_model_and_back_after_rollback(
        client, database, compact_config, clock, real_worker, editor, trained):
    shipped = model_versions.shipped_version()
    comment, event = scored(client, database, real_worker, "Danke für den Überblick, Grüße!")
    assert comment.scored_by == shipped
    assert readyz_worker(client, editor)["model_version"] == shipped

    with database.transaction() as session:
        version = model_versions.install(session, trained, compact_config, actor="cli",
                                         note=None, now=clock()).version
    comment, _ = scored(client, database, real_worker, "Noch ein Kommentar aus München")
    assert comment.scored_by == shipped  # a candidate scores nothing

    with database.transaction() as session:
        model_versions.promote(session, actor="cli", now=clock())
    comment, event = scored(client, database, real_worker, "Du bist ein dummer Idiot!")
    assert comment.scored_by == version
    assert real_worker.scorer.scorer.folder == Path(model_versions.store_of(compact_config),
                                                    version.replace("@", "_"))
    assert (event.details["model"], event.details["model_version"]) == tuple(
        version.split("@"))
    details = readyz_worker(client, editor)
    assert (details["state"], details["model_version"], details["live_model"]) == (
        "ready", version, version)

    with database.transaction() as session:
        model_versions.rollback(session, actor="cli", now=clock())
    comment, _ = scored(client, database, real_worker, "Schöne Grüße aus Köln")
    assert comment.scored_by == shipped
    assert readyz_worker(client, editor)["live_model"] == shipped


def test_a_live_model_with_changed_files_holds_comments_for_editors(
        client, database, compact_config, clock, real_worker, editor, trained):
    with database.transaction() as session:
        model_versions.install(session, trained, compact_config, actor="cli", note=None,
                               now=clock())
        live = model_versions.promote(session, actor="cli", now=clock())
        stored = Path(live.path)
    with (stored / MODEL_FILE).open("ab") as handle:
        handle.write(b"\0")

    comment, event = scored(client, database, real_worker, "Ein Kommentar über Größe")
    assert comment.status.value == "review"
    assert comment.scored_by is None
    assert event.reason_code == "scorer_unavailable"
    details = readyz_worker(client, editor)
    assert details["state"] == "unavailable" and "model.npz" in details["error"]


def test_a_candidate_model_is_scored_in_shadow_and_reported(
        client, database, compact_config, clock, real_worker, admin, trained):
    with database.transaction() as session:
        candidate = model_versions.install(session, trained, compact_config, actor="cli",
                                           note=None, now=clock())
        candidate_id, version = candidate.id, candidate.version
    toxic, _ = scored(client, database, real_worker, "Du bist ein dummer Idiot, halt die Fresse!")
    harmless, _ = scored(client, database, real_worker, "Danke für den Artikel, Grüße aus Köln")

    assert toxic.scored_by == harmless.scored_by == model_versions.shipped_version()
    assert real_worker.shadow.version == version
    with database.transaction() as session:
        shadows = session.scalars(select(ShadowDecision).order_by(ShadowDecision.id)).all()
        assert [(s.comment_id, s.model_version_id, s.policy_version_id) for s in shadows] == [
            (toxic.id, candidate_id, None), (harmless.id, candidate_id, None)]
        assert [s.live_status for s in shadows] == [toxic.status, harmless.status]
        assert all(s.status.value in {"approved", "review", "rejected"} for s in shadows)

    report = client.get("/v1/admin/models/candidate/report", headers=admin).get_json()
    assert (report["candidate"], report["compared"]) == (version, 2)
    assert sum(row["count"] for row in report["live_vs_candidate"]) == 2
    # The policy's own candidate report knows nothing of it.
    assert client.get("/v1/admin/policy/candidate/report", headers=admin).status_code == 404

    with database.transaction() as session:
        model_versions.promote(session, actor="cli", now=clock())
    scored(client, database, real_worker, "Noch ein Kommentar")
    assert real_worker.shadow is None
    with database.transaction() as session:
        assert len(session.scalars(select(ShadowDecision)).all()) == 2
    assert client.get("/v1/admin/models/candidate/report", headers=admin).status_code == 404


def test_a_scorer_without_compact_part_scores_no_candidate(
        client, database, config, clock, worker, trained, tmp_path):
    with database.transaction() as session:
        model_versions.install(session, trained, config.replace(model_store=tmp_path / "m"),
                               actor="cli", note=None, now=clock())
    scored(client, database, worker, "Schöne Grüße")

    assert worker.shadow is not None and worker.shadow.scorer is None
    with database.transaction() as session:
        assert session.scalars(select(ShadowDecision)).all() == []
