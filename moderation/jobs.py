"""One claim-with-lease job mechanism for every kind of background work.

A worker claims due jobs by setting a lease; a worker that dies leaves its lease to
expire and the jobs are claimed again. On PostgreSQL concurrent claimers skip each
other's rows (``FOR UPDATE SKIP LOCKED``); on SQLite the write lock taken by
``BEGIN IMMEDIATE`` serialises claimers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from moderation import wakeups
from moderation.clock import Clock
from moderation.db import Database
from moderation.logs import current_request_id
from moderation.models import Job

SCORE_COMMENT = "score_comment"
DELIVER_WEBHOOK = "deliver_webhook"
PURGE = "purge"  # recurring: one job, rescheduled after every run
SEND_MAIL = "send_mail"
MAIL_DIGEST = "mail_digest"  # recurring, like the purge

# Kinds whose workers wake when such a job is committed; recurring ones run on schedule.
WAKEUP_CHANNELS = {SCORE_COMMENT: wakeups.SCORING, DELIVER_WEBHOOK: wakeups.WEBHOOKS,
                   SEND_MAIL: wakeups.MAIL}


# A job is one INSERT, run at once in the caller's transaction: no object for the unit of
# work to flush (at commit, a second flush of every new comment).
_ADD_JOB = Job.__table__.insert()
NEW_JOB_COLUMNS = ("kind", "subject_id", "run_at", "attempts", "created_at", "request_id")


def job_values(kind: str, now: datetime) -> dict[str, Any]:
    """A new job's columns but its subject: due now, not tried yet, with the id of the
    request (or job) that makes it."""
    return {"kind": kind, "run_at": now, "attempts": 0, "created_at": now,
            "request_id": current_request_id()}


def enqueue(session: Session, kind: str, subject_id: int, now: datetime) -> None:
    """Add a job in the caller's transaction: it exists exactly when the change does, and
    its workers wake when it commits."""
    values = {**job_values(kind, now), "subject_id": subject_id}
    channel = WAKEUP_CHANNELS.get(kind)
    if channel is not None and session.get_bind().dialect.name == "postgresql":
        # One round trip for both: PostgreSQL sends the NOTIFY if and when this commits, and
        # once per transaction however many jobs of the kind it adds.
        session.execute(_add_job_and_notify(channel), values)
        notified(session, kind)
        return
    session.execute(_ADD_JOB, values)
    announce(session, kind)


def notified(session: Session, kind: str) -> None:
    """Note that a statement of the caller's transaction sent the ``NOTIFY`` for a job of
    ``kind`` (PostgreSQL): the commit need not send one more."""
    wakeups.notified(session, WAKEUP_CHANNELS[kind])


@cache
def _add_job_and_notify(channel: str) -> Select[Any]:
    jobs = Job.__table__
    added = (insert(jobs).values({name: bindparam(name) for name in NEW_JOB_COLUMNS})
             .returning(jobs.c.id).cte("added_job"))
    return select(func.pg_notify(channel, "")).select_from(added)


def announce(session: Session, kind: str) -> None:
    """Wake the workers of ``kind`` when the caller's transaction commits (``enqueue``
    does; call it after adding jobs in bulk)."""
    if kind in WAKEUP_CHANNELS:
        wakeups.announce(session, WAKEUP_CHANNELS[kind])


def ensure_one(session: Session, kind: str, now: datetime) -> None:
    """Make sure a job of a recurring ``kind`` exists (due now if it has to be made).

    Workers starting together on PostgreSQL must not make two: the check is repeated under
    a transaction-scoped advisory lock (SQLite's write lock serialises them anyway)."""
    exists = select(Job.id).where(Job.kind == kind).limit(1)
    if session.scalar(exists) is not None:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(kind))))
        if session.scalar(exists) is not None:
            return
    enqueue(session, kind, 0, now)


def claim(session: Session, kind: str, owner: str, limit: int, now: datetime,
          lease: timedelta) -> list[Job]:
    """Lease up to ``limit`` due jobs of one kind to ``owner``; the caller commits."""
    due = (
        select(Job)
        .where(Job.kind == kind, Job.run_at <= now,
               or_(Job.leased_until.is_(None), Job.leased_until < now))
        .order_by(Job.run_at, Job.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    jobs = list(session.scalars(due))
    for job in jobs:
        job.attempts += 1
        job.lease_owner = owner
        job.leased_until = now + lease
    return jobs


def still_held(session: Session, job_ids: list[int], owner: str) -> set[int]:
    """Of these jobs, the ones whose lease ``owner`` still holds (locked for the caller)."""
    if not job_ids:
        return set()
    held = (select(Job.id).where(Job.id.in_(job_ids), Job.lease_owner == owner)
            .with_for_update())
    return set(session.scalars(held))


def complete(session: Session, job_ids: list[int]) -> None:
    if job_ids:
        session.execute(delete(Job).where(Job.id.in_(job_ids)))


def release(session: Session, job_ids: list[int], error: str, run_at: datetime) -> None:
    """Give jobs back to be tried again at ``run_at``."""
    for job in session.scalars(select(Job).where(Job.id.in_(job_ids))):
        job.lease_owner = None
        job.leased_until = None
        job.last_error = error[:2000]
        job.run_at = run_at


def postpone(session: Session, job_id: int, run_at: datetime) -> None:
    """Give back a claimed job that may not run yet, to be claimed at ``run_at``; the claim
    was no attempt."""
    job = session.get(Job, job_id)
    if job is not None:
        job.lease_owner = None
        job.leased_until = None
        job.attempts -= 1
        job.run_at = run_at


def reschedule(session: Session, job_id: int, run_at: datetime) -> None:
    """Give a recurring job back, done, to run again at ``run_at``."""
    job = session.get(Job, job_id)
    if job is not None:
        job.lease_owner = None
        job.leased_until = None
        job.last_error = None
        job.attempts = 0
        job.run_at = run_at


def queue_depth(session: Session, kind: str) -> tuple[int, datetime | None]:
    """How many jobs of a kind wait, and since when the oldest waits."""
    count, oldest = session.execute(
        select(func.count(Job.id), func.min(Job.created_at)).where(Job.kind == kind)
    ).one()
    return count, oldest


def run_recurring(database: Database, kind: str, owner: str, lease: timedelta, clock: Clock,
                  work: Callable[[Session, datetime], datetime]) -> int:
    """Run the recurring job ``kind`` if it is due and ``owner`` gets its lease: ``work``
    does it in one transaction that holds the job's row (nobody claims it meanwhile) and
    says when to run next. Returns 1 if it ran."""
    with database.transaction() as session:
        now = clock()
        ensure_one(session, kind, now)
        claimed = [job.id for job in claim(session, kind, owner, 1, now, lease)]
    if not claimed:
        return 0
    with database.transaction() as session:
        if not still_held(session, claimed, owner):
            return 0
        now = clock()
        reschedule(session, claimed[0], work(session, now))
    return 1
