"""Under gunicorn, as deployed: a decision made through one API process is read by every
process right after. On PostgreSQL each process keeps the articles' public revisions in
memory and hears of a change by NOTIFY (``revision_watch.py``); on SQLite each reads the
revision."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from bench.loopback import HOST
from moderation import revision_watch
from tests.support.gunicorn import gunicorn_serving

ROOT = Path(__file__).resolve().parent.parent
THREAD = "/v1/articles/stadtfest-goerlitz/comments"
READS = 40  # each on a connection of its own


@pytest.fixture
def served(database_url: str, database, tmp_path: Path) -> Iterator[int]:
    with gunicorn_serving(database_url, tmp_path, "--workers", "2") as port:
        yield port


def call(port: int, method: str, path: str, body: dict | None = None,
         key: str | None = None) -> dict:
    request = urllib.request.Request(
        f"http://{HOST}:{port}{path}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json",
                 **({"Authorization": f"Bearer {key}"} if key else {})})
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
        return json.loads(answer.read())


def publish(port: int, key: str, body: str) -> None:
    posted = call(port, "POST", THREAD, {"author_name": "Jürgen Müller", "body": body})
    call(port, "POST", f"/v1/moderation/comments/{posted['id']}/approve", key=key)


def bodies_read(port: int) -> list[set[str]]:
    """What ``READS`` reads show, four at a time: one at a time, the process that answered
    the last would take nearly every next one too."""
    def read(_: int) -> set[str]:
        return {comment["body"] for comment in call(port, "GET", THREAD)["comments"]}

    with ThreadPoolExecutor(max_workers=4) as readers:
        return list(readers.map(read, range(READS)))


def listeners(database) -> int:
    with database.transaction() as session:
        return session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND query = :listen"), {"listen": f"LISTEN {revision_watch.PROBE_CHANNEL}"})


def test_a_decision_through_one_process_is_read_by_every_process(served, database,
                                                                  editor_key):
    publish(served, editor_key, "Schönes Stadtfest in Görlitz!")
    assert all(seen == {"Schönes Stadtfest in Görlitz!"} for seen in bodies_read(served))
    if not database.is_sqlite:
        deadline = time.monotonic() + 10
        while listeners(database) < 2:  # both processes keep the revision from now on
            assert time.monotonic() < deadline, "the processes do not listen"
            bodies_read(served)
            time.sleep(0.05)
        bodies_read(served)  # … and have kept it
    publish(served, editor_key, "Und die Musik war großartig.")
    # The approving process forgot its revision at the commit; the other heard the notice
    # while the answer travelled. Allow it a moment, then every read must show it.
    deadline = time.monotonic() + 2
    while not all("Und die Musik war großartig." in seen for seen in bodies_read(served)):
        assert time.monotonic() < deadline, "a process kept answering the old page"
    assert all(len(seen) == 2 for seen in bodies_read(served))
