"""The admin API of model versions: list, promote, roll back; admins only; audited with
the key; refusals in the one error shape."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from moderation.domain import CommentStatus
from moderation.models import AuditEvent
from moderation.services import model_versions
from tests.support.compact_models import train_tiny
from tests.support.http import assert_error, json_of
from tests.support.shadow_models import decided_in_shadow


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory.mktemp("trained") / "modell")


@pytest.fixture
def candidate(database, config, clock, tmp_path, trained) -> str:
    with database.transaction() as session:
        return model_versions.install(session, trained, config.replace(
            model_store=tmp_path / "modelle"), actor="cli", note="Grüße aus Köln",
            now=clock()).version


def test_the_shipped_model_is_live_while_none_is_registered(client, admin):
    response = client.get("/v1/admin/models", headers=admin)

    assert response.status_code == 200
    shipped = model_versions.shipped_version()
    assert response.get_json() == {"live": shipped, "live_transformer": None, "shipped": shipped,
                                   "versions": []}
    assert response.headers["Cache-Control"] == "no-store"


def test_versions_list_with_manifest(client, admin, candidate):
    body = client.get("/v1/admin/models", headers=admin).get_json()

    (version,) = body["versions"]
    assert body["live"] == body["shipped"]
    assert set(version) == {"version", "kind", "state", "note", "created_by", "created_at",
                            "promoted_by", "promoted_at", "retired_at", "trained_on_erased_at",
                            "manifest"}
    assert (version["version"], version["kind"], version["state"], version["note"]) == (
        candidate, "compact", "candidate", "Grüße aus Köln")
    assert set(version["manifest"]["files"]) == {"model.npz", "manifest.json"}


def test_promote_and_rollback_are_audited_with_the_key(client, admin, candidate, database):
    promoted = client.post("/v1/admin/models/promote", headers=admin)
    assert promoted.status_code == 200
    assert promoted.get_json() == {"live": candidate}
    listed = client.get("/v1/admin/models", headers=admin).get_json()
    assert listed["live"] == candidate
    assert (listed["versions"][0]["state"], listed["versions"][0]["promoted_by"]) == (
        "live", "key:chefin")

    rolled_back = client.post("/v1/admin/models/rollback", headers=admin)
    assert rolled_back.get_json() == {"live": model_versions.shipped_version()}
    with database.transaction() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
            ["model.promoted", "model.rolled_back"])).order_by(AuditEvent.id)).all()
        assert [(e.action, e.actor) for e in events] == [("model.promoted", "key:chefin"),
                                                        ("model.rolled_back", "key:chefin")]
        assert all(e.api_key_id is not None for e in events)


def test_refusals_have_the_error_shape(client, admin):
    body = assert_error(client.post("/v1/admin/models/promote", headers=admin), 404,
                        "not_found")
    assert "No candidate model" in body["message"]
    body = assert_error(client.post("/v1/admin/models/rollback", headers=admin), 409,
                        "conflict")
    assert "Nothing to roll back to" in body["message"]
    assert_error(client.get("/v1/admin/models/candidate/report", headers=admin), 404,
                 "not_found")


def test_a_changed_candidate_is_not_promoted(client, admin, candidate, database):
    with database.transaction() as session:
        stored = Path(model_versions.versions(session)[0].path)
    (stored / "model.npz").write_bytes(b"vertauscht")

    body = assert_error(client.post("/v1/admin/models/promote", headers=admin), 409,
                        "conflict")
    assert body["errors"] == {"files": ["model.npz"]}


def test_admins_only(client, editor):
    assert_error(client.get("/v1/admin/models", headers=editor), 403, "forbidden")
    assert_error(client.post("/v1/admin/models/promote", headers=editor), 403, "forbidden")
    assert_error(client.post("/v1/admin/models/rollback"), 401, "unauthorized")
    assert_error(client.get("/v1/admin/models/candidate/report", headers=editor), 403,
                 "forbidden")


def test_rollback_of_a_kind_named_in_the_body(client, admin, candidate, database):
    client.post("/v1/admin/models/promote", headers=admin)

    body = assert_error(client.post("/v1/admin/models/rollback", headers=admin,
                                    json={"kind": "transformer"}), 409, "conflict")
    assert "no transformer version is live" in body["message"]
    rolled_back = client.post("/v1/admin/models/rollback", headers=admin,
                              json={"kind": "compact"})
    assert rolled_back.get_json() == {"live": model_versions.shipped_version()}


@pytest.mark.parametrize("body", [{"kind": "bert"}, {"kind": ""}, {"art": "compact"}])
def test_rollback_refuses_an_unknown_kind(client, admin, candidate, database, body):
    client.post("/v1/admin/models/promote", headers=admin)

    refused = assert_error(client.post("/v1/admin/models/rollback", headers=admin, json=body),
                           422, "validation_failed")
    assert refused["errors"]
    with database.transaction() as session:
        assert model_versions.live_version(session) == candidate


def test_the_candidates_disagreements_with_text_and_both_decisions(
        client, admin, candidate, database, worker, clock):
    with database.transaction() as session:
        candidate_id = model_versions.candidate_model(session)[0]
    harsh, agreed, newest = decided_in_shadow(client, database, worker, clock, candidate_id, [
        ("Grüße an die Größenwahnsinnigen <b>da oben</b>", CommentStatus.REJECTED),
        ("Danke für den Artikel über Köln", CommentStatus.APPROVED),
        ("Schöne Grüße aus München", CommentStatus.REVIEW)])

    body = json_of(client.get("/v1/admin/models/candidate/disagreements", headers=admin))

    assert body["candidate"] == candidate
    assert [row["comment_id"] for row in body["disagreements"]] == [newest, harsh]
    row = body["disagreements"][1]
    assert row == {"comment_id": harsh, "article": "ki-im-alltag",
                   "text": "Grüße an die Größenwahnsinnigen <b>da oben</b>",
                   "live_status": "approved", "candidate_status": "rejected",
                   "reason_code": "score_above_reject", "created_at": row["created_at"]}
    assert row["created_at"].startswith(clock().date().isoformat())
    limited = json_of(client.get("/v1/admin/models/candidate/disagreements?limit=1",
                                 headers=admin))
    assert [row["comment_id"] for row in limited["disagreements"]] == [newest]
    assert agreed not in {row["comment_id"] for row in body["disagreements"]}


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=viele"])
def test_disagreements_refuse_a_bad_query(client, admin, candidate, query):
    assert_error(client.get(f"/v1/admin/models/candidate/disagreements?{query}",
                            headers=admin), 422, "validation_failed")


def test_disagreements_need_a_candidate_and_an_admin(client, admin, editor):
    body = assert_error(client.get("/v1/admin/models/candidate/disagreements", headers=admin),
                        404, "not_found")
    assert "No candidate model" in body["message"]
    assert_error(client.get("/v1/admin/models/candidate/disagreements", headers=editor), 403,
                 "forbidden")
    assert_error(client.get("/v1/admin/models/candidate/disagreements"), 401, "unauthorized")


def test_the_service_lists_no_disagreements_without_a_candidate(database):
    with database.transaction() as session:
        assert model_versions.shadow_disagreements(session, 50) == []
