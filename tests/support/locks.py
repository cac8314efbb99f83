"""For tests of two transactions at once: wait until one of them waits for the other's lock."""

from __future__ import annotations

import time

from sqlalchemy import text

from moderation.db import Database

WAITING = text("SELECT count(*) FROM pg_stat_activity "
               "WHERE datname = current_database() AND wait_event_type = 'Lock'")


def wait_until_blocked(database: Database, timeout: float = 10.0) -> None:
    """Return once another connection waits for a row lock (PostgreSQL). On SQLite writers
    take the database's write lock at BEGIN, so whichever comes second sees the first's
    committed work anyway: nothing to wait for."""
    if database.is_sqlite:
        return
    deadline = time.monotonic() + timeout
    with database.engine.connect() as connection:
        while connection.execute(WAITING).scalar_one() == 0:
            if time.monotonic() > deadline:
                raise AssertionError("no connection waited for a lock")
            time.sleep(0.01)
            connection.rollback()  # a fresh snapshot of pg_stat_activity
