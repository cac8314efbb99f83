"""Probes, the API documents, and what the API says while the database is away."""

from __future__ import annotations

import pytest

from moderation import create_app
from tests.support.http import assert_error, post_comment

# A real TCP connection that is refused: nothing listens on port 1.
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/moderation"


@pytest.fixture
def cut_off_client(config, clock):
    app = create_app(config.replace(database_url=UNREACHABLE), clock=clock)
    yield app.test_client()
    app.extensions["moderation"].database.dispose()


def test_healthz_answers_while_the_process_lives(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_tells_the_public_only_whether_it_is_ready(client, worker):
    post_comment(client)  # waiting in the queue, no worker reported: degraded for a key
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}
    worker.run_once()
    assert client.get("/readyz").get_json() == {"status": "ready"}


def test_readyz_reports_database_scorer_and_queue_to_a_key(client, worker, clock, editor):
    post_comment(client)
    clock.advance(seconds=30)
    response = client.get("/readyz", headers=editor)
    body = response.get_json()
    assert body["status"] == "degraded"  # no worker has reported yet
    assert body["scorer"]["state"] == "no_worker"
    assert body["queue"] == {"pending": 1, "oldest_age_seconds": 30.0}
    assert response.headers["Cache-Control"] == "no-store"

    worker.run_once()
    body = client.get("/readyz", headers=editor).get_json()
    assert (body["status"], body["database"]) == ("ready", "ok")
    worker_report = body["scorer"]["workers"][0]
    assert (worker_report["model"], worker_report["device"]) == ("keyword-test", "cpu")
    assert body["queue"] == {"pending": 0, "oldest_age_seconds": None}


def test_readyz_refuses_a_key_that_is_not_valid(client):
    assert_error(client.get("/readyz", headers={"Authorization": "Bearer mod_falsch"}), 401,
                 "unauthorized")


def test_readyz_documents_both_answers(client):
    spec = client.get("/openapi.json").get_json()
    ready = spec["paths"]["/readyz"]["get"]
    shapes = ready["responses"]["200"]["content"]["application/json"]["schema"]["oneOf"]
    assert [shape["$ref"].rsplit("/", 1)[1] for shape in shapes] == ["Readiness",
                                                                     "ReadinessDetail"]
    assert set(spec["components"]["schemas"]["Readiness"]["properties"]) == {"status"}
    assert {"scorer", "queue"} <= set(
        spec["components"]["schemas"]["ReadinessDetail"]["properties"])
    assert {} in ready["security"] and {"apiKey": []} in ready["security"]


def test_a_silent_worker_no_longer_counts(client, worker, clock, editor):
    worker.run_once()
    clock.advance(minutes=5)
    assert client.get("/readyz", headers=editor).get_json()["scorer"]["state"] == "no_worker"


def test_readyz_is_503_without_the_database(cut_off_client, editor):
    for headers in ({}, editor):  # no key can be checked without the database
        response = cut_off_client.get("/readyz", headers=headers)
        assert response.status_code == 503
        assert response.get_json() == {"status": "unavailable"}


def test_without_the_database_requests_get_a_503_not_a_500(cut_off_client):
    response = post_comment(cut_off_client)
    body = assert_error(response, 503, "database_unavailable")
    assert response.headers["Retry-After"] == "5"
    assert "Traceback" not in body["message"]
    assert_error(cut_off_client.get("/v1/articles/ki-im-alltag/comments"), 503,
                 "database_unavailable")


def test_interactive_docs_and_openapi_document_are_served(client):
    assert client.get("/openapi.json").get_json()["info"]["title"] == "moderation"
    docs = client.get("/docs")
    assert docs.status_code == 200 and b"swagger-ui" in docs.data
