"""SQLite's writers take turns in the kernel, not in SQLite's busy handler.

SQLite lets one writer in at a time, and a writer that finds the lock taken sleeps in its
busy handler and looks again: after 1 ms, 2, 5, 10 ms and on. Under steady writes from
several processes (gunicorn's workers, the embedded worker's threads) those naps are most
of the wait: two processes posting comments served no more than one (670 POSTs/s either
way, in-process), the second one's p99 was 36 ms and its worst 340 ms. Here each write
transaction first takes an exclusive ``flock`` on a file beside the database, which the
kernel hands to the next waiter the moment it is let go: the writers queue, and each
waits for the transactions ahead of it and no longer. Readers never queue (WAL).

The turn is taken before ``BEGIN IMMEDIATE`` and given back right after ``COMMIT`` or
``ROLLBACK`` (done here, so that nobody waits for a commit that has happened), and in any
case when the connection goes back to the pool or is closed; a process that dies loses its
turn with its file descriptors. SQLite's automatic checkpoints are off on these connections:
they run inside a COMMIT, and every writer would queue behind one. A connection checkpoints
passively after every ``CHECKPOINT_EVERY`` commits instead, once its turn is given back
(two processes posting: p99 9-10 ms -> 5-6 ms).
"""

from __future__ import annotations

import fcntl
import os
from typing import Any

from sqlalchemy import Connection, Engine, event

TURN = "moderation_writer_turn"
# SQLite's own checkpoints run inside a COMMIT, while the turn is held: every writer would
# wait for one. Ours run after the turn is given back, once this many commits of the
# connection have passed (SQLite's default: every 1,000 pages of log, a few hundred commits).
CHECKPOINT_EVERY = 100


class WriterTurn:
    """One connection's place in the queue of writers: an open lock file."""

    def __init__(self, lock_path: str) -> None:
        self.descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        self.held = False
        self.commits = 0

    def take(self) -> None:
        if not self.held:
            fcntl.flock(self.descriptor, fcntl.LOCK_EX)  # waits in the kernel, GIL released
            self.held = True

    def give_back(self) -> None:
        if self.held:
            fcntl.flock(self.descriptor, fcntl.LOCK_UN)
            self.held = False

    def close(self) -> None:
        self.give_back()
        os.close(self.descriptor)


def queue_writers(engine: Engine, database_path: str) -> None:
    """Make the write transactions of ``engine`` (a SQLite file) take turns."""
    lock_path = f"{database_path}-writers.lock"

    @event.listens_for(engine, "connect")
    def _open(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")  # ours, outside the turn
        record.info[TURN] = WriterTurn(lock_path)

    @event.listens_for(engine, "commit")
    def _commit(connection: Connection) -> None:
        _end(connection, "COMMIT")

    @event.listens_for(engine, "rollback")
    def _rollback(connection: Connection) -> None:
        _end(connection, "ROLLBACK")

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        if (turn := record.info.get(TURN)) is not None:
            turn.give_back()

    @event.listens_for(engine, "close")
    def _close(_dbapi_connection: Any, record: Any) -> None:
        if (turn := record.info.pop(TURN, None)) is not None:
            turn.close()


def take_turn(connection: Connection) -> WriterTurn | None:
    """Wait for this connection's turn to write (None: its engine does not queue)."""
    turn: WriterTurn | None = connection.connection.info.get(TURN)
    if turn is not None:
        turn.take()
    return turn


def _end(connection: Connection, statement: str) -> None:
    """End a writer's transaction and give its turn to the next (the driver's own commit
    or rollback that follows finds no transaction and does nothing); then, now and again,
    copy the log into the database (a passive checkpoint: it waits for nobody, and the
    writers after this one go on meanwhile)."""
    turn: WriterTurn | None = connection.connection.info.get(TURN)
    if turn is None or not turn.held:
        return
    driver = connection.connection.dbapi_connection
    try:
        if driver is not None and driver.in_transaction:
            driver.execute(statement)
    finally:
        turn.give_back()
    turn.commits += 1
    if driver is not None and turn.commits % CHECKPOINT_EVERY == 0:
        driver.execute("PRAGMA wal_checkpoint(PASSIVE)")
