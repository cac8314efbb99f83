"""The scoring worker: claims, decides, fails closed, survives crashes."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from moderation import jobs
from moderation.db import Database
from moderation.models import Comment, Job, ModerationEvent
from moderation.scoring.detoxify import DetoxifyScorer
from moderation.services import automation
from moderation.workers.scoring import ScoringWorker
from tests.support.http import post_comment
from tests.support.scorers import BrokenScorer, KeywordScorer, unavailable


def status_of(database, public_id: str) -> str:
    with database.transaction() as session:
        return session.scalar(select(Comment.status).where(Comment.public_id == public_id)).value


def events_of(database, public_id: str) -> list[ModerationEvent]:
    with database.transaction() as session:
        comment = session.scalar(select(Comment).where(Comment.public_id == public_id))
        return list(session.scalars(select(ModerationEvent)
                                    .where(ModerationEvent.comment_id == comment.id)
                                    .order_by(ModerationEvent.id)))


def job_count(database) -> int:
    with database.transaction() as session:
        return len(session.scalars(select(Job)).all())


def submit(client, body: str, mode: str | None = None, editor=None) -> str:
    if mode:
        client.patch("/v1/moderation/articles/ki-im-alltag", json={"moderation_mode": mode},
                     headers=editor)
    return post_comment(client, body).get_json()["id"]


def test_the_policy_sorts_scored_comments_and_records_why(client, database, worker):
    clean = submit(client, "Danke für den Überblick!")
    doubtful = submit(client, "Ziemlich dumm, dieser Vergleich.")
    toxic = submit(client, "Du Idiot!")

    assert worker.run_once() == 3
    assert [status_of(database, c) for c in (clean, doubtful, toxic)] == [
        "approved", "review", "rejected"]
    decision = events_of(database, toxic)[-1]
    assert (decision.actor, decision.from_status.value, decision.reason_code) == (
        "system", "pending", "score_above_reject")
    assert decision.details["model"] == "keyword-test"
    assert decision.details["scores"]["insult"] == pytest.approx(0.95)
    assert decision.details["policy"]["thresholds"]["insult"] == {"review": 0.5, "reject": 0.9}
    triggers = decision.details["explanation"]["triggers"]
    assert [t["category"] for t in triggers] == ["toxicity", "insult"]
    assert job_count(database) == 0
    assert worker.run_once() == 0


def test_comments_are_scored_in_batches(client, worker, scorer, config):
    for i in range(config.worker_batch_size + 3):
        submit(client, f"Kommentar Nummer {i}")
    assert worker.run_once() == config.worker_batch_size
    assert worker.run_once() == 3
    assert [len(batch) for batch in scorer.calls] == [config.worker_batch_size, 3]


def test_pre_moderation_holds_even_harmless_comments(client, database, worker, editor):
    comment = submit(client, "Harmlos und freundlich.", mode="pre", editor=editor)
    worker.run_once()
    assert status_of(database, comment) == "review"
    assert events_of(database, comment)[-1].reason_code == "pre_moderation"


def test_post_moderation_publishes_at_once_and_withdraws_flagged_comments(
        client, database, worker, editor):
    fine = submit(client, "Guter Punkt.", mode="post", editor=editor)
    flagged = submit(client, "Du Idiot!")
    assert status_of(database, flagged) == "approved"
    assert {c["id"] for c in client.get("/v1/articles/ki-im-alltag/comments").get_json()[
        "comments"]} == {fine, flagged}

    worker.run_once()
    assert status_of(database, fine) == "approved"
    # post moderation never rejects without an editor: it holds for review
    assert status_of(database, flagged) == "review"
    assert events_of(database, flagged)[-1].reason_code == "score_above_reject"


def test_without_a_scorer_comments_wait_for_an_editor(client, database, config, clock, app,
                                                      editor):
    worker = ScoringWorker(database, config, unavailable, clock, worker_id="ohne-modell")
    comment = submit(client, "Ein ganz normaler Kommentar.")
    worker.run_once()

    assert status_of(database, comment) == "review"
    event = events_of(database, comment)[-1]
    assert event.reason_code == "scorer_unavailable"
    assert "/nirgendwo/checkpoint.ckpt" in event.reason
    ready = client.get("/readyz", headers=editor).get_json()
    assert ready["status"] == "degraded"
    assert ready["scorer"]["state"] == "unavailable"
    assert "/nirgendwo" in ready["scorer"]["workers"][0]["error"]


def test_the_scorer_is_loaded_again_after_a_while(database, config, clock):
    attempts = []

    def flaky(_config):
        attempts.append(clock())
        if len(attempts) == 1:
            return unavailable(_config)
        return KeywordScorer()

    worker = ScoringWorker(database, config, flaky, clock)
    worker.run_once()
    worker.run_once()
    assert len(attempts) == 1 and worker.scorer.state == "unavailable"
    clock.advance(minutes=2)
    worker.run_once()
    assert worker.scorer.state == "ready"


def test_a_failing_scorer_retries_then_fails_closed(client, database, config, clock):
    worker = ScoringWorker(database, config, lambda _c: BrokenScorer(), clock)
    comment = submit(client, "Kommentar, der den Scorer stolpern lässt.")

    worker.run_once()
    assert status_of(database, comment) == "pending"
    assert worker.run_once() == 0  # not due yet: it waits for its back-off
    for _ in range(config.job_max_attempts):
        clock.advance(minutes=10)
        worker.run_once()
    assert status_of(database, comment) == "review"
    assert events_of(database, comment)[-1].reason_code == "scoring_failed"
    assert "CUDA out of memory" in events_of(database, comment)[-1].reason
    assert job_count(database) == 0


def test_a_crashed_workers_comments_are_claimed_again_after_the_lease(
        client, database, config, clock, scorer):
    comment = submit(client, "Kommentar vor dem Absturz.")
    with database.transaction() as session:
        crashed = jobs.claim(session, jobs.SCORE_COMMENT, "abgestuerzt", 10, clock(),
                             lease=timedelta(seconds=60))
    assert len(crashed) == 1
    survivor = ScoringWorker(database, config, lambda _c: scorer, clock, worker_id="b")
    assert survivor.run_once() == 0  # still leased

    clock.advance(seconds=61)
    assert survivor.run_once() == 1
    assert status_of(database, comment) == "approved"
    with database.transaction() as session:
        assert jobs.still_held(session, [crashed[0].id], "abgestuerzt") == set()


def test_a_worker_whose_lease_was_taken_over_does_not_decide_twice(
        client, database, config, clock, scorer):
    comment = submit(client, "Langsam bewertet.")
    slow = ScoringWorker(database, config, lambda _c: scorer, clock, worker_id="langsam")
    fast = ScoringWorker(database, config, lambda _c: KeywordScorer(), clock,
                         worker_id="schnell")
    original = scorer.score

    def stalls(texts):
        clock.advance(seconds=config.job_lease_seconds + 1)
        assert fast.run_once() == 1  # takes the job over while "langsam" still scores
        return original(texts)

    scorer.score = stalls
    slow.run_once()
    decisions = [e for e in events_of(database, comment) if e.from_status is not None]
    assert len(decisions) == 1 and status_of(database, comment) == "approved"


def test_an_editors_decision_during_scoring_stands(client, database, worker, scorer, editor):
    comment = submit(client, "Du Idiot, aber mit Humor.")
    original = scorer.score

    def editor_decides_meanwhile(texts):
        client.post(f"/v1/moderation/comments/{comment}/approve", headers=editor)
        return original(texts)

    scorer.score = editor_decides_meanwhile
    worker.run_once()
    assert status_of(database, comment) == "approved"
    assert events_of(database, comment)[-1].actor == "key:anna"
    with database.transaction() as session:
        assert session.scalar(select(Comment.max_score).where(
            Comment.public_id == comment)) == pytest.approx(0.97)


def test_concurrent_workers_never_claim_the_same_comment(client, database, config, clock):
    for i in range(40):
        submit(client, f"Kommentar {i}")
    claimed: dict[str, list[int]] = {}
    barrier = threading.Barrier(4)

    def claim_all(owner: str) -> None:
        barrier.wait()
        mine = []
        while True:
            with database.transaction() as session:
                batch = jobs.claim(session, jobs.SCORE_COMMENT, owner, 3, clock(),
                                   lease=timedelta(seconds=60))
                if not batch:
                    break
                mine.extend(job.subject_id for job in batch)
        claimed[owner] = mine

    threads = [threading.Thread(target=claim_all, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [subject for subjects in claimed.values() for subject in subjects]
    assert len(every) == 40 and len(set(every)) == 40


def test_the_real_detoxify_model_scores_through_the_worker(
        client, database, config, clock, tiny_detoxify):
    checkpoint, config_dir = tiny_detoxify
    real = config.replace(scorer="detoxify", detoxify_checkpoint=str(checkpoint),
                          detoxify_config_dir=str(config_dir))
    from moderation.scoring.factory import load_scorer

    worker = ScoringWorker(database, real, load_scorer, clock)
    comment = submit(client, "Grüße aus München – danke für den Artikel über KI!")
    worker.run_once()

    assert isinstance(worker.scorer.scorer, DetoxifyScorer)
    with database.transaction() as session:
        row = session.scalar(select(Comment).where(Comment.public_id == comment))
        assert set(row.scores) == {"toxicity", "severe_toxicity", "obscene", "identity_attack",
                                   "insult", "threat", "sexual_explicit"}
        assert all(0.0 <= value <= 1.0 for value in row.scores.values())
        assert row.scored_by.startswith("detoxify-checkpoint@")
        assert row.status.value in {"approved", "review", "rejected"}
    event = events_of(database, comment)[-1]
    assert event.details["model"] == "detoxify-checkpoint"
    assert event.details["model_version"] == worker.scorer.scorer.version


def test_a_worker_signs_off_when_stopped(client, database, worker, editor):
    stop = threading.Event()
    stop.set()
    worker.ensure_scorer()
    assert client.get("/readyz", headers=editor).get_json()["scorer"]["state"] == "ready"
    worker.run_forever(stop)
    assert client.get("/readyz", headers=editor).get_json()["scorer"]["state"] == "no_worker"


def test_a_worker_stopped_while_the_database_is_away_signs_off_with_one_warning(
        config, clock, scorer, caplog):
    nowhere = Database("postgresql+psycopg://moderation@127.0.0.1:1/moderation")  # refused
    worker = ScoringWorker(nowhere, config, lambda _config: scorer, clock, worker_id="worker-z")
    stop = threading.Event()
    stop.set()
    try:
        worker.run_forever(stop)
    finally:
        nowhere.dispose()

    [warning] = [r for r in caplog.records if r.levelname == "WARNING"]
    assert warning.getMessage().startswith(
        "scoring worker worker-z: database unavailable, not signed off: ")
    assert "\n" not in warning.getMessage() and warning.exc_info is None


def test_an_editor_deciding_while_the_worker_records_is_not_overwritten(
        app, client, editor, worker, monkeypatch):
    """The editor approves after the worker has scored the comment but before it records
    its decision: the worker holds the comment's row, the editor waits, and decides last."""
    comment = post_comment(client, "Was für ein Idiot, dieser Autor.").get_json()
    approval = f"/v1/moderation/comments/{comment['id']}/approve"
    answers = []
    editor_client = app.test_client()
    approving = threading.Thread(target=lambda: answers.append(
        editor_client.post(approval, headers=editor, json={})))
    record = automation.record

    def record_while_an_editor_decides(*args, **kwargs):
        approving.start()
        approving.join(timeout=2)  # without the row lock, the approval goes through now
        return record(*args, **kwargs)

    monkeypatch.setattr(automation, "record", record_while_an_editor_decides)
    worker.run_once()
    approving.join(timeout=30)

    assert answers[0].status_code == 200
    view = client.get(f"/v1/moderation/comments/{comment['id']}", headers=editor).get_json()
    assert view["status"] == "approved"
    assert [(e["actor"], e["to_status"]) for e in view["events"]][-1] == ("key:anna",
                                                                          "approved")
