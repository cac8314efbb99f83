"""The loop every worker runs: work while there is work, wait when there is none."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


def run_until(stop: threading.Event, run_once: Callable[[], int], poll_seconds: float,
              name: str) -> None:
    """Call ``run_once`` until ``stop`` is set, sleeping only when it found nothing to do."""
    log.info("%s started", name)
    while not stop.is_set():
        try:
            busy = run_once()
        except Exception:  # the database may be down: wait and try again
            log.exception("%s: iteration failed", name)
            busy = 0
        if not busy:
            stop.wait(poll_seconds)
