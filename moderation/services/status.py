"""What operators ask: is the database there, are workers scoring, how long is the queue."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation import jobs
from moderation.models import WorkerHeartbeat

# A worker that has not reported for this long is taken for dead.
WORKER_SILENCE = timedelta(seconds=60)


def scoring_status(session: Session, now: datetime) -> dict[str, Any]:
    """The live workers with their scorer state, and the scoring queue."""
    workers = session.scalars(
        select(WorkerHeartbeat).where(WorkerHeartbeat.seen_at >= now - WORKER_SILENCE)
        .order_by(WorkerHeartbeat.started_at)
    ).all()
    depth, oldest = jobs.queue_depth(session, jobs.SCORE_COMMENT)
    states = {worker.scorer_state for worker in workers}
    if "ready" in states:
        state = "ready"
    elif not workers:
        state = "no_worker"
    else:
        state = "unavailable" if "unavailable" in states else "loading"
    return {
        "scorer": {
            "state": state,
            "workers": [
                {"id": w.id, "state": w.scorer_state, "seen_at": w.seen_at.isoformat(),
                 **(w.details or {})}
                for w in workers
            ],
        },
        "queue": {
            "pending": depth,
            "oldest_age_seconds": round((now - oldest).total_seconds(), 1) if oldest else None,
        },
    }
