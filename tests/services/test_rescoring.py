"""Re-scoring after a model or policy change, never touching editors' decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from sqlalchemy import select

from moderation.cli import main
from moderation.domain import CommentStatus
from moderation.models import Comment, Job
from moderation.services.rescoring import RescoreFilter, rescore
from tests.support.http import post_comment


def status(database, public_id):
    with database.transaction() as session:
        return session.scalar(select(Comment.status).where(Comment.public_id == public_id))


def test_rescoring_applies_a_new_policy_but_not_over_editors(
        client, database, worker, editor, admin_key, clock):
    admin = {"Authorization": f"Bearer {admin_key}"}
    doubtful = post_comment(client, "Ziemlich dumm, dieser Vergleich.").get_json()["id"]
    overruled = post_comment(client, "Du Idiot, aber lustig.").get_json()["id"]
    worker.run_once()
    client.post(f"/v1/moderation/comments/{overruled}/approve", headers=editor)
    assert status(database, doubtful) is CommentStatus.REVIEW

    client.patch("/v1/admin/policy", headers=admin, json={"thresholds": {
        "toxicity": {"review": 0.7, "reject": 0.9}, "insult": {"review": 0.6, "reject": 0.9}}})
    with database.transaction() as session:
        assert rescore(session, RescoreFilter(), clock()) == 1
        assert rescore(session, RescoreFilter(), clock()) == 0  # already queued
    worker.run_once()

    assert status(database, doubtful) is CommentStatus.APPROVED
    assert status(database, overruled) is CommentStatus.APPROVED
    detail = client.get(f"/v1/moderation/comments/{doubtful}", headers=editor).get_json()
    assert detail["events"][-1]["details"]["policy"]["label"] == "live@1"


def test_rescoring_filters_by_status_article_and_time(client, database, worker, clock):
    post_comment(client, "Erster Kommentar")
    clock.advance(hours=2)
    post_comment(client, "Zweiter Kommentar", article_path="/v1/articles/anderer/comments")
    worker.run_once()
    now = clock()
    with database.transaction() as session:
        def count(**which):
            return rescore(session, RescoreFilter(**which), now, dry_run=True)

        assert count() == 2
        assert count(statuses=(CommentStatus.REVIEW,)) == 0
        assert count(article_key="anderer") == 1
        assert count(created_after=now - timedelta(hours=1)) == 1
        assert count(created_before=now - timedelta(hours=1)) == 1
        assert session.scalars(select(Job)).all() == []  # a dry run queues nothing


def test_the_rescore_command(client, database, worker, config, clock):
    post_comment(client, "Ziemlich dumm, dieser Vergleich.")
    post_comment(client, "Danke!")
    worker.run_once()
    runner = CliRunner()
    env = {"MODERATION_DATABASE_URL": config.database_url}
    dry = runner.invoke(main, ["rescore", "--status", "review", "--dry-run"], env=env)
    assert dry.exit_code == 0 and "1 comments would be queued" in dry.output
    done = runner.invoke(main, ["rescore"], env=env)
    assert done.exit_code == 0 and "2 comments queued" in done.output
    clock.now = datetime.now(UTC) + timedelta(seconds=1)  # the command queued them "now"
    assert worker.run_once() == 2
    bad = runner.invoke(main, ["rescore", "--status", "verschollen"], env=env)
    assert bad.exit_code != 0


def test_rescoring_leaves_erased_comments_alone(client, database, worker, admin_key, clock):
    admin = {"Authorization": f"Bearer {admin_key}"}
    erased = post_comment(client, "Ziemlich dumm, dieser Vergleich.",
                          author_email="loesch.mich@example.de").get_json()["id"]
    kept = post_comment(client, "Ziemlich dumm, dieser Vergleich, finde ich.").get_json()["id"]
    worker.run_once()
    response = client.post("/v1/admin/privacy/erase", headers=admin,
                           json={"email": "loesch.mich@example.de"})
    assert response.status_code == 200, response.get_data(as_text=True)

    with database.transaction() as session:
        assert rescore(session, RescoreFilter(), clock()) == 1
        queued = session.scalars(select(Job.subject_id)).all()
        ids = dict(session.execute(select(Comment.public_id, Comment.id)).all())
    assert queued == [ids[kept]] and ids[erased] not in queued
