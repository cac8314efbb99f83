"""``moderation worker --check``: a container's health check, answered from the heartbeats
this host's workers write to the database."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from click.testing import CliRunner

from moderation.cli import main
from moderation.clock import utcnow
from moderation.models import WorkerHeartbeat

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
