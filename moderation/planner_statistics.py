"""PostgreSQL's planner statistics kept up with tables that grow fast, so that the plans of
prepared statements follow the data.

psycopg prepares a statement on its fifth run; PostgreSQL then plans it once for all values
(a generic plan) where that looks no dearer than planning each run, and keeps that plan
until the table's statistics change. That halves PostgreSQL's work on a POST (0.68 → 0.38
ms, ``bench/RESULTS.md``), but a plan made while a table was nearly empty (a new site, a
restore, a bench) reads the table whole while it grows: the intake's same-text search cost
2.1–3.1 ms per POST on a few thousand comments until autovacuum's next ``ANALYZE``, which
looks once a minute. Each process that uses the database looks every few seconds
(``Config.statistics_check_seconds``) for tables changed much since their statistics were
gathered and analyzes them, one process at a time: a plan made on a nearly empty table is
replanned seconds after the table grew.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from sqlalchemy import event, text

from moderation.db import UNAVAILABLE, Database, unavailable_reason

log = logging.getLogger(__name__)

# Stale: more rows changed since the last ANALYZE than this many plus this share of the
# rows it counted (autovacuum's default: 50 + 10 %, checked once a minute).
STALE_ROWS, STALE_SHARE = 500, 0.2
LOCK_KEY = 0x6D6F645F7374  # pg_try_advisory_xact_lock: one process analyzes at a time

_STALE = text("""
    SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
    WHERE s.schemaname = current_schema()
      AND s.n_mod_since_analyze > :rows + :share * GREATEST(c.reltuples, 0)
    ORDER BY s.relname""")


def keep_current(database: Database, every_seconds: float) -> StatisticsKeeper | None:
    """On PostgreSQL, keep the planner's statistics current while ``database`` is used in
    this process (and in any forked from it), looking every ``every_seconds`` (0: never);
    nothing on SQLite, which has no autovacuum to wait for (``db.gather_statistics``)."""
    if database.is_sqlite or every_seconds <= 0:
        return None
    return StatisticsKeeper(database, every_seconds)


class StatisticsKeeper:
    """A thread per process, started by the first connection the process takes from the
    pool (after a fork too), stopped when the database is disposed of."""

    def __init__(self, database: Database, every_seconds: float) -> None:
        self._database = database
        self._every_seconds = every_seconds
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._thread: threading.Thread | None = None
        event.listen(database.engine, "checkout", self._start_here)
        database.on_dispose(self._close)

    def refresh_stale(self) -> list[str]:
        """Analyze the tables whose statistics went stale; their names (none while another
        process analyzes)."""
        with self._database.engine.begin() as connection:
            if not connection.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"),
                                     {"key": LOCK_KEY}):
                return []
            stale = list(connection.scalars(_STALE, {"rows": STALE_ROWS,
                                                     "share": STALE_SHARE}))
            quote = connection.dialect.identifier_preparer.quote
            for table in stale:
                connection.exec_driver_sql(f"ANALYZE {quote(table)}")
        if stale:
            log.debug("planner statistics gathered afresh for %s", ", ".join(stale))
        return stale

    def _start_here(self, *_: Any) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid() or self._stop.is_set():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(
                target=self._run, daemon=True,
                name=f"planner-statistics {self._database.url.database}")
            self._thread.start()

    def _close(self) -> None:
        """Stop, and wait for a check under way: its connection must not outlive the pool."""
        self._stop.set()
        with self._lock:
            thread = self._thread if self._pid == os.getpid() else None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.refresh_stale()
            except UNAVAILABLE as error:
                log.warning("planner statistics: database unavailable: %s",
                            unavailable_reason(error))
            except Exception:  # a bug of its own: autovacuum still does the work, later
                log.exception("planner statistics could not be refreshed")
            self._stop.wait(self._every_seconds)
