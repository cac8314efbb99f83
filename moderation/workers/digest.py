"""The digest worker: one recurring job, run at every full hour, that queues the digests
due then (``services/digests.py``). Like the purge: the job's lease lets one worker at a
time run it, and it is rescheduled after each run."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from moderation import jobs
from moderation.clock import Clock, utcnow
from moderation.config import Config
from moderation.db import Database
from moderation.services import digests
from moderation.services.mail_outbox import Mailing
from moderation.workers.loop import new_worker_id, run_until

# Digests are due at full hours: looking more often than every minute would only add reads.
POLL_SECONDS = 60.0


class DigestWorker:
    """Claims the digest job when it is due, queues the digests, schedules the next run."""

    def __init__(self, database: Database, config: Config, clock: Clock = utcnow,
                 worker_id: str | None = None) -> None:
        self.database = database
        self.mailing = Mailing.of(config)
        self.config = config
        self.clock = clock
        self.id = worker_id or new_worker_id()

    def run_once(self) -> int:
        """Queue the due digests if the job is due and this worker got its lease; returns 1
        if it ran."""
        return jobs.run_recurring(
            self.database, jobs.MAIL_DIGEST, self.id,
            timedelta(seconds=self.config.job_lease_seconds), self.clock, self._queue_digests)

    def _queue_digests(self, session: Session, now: datetime) -> datetime:
        digests.send_due(session, self.mailing, now)
        return digests.next_run(now)

    def run_forever(self, stop: threading.Event) -> None:
        """Queue digests when due until ``stop`` is set."""
        run_until(stop, self.run_once, max(self.config.worker_poll_seconds, POLL_SECONDS),
                  f"digest worker {self.id}")
