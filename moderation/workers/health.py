"""Whether this host's workers are alive, for a container's health check: a scoring worker
writes its heartbeat to the database (as ``/readyz`` shows) under an id that starts with
the host's name."""

from __future__ import annotations

import socket

from sqlalchemy import func, select

from moderation.clock import Clock, utcnow
from moderation.config import Config
from moderation.db import Database
from moderation.models import WorkerHeartbeat
from moderation.services.status import WORKER_SILENCE


def alive_here(config: Config, clock: Clock = utcnow, host: str | None = None) -> int:
    """How many workers of ``host`` (this one by default) reported within the silence a
    worker is taken for dead after; 0 also when the database cannot be reached."""
    prefix = f"{host or socket.gethostname()}:"
    try:
        with Database(config.database_url) as database, \
                database.session(read_only=True) as session:
            return session.scalar(
                select(func.count()).select_from(WorkerHeartbeat)
                .where(WorkerHeartbeat.id.startswith(prefix, autoescape=True),
                       WorkerHeartbeat.seen_at >= clock() - WORKER_SILENCE)) or 0
    except Exception:  # unreachable, not migrated: not healthy, and no traceback
        return 0
