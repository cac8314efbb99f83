"""The purge worker: one recurring job, claimed with a lease, rescheduled after each run."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from moderation import cli, jobs
from moderation.db import Database
from moderation.domain import CommentStatus
from moderation.models import AuditEvent, Job
from moderation.workers.purge import PurgeWorker
from tests.support.records import add_comment, comment_by_id


@pytest.fixture
def purger(database, config, clock):
    return PurgeWorker(database, config, clock, worker_id="putzkraft")


def purge_jobs(database):
    with database.transaction() as session:
        return session.scalars(select(Job).where(Job.kind == jobs.PURGE)).all()


def purges(database):
    with database.transaction() as session:
        return session.scalars(select(AuditEvent).where(
            AuditEvent.action == "retention.purged")).all()


def test_the_first_run_makes_the_job_purges_and_schedules_the_next(
        purger, database, config, clock):
    assert purger.run_once() == 1

    [job] = purge_jobs(database)
    assert job.run_at == clock() + timedelta(minutes=config.purge_interval_minutes)
    assert (job.lease_owner, job.leased_until, job.attempts) == (None, None, 0)
    [entry] = purges(database)
    assert (entry.actor, entry.details["rejected_comments"]) == ("system", 0)

    assert purger.run_once() == 0  # not due
    clock.advance(minutes=59)
    assert purger.run_once() == 0
    clock.advance(minutes=1)
    assert purger.run_once() == 1
    assert len(purges(database)) == 2
    assert len(purge_jobs(database)) == 1


def test_the_worker_scrubs_expired_rejections(purger, database, clock):
    with database.transaction() as session:
        comment = add_comment(session, clock(), body="Weg damit, Grüße", author_name="Grantler",
                              status=CommentStatus.REJECTED).public_id
    purger.run_once()
    clock.advance(days=184)
    purger.run_once()

    with database.transaction() as session:
        tombstone = comment_by_id(session, comment)
        assert (tombstone.body, tombstone.erased_reason) == ("", "retention")


def test_a_leased_purge_is_left_alone_until_the_lease_expires(
        purger, database, config, clock):
    with database.transaction() as session:
        jobs.ensure_one(session, jobs.PURGE, clock())
        [claimed] = jobs.claim(session, jobs.PURGE, "anderer-worker", 1, clock(),
                               timedelta(seconds=config.job_lease_seconds))

    assert purger.run_once() == 0
    assert purges(database) == []
    clock.advance(seconds=config.job_lease_seconds + 1)  # the other worker died

    assert purger.run_once() == 1
    [job] = purge_jobs(database)
    assert job.id == claimed.id and job.lease_owner is None


def test_two_workers_share_one_job_and_purge_once(database, config, clock):
    first = PurgeWorker(database, config, clock, worker_id="erste")
    second = PurgeWorker(database, config, clock, worker_id="zweite")

    assert first.run_once() + second.run_once() == 1
    assert len(purge_jobs(database)) == 1
    clock.advance(hours=1)
    assert second.run_once() + first.run_once() == 1
    assert len(purges(database)) == 2


def test_workers_starting_together_make_one_job_and_purge_once(database, config, clock):
    workers = [PurgeWorker(database, config, clock, worker_id=f"worker-{n}") for n in range(4)]
    start = threading.Barrier(len(workers))
    purged = []

    def run(worker: PurgeWorker) -> None:
        start.wait()
        purged.append(worker.run_once())

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(purged) == [0, 0, 0, 1]
    assert len(purge_jobs(database)) == 1
    assert len(purges(database)) == 1


def test_a_worker_that_lost_its_lease_does_not_purge(purger, database, config, clock):
    with database.transaction() as session:
        jobs.ensure_one(session, jobs.PURGE, clock())
        jobs.ensure_one(session, jobs.PURGE, clock())  # still one
        [job] = jobs.claim(session, jobs.PURGE, purger.id, 1, clock(),
                           timedelta(seconds=config.job_lease_seconds))
        job.lease_owner = "übernommen"  # as if the lease expired and another claimed it

    with database.transaction() as session:
        assert jobs.still_held(session, [job.id], purger.id) == set()
    assert purger.run_once() == 0
    assert purges(database) == []


def test_serve_and_worker_start_a_purge_worker(config, monkeypatch):
    opened = []

    class Recorded(Database):
        def __init__(self, url: str) -> None:
            super().__init__(url)
            opened.append(self)

    monkeypatch.setattr(cli, "Database", Recorded)
    stop = threading.Event()
    stop.set()  # each worker returns at once
    threads = cli._start_workers(config, stop)
    for thread in threads:
        thread.join(timeout=10)
    for database in opened:
        database.dispose()

    assert "purge-worker" in [thread.name for thread in threads]
    assert not any(thread.is_alive() for thread in threads)


def _analysed(database: Database) -> int:
    """How often the comments' planner statistics were gathered (SQLite: whether they are)."""
    with database.engine.connect() as connection:
        if database.is_sqlite:
            return connection.exec_driver_sql(
                "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'comments'").scalar()
        return connection.exec_driver_sql(
            "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'comments'").scalar()


def test_a_purge_brings_the_planners_statistics_up_to_date(purger, database, clock):
    with database.transaction() as session:
        add_comment(session, clock(), body="Schöne Grüße aus Köln", author_name="Jürgen")
    if database.is_sqlite:
        with database.engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM sqlite_stat1")
    before = _analysed(database)

    assert purger.run_once() == 1
    assert _analysed(database) > before

    assert purger.run_once() == 0  # not due: nothing gathered either
    assert _analysed(database) == before + 1 or database.is_sqlite
