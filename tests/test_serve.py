"""`moderation serve` as deployed: the real waitress server on a loopback port, spoken to
over HTTP, because what waitress does to headers never shows in Flask's test client."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from moderation.db import Database
from tests.support.http import ARTICLE

LOTS = "1000/hour"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(database_url: str, instance: Path, **settings: str) -> Iterator[int]:
    """``moderation serve`` with these MODERATION_* settings; yields its port."""
    port = free_port()
    env = {**os.environ, "MODERATION_DATABASE_URL": database_url,
           "MODERATION_INSTANCE_PATH": str(instance), "MODERATION_EMBEDDED_WORKER": "0",
           **{f"MODERATION_{name.upper()}": value for name, value in settings.items()}}
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", "from moderation.cli import main; main()", "serve",
         "--port", str(port), "--threads", "2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while request(port, "GET", "/healthz") is None:
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"moderation serve did not start:\n{server.stdout.read()}")
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.communicate(timeout=30)


def request(port: int, method: str, path: str, body: dict | None = None,
            headers: dict[str, str] | None = None) -> int | None:
    """The answer's status, or ``None`` where nobody listens yet."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None,
                           headers={"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        response.read()
        return response.status
    except ConnectionRefusedError:
        return None
    finally:
        connection.close()


@pytest.mark.parametrize(("proxy_count", "expected"), [
    # Behind nginx, every reader is its own bucket, as under gunicorn.
    ("1", [202, 202, 202, 202, 202]),
    # With no trusted proxy, the header is the client's own word: one bucket for all.
    ("0", [202, 202, 202, 429, 429]),
])
def test_readers_behind_a_proxy_are_counted_apart_under_serve(
        database_url: str, database: Database, tmp_path: Path, proxy_count: str,
        expected: list[int]) -> None:
    with serving(database_url, tmp_path, proxy_count=proxy_count,
                 limit_comments_per_address="3/minute", limit_comments_per_email=LOTS,
                 limit_comments_per_article=LOTS, limit_reads_per_address=LOTS) as port:
        statuses = [request(port, "POST", ARTICLE,
                            {"author_name": "Jürgen Müller", "body": f"Grüße, Leser {n}!"},
                            headers={"X-Forwarded-For": f"198.51.{n}.7"})
                    for n in range(5)]

    assert statuses == expected
