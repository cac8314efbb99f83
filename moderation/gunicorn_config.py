"""gunicorn settings for the service's worker processes:
``gunicorn -c python:moderation.gunicorn_config "moderation:create_app()"``.

With ``PROMETHEUS_MULTIPROC_DIR`` set (an empty folder only this gunicorn writes to), every
worker process writes its metrics there and ``/metrics`` adds them up, whichever worker
answers the scrape; without it the metrics hooks do nothing. Each worker keeps what it made
while loading the app out of the garbage collector's walks (``long_lived``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any


def on_starting(_server: Any) -> None:
    """Start from an empty folder (it may be a mount point, so it stays): files of an
    earlier run would count again."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for entry in Path(folder).iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()


def post_worker_init(_worker: Any) -> None:
    """The app is loaded and no request taken yet: freeze what loading made."""
    from moderation.long_lived import freeze_startup

    freeze_startup()


def child_exit(_server: Any, worker: Any) -> None:
    """A worker that exited no longer counts in the gauges of live processes (pool use)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
