"""The purge worker: runs the retention purge as one recurring job.

Every worker process runs one; the job's lease lets only one of them purge at a time, and
the job is rescheduled ``purge_interval_minutes`` after each run. A worker that dies while
purging leaves its lease to expire; its purge was rolled back and runs again.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from moderation import jobs
from moderation.clock import Clock, utcnow
from moderation.config import Config
from moderation.db import Database
from moderation.services import retention
from moderation.workers.loop import new_worker_id, run_until

# The purge is due at most every few minutes: looking more often would only add writes.
POLL_SECONDS = 60.0


class PurgeWorker:
    """Claims the purge job when it is due, purges, and schedules the next run."""

    def __init__(self, database: Database, config: Config, clock: Clock = utcnow,
                 worker_id: str | None = None) -> None:
        self.database = database
        self.config = config
        self.clock = clock
        self.id = worker_id or new_worker_id()

    def run_once(self) -> int:
        """Purge if the job is due and this worker got its lease; returns 1 if it purged.
        After a purge, the planner's statistics are refreshed where they went stale."""
        purged = jobs.run_recurring(
            self.database, jobs.PURGE, self.id,
            timedelta(seconds=self.config.job_lease_seconds), self.clock, self._purge)
        if purged:
            self.database.refresh_statistics()
        return purged

    def _purge(self, session: Session, now: datetime) -> datetime:
        retention.purge(session, self.config, now)
        return now + timedelta(minutes=self.config.purge_interval_minutes)

    def run_forever(self, stop: threading.Event) -> None:
        """Purge when due until ``stop`` is set."""
        run_until(stop, self.run_once, max(self.config.worker_poll_seconds, POLL_SECONDS),
                  f"purge worker {self.id}")
