"""A new comment, its first event and its scoring job, written together: the rows are the
ones the unit of work would write, the comment is a stored object of the session after, and
on PostgreSQL it is one statement whose NOTIFY wakes the scorers only if it commits."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from moderation import jobs, wakeups
from moderation.domain import CommentStatus
from moderation.logs import request_context
from moderation.models import Comment, Job, ModerationEvent
from moderation.services import new_comments
from tests.support.queries import counted_queries
from tests.support.records import new_comment

EVENT = {"actor": "system", "api_key_id": None, "from_status": None,
         "to_status": CommentStatus.PENDING, "reason_code": "submitted", "reason": None,
         "details": None}
RECEIVED = {"status": CommentStatus.PENDING, "status_reason_code": "submitted"}
FIELDS = {"body": "Grüße aus Görlitz – schöner Artikel!", "author_email": "jürgen@example.de",
          **RECEIVED, "spam": {"duplicate_of": "abc", "by": "author"}, "text_fingerprint": "f" * 64,
          "client_hash": "c" * 64}


def columns(row: object, leave_out: set[str]) -> dict[str, object]:
    return {name: value for name, value in vars(row).items()
            if not name.startswith("_") and name not in leave_out}


def test_the_rows_are_the_ones_the_unit_of_work_writes(database, clock):
    with database.transaction() as session:
        by_orm = new_comment(session, clock(), **FIELDS)
        session.add(by_orm)
        session.flush()
        session.add(ModerationEvent(comment_id=by_orm.id, created_at=clock(), **EVENT))
        together = new_comment(session, clock(), **FIELDS)
        new_comments.store(session, together, {**EVENT, "created_at": clock()}, scoring=False,
                           now=clock())
        ids = by_orm.id, together.id
    with database.transaction() as session:
        first, second = (session.get(Comment, comment_id) for comment_id in ids)
        leave_out = {"id", "public_id", "author_token_hash", "article"}
        assert columns(first, leave_out) == columns(second, leave_out)
        assert second.open_reports == 0 and second.author_email_key is not None
        events = [session.scalars(select(ModerationEvent)
                                  .where(ModerationEvent.comment_id == comment_id)).one()
                  for comment_id in ids]
        assert columns(events[0], {"id", "comment_id"}) == columns(events[1],
                                                                   {"id", "comment_id"})


def test_the_comment_is_stored_in_the_session_and_changes_as_any_other(database, clock):
    with database.transaction() as session:
        comment = new_comment(session, clock(), body="Moin aus Kiel!", **RECEIVED)
        new_comments.store(session, comment, {**EVENT, "created_at": clock()}, scoring=False,
                           now=clock())
        state = inspect(comment)
        assert state.persistent and not session.dirty and not session.new
        assert comment.open_reports == 0  # the column's default, on the object too
        assert [event.reason_code for event in comment.events] == ["submitted"]
        comment.status = CommentStatus.APPROVED
        comment.updated_at = clock() + timedelta(seconds=1)
        comment_id = comment.id
    with database.transaction() as session:
        assert session.get(Comment, comment_id).status is CommentStatus.APPROVED


@pytest.mark.parametrize("scoring", [True, False])
def test_the_scoring_job_carries_the_comment_and_the_request_id(database, clock, scoring):
    with database.transaction() as session, request_context("widget-4711"):
        comment = new_comment(session, clock(), **RECEIVED)
        new_comments.store(session, comment, {**EVENT, "created_at": clock()},
                           scoring=scoring, now=clock())
        comment_id = comment.id
    with database.transaction() as session:
        found = [(job.kind, job.subject_id, job.request_id, job.attempts)
                 for job in session.scalars(select(Job))]
    assert found == ([(jobs.SCORE_COMMENT, comment_id, "widget-4711", 0)] if scoring else [])


def test_on_postgresql_one_statement_whose_notify_only_a_commit_sends(
        database, database_url, clock):
    if database.is_sqlite:  # three plain statements: no round trips to save there
        with database.transaction() as session:
            comment = new_comment(session, clock(), **RECEIVED)
            with counted_queries(database.engine) as statements:
                new_comments.store(session, comment, {**EVENT, "created_at": clock()},
                                   scoring=True, now=clock())
        assert [s.split()[2] for s in statements if s.startswith("INSERT")] == [
            "comments", "moderation_events", "jobs"]
        return
    url = make_url(database_url)
    with psycopg.connect(host=url.host, port=url.port, user=url.username,
                         dbname=url.database, autocommit=True) as listening:
        listening.execute(f'LISTEN "{wakeups.SCORING}"')
        with pytest.raises(RuntimeError), database.transaction() as session:
            new_comments.store(session, new_comment(session, clock(), **RECEIVED),
                               {**EVENT, "created_at": clock()}, scoring=True, now=clock())
            raise RuntimeError("Abbruch")
        assert list(listening.notifies(timeout=0.3)) == []
        with database.transaction() as session:
            comment = new_comment(session, clock(), body="Zweiter Versuch", **RECEIVED)
            with counted_queries(database.engine) as statements:
                new_comments.store(session, comment, {**EVENT, "created_at": clock()},
                                   scoring=True, now=clock())
        arrived = list(listening.notifies(timeout=5, stop_after=1))
    assert [n.channel for n in arrived] == [wakeups.SCORING]
    writes = [s for s in statements if "INSERT" in s]
    assert len(writes) == 1 and writes[0].startswith("WITH")
    with database.transaction() as session:
        assert session.scalars(select(Comment.body)).all() == ["Zweiter Versuch"]
        assert len(session.scalars(select(Job)).all()) == 1
