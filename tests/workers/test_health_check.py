"""``moderation worker --check``: a container's health check, answered from the heartbeats
this host's workers write to the database."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta

import pytest
from click.testing import CliRunner

from moderation.cli import main
from moderation.clock import utcnow
from moderation.models import WorkerHeartbeat
from tests.support.smtp import free_port

HOST = socket.gethostname()


def heartbeat(database, worker_id: str, age: timedelta) -> None:
    seen = utcnow() - age
    with database.transaction() as session:
        session.add(WorkerHeartbeat(id=worker_id, started_at=seen, seen_at=seen,
                                    scorer_state="ready"))


def check(database_url: str, tmp_path):
    return CliRunner().invoke(main, ["worker", "--check"], env={
        "MODERATION_DATABASE_URL": database_url,
        "MODERATION_INSTANCE_PATH": str(tmp_path)})


def test_healthy_with_a_fresh_heartbeat_of_this_host(database, database_url, tmp_path):
    heartbeat(database, f"{HOST}:4711:a1b2c3", timedelta(seconds=5))
    result = check(database_url, tmp_path)
    assert result.exit_code == 0, result.output
    assert "1 worker(s) alive on this host" in result.output


@pytest.mark.parametrize(("worker_id", "age"), [
    (f"{HOST}:4711:a1b2c3", timedelta(minutes=5)),  # this host's, but silent
    ("anderer-host:4711:a1b2c3", timedelta(seconds=5)),  # fresh, but another host's
    (f"{HOST}x:4711:a1b2c3", timedelta(seconds=5)),  # a host whose name starts like ours
], ids=["stale", "other-host", "longer-host-name"])
def test_unhealthy_without_one(database, database_url, tmp_path, worker_id, age):
    heartbeat(database, worker_id, age)
    result = check(database_url, tmp_path)
    assert result.exit_code == 1, result.output
    assert "No worker of this host has a fresh heartbeat" in result.output


def test_unhealthy_when_the_database_cannot_be_reached(tmp_path):
    result = check(f"sqlite:///{tmp_path / 'nie-migriert.db'}", tmp_path)
    assert result.exit_code == 1, result.output


def test_a_running_worker_is_healthy_after_its_first_heartbeat(database, database_url,
                                                               tmp_path, worker, clock):
    clock.now = utcnow()
    assert check(database_url, tmp_path).exit_code == 1
    worker.id = f"{HOST}:{worker.id}"
    worker.run_once()  # writes the heartbeat, as `moderation worker` does
    assert check(database_url, tmp_path).exit_code == 0
    worker.sign_off()  # a worker stopped cleanly takes its heartbeat with it
    assert check(database_url, tmp_path).exit_code == 1


def test_the_worker_process_serves_its_metrics_and_passes_its_health_check(
        database, database_url, tmp_path):
    port = free_port()
    env = {**os.environ, "MODERATION_DATABASE_URL": database_url,
           "MODERATION_INSTANCE_PATH": str(tmp_path), "MODERATION_METRICS_PORT": str(port),
           "MODERATION_SCORER": "compact", "MODERATION_LOG_FORMAT": "json"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process = subprocess.Popen(
        [sys.executable, "-c", "from moderation.cli import main; main()", "worker"],
        env=env, stderr=subprocess.PIPE, text=True)
    try:
        scraped = _wait_for(lambda: _get(f"http://127.0.0.1:{port}/metrics"))
        assert 'moderation_db_pool_size{process="worker"}' in scraped
        _wait_for(lambda: check(database_url, tmp_path).exit_code == 0)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert check(database_url, tmp_path).exit_code == 1  # signed off
    lines = [json.loads(line) for line in stderr.splitlines()]
    assert any(line["logger"] == "moderation.workers.scoring" for line in lines)


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
            return response.read().decode()
    except OSError:
        return None


def _wait_for(probe, seconds: float = 60.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("the worker did not come up")
