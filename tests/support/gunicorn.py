"""The service under gunicorn, as deployed, on a loopback port of its own for one test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.loopback import HOST, answers, free_port, stop, wait_until

ROOT = Path(__file__).resolve().parent.parent.parent


@contextmanager
def gunicorn_serving(database_url: str, instance: Path, *options: str) -> Iterator[int]:
    """gunicorn with ``options`` on ``database_url`` (no embedded worker, no rate limits),
    answering; yields its port and stops it at the end."""
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own service
        [sys.executable, "-m", "gunicorn", *options, "--bind", f"{HOST}:{port}",
         "--log-level", "warning", "moderation:create_app()"],
        cwd=ROOT, start_new_session=True,
        env={**os.environ, "MODERATION_DATABASE_URL": database_url,
             "MODERATION_INSTANCE_PATH": str(instance), "MODERATION_EMBEDDED_WORKER": "0",
             "MODERATION_RATE_LIMITS": "0"})
    try:
        wait_until(lambda: answers(port), [server], 30, "gunicorn")
        yield port
    finally:
        stop([server])
