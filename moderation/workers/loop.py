"""The loop every worker runs: work while there is work, wait when there is none (until
the poll interval passed or the worker's bell rang)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable

from moderation.db import UNAVAILABLE, unavailable_reason
from moderation.wakeups import Bell

log = logging.getLogger(__name__)


def new_worker_id() -> str:
    """Names a worker in leases and heartbeats: host, process and a short random part, so
    two workers in one process differ too."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def run_until(stop: threading.Event, run_once: Callable[[], int], poll_seconds: float,
              name: str, bell: Bell | None = None) -> None:
    """Call ``run_once`` until ``stop`` is set, sleeping only when it found nothing to do:
    for ``poll_seconds``, or until ``bell`` rings (work arrived, or ``stop`` was set)."""
    wait = bell.wait if bell is not None else stop.wait
    log.info("%s started", name)
    while not stop.is_set():
        try:
            busy = run_once()
        except UNAVAILABLE as error:  # expected during an outage: one line, no traceback
            log.warning("%s: database unavailable, trying again: %s", name,
                        unavailable_reason(error))
            busy = 0
        except Exception:  # a bug or a fault of its own: keep the worker alive, show it all
            log.exception("%s: iteration failed", name)
            busy = 0
        if not busy:
            wait(poll_seconds)
