"""SQLite's writers queue for their turn in the kernel: a second writer waits exactly until
the first has committed or rolled back, readers never wait, and a turn is never kept."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from moderation import migrate, sqlite_writers
from moderation.db import Database
from moderation.sqlite_writers import TURN
from tests.support.queries import driver_statements

WAIT = 10  # seconds: only ever reached when the queue is broken


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    """Two engines on one file, as two gunicorn workers have."""
    url = f"sqlite:///{tmp_path / 'kommentare.db'}"
    migrate.upgrade(url)
    first, second = Database(url), Database(url)
    yield first, second
    first.dispose()
    second.dispose()


def write_in_thread(database: Database, began: threading.Event) -> threading.Thread:
    def write() -> None:
        with database.transaction() as session:
            session.execute(text("INSERT INTO address_keys (day, secret, created_at) "
                                 "VALUES ('2026-12-07', 'zwei', '2026-12-07 08:00:00')"))
            began.set()

    thread = threading.Thread(target=write)
    thread.start()
    return thread


@pytest.mark.parametrize("ending", ["commit", "rollback"])
def test_a_second_writer_waits_for_the_first_to_end_and_no_longer(databases, ending):
    first, second = databases
    began = threading.Event()
    session = first.session()
    transaction = session.begin()
    session.execute(text("INSERT INTO address_keys (day, secret, created_at) "
                         "VALUES ('2026-12-06', 'eins', '2026-12-06 08:00:00')"))
    assert session.connection().connection.info[TURN].held  # its turn, taken at BEGIN
    waiting = write_in_thread(second, began)
    assert not began.wait(0.3)  # queued behind the first writer
    with second.session(read_only=True) as reader:  # readers pass by
        assert reader.scalar(text("SELECT count(*) FROM address_keys")) == 0
    getattr(transaction, ending)()
    session.close()
    assert began.wait(WAIT)
    waiting.join(WAIT)
    with first.session(read_only=True) as reader:
        days = reader.scalars(text("SELECT day FROM address_keys ORDER BY day")).all()
    assert days == (["2026-12-06", "2026-12-07"] if ending == "commit" else ["2026-12-07"])


def test_a_failed_write_gives_its_turn_back(databases):
    first, second = databases
    with pytest.raises(Exception, match="address_keys"), first.transaction() as session:
        session.execute(text("INSERT INTO address_keys (day) VALUES (NULL)"))
    began = threading.Event()
    write_in_thread(second, began).join(WAIT)
    assert began.is_set()
    connection = first.engine.raw_connection()
    try:
        assert connection.info[TURN].held is False
    finally:
        connection.close()


def test_only_files_queue(tmp_path: Path):
    memory = Database("sqlite://")
    connection = memory.engine.raw_connection()
    try:
        assert TURN not in connection.info
    finally:
        connection.close()
        memory.dispose()


def test_the_log_is_copied_into_the_database_after_the_turn_never_inside_it(
        databases, monkeypatch):
    """SQLite's own checkpoint would run inside COMMIT, every writer waiting for it."""
    first, _ = databases
    monkeypatch.setattr(sqlite_writers, "CHECKPOINT_EVERY", 2)
    with driver_statements(first.engine) as statements:
        for day in ("2026-12-08", "2026-12-09"):
            with first.transaction() as session:
                session.execute(text("INSERT INTO address_keys (day, secret, created_at) "
                                     "VALUES (:day, 'x', '2026-12-08 08:00:00')"), {"day": day})
    with first.engine.connect() as connection:  # SQLite's own are off
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    ends = [s for s in statements if s in ("COMMIT", "PRAGMA wal_checkpoint(PASSIVE)")]
    assert ends == ["COMMIT", "COMMIT", "PRAGMA wal_checkpoint(PASSIVE)"]
