"""On PostgreSQL a prepared statement's generic plan, made while a table was nearly empty,
is replaced soon after the table grew: each process gathers the statistics of tables that
changed much since their last ANALYZE. Nothing of the kind on SQLite."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from moderation import migrate, planner_statistics
from moderation.db import Database
from moderation.planner_statistics import StatisticsKeeper, keep_current
from tests.conftest import drop_database, fresh_database_url

GROWN = 3_000  # comments added after the statistics said the table was empty

_ARTICLE = """INSERT INTO articles (key, title, comments_open, moderation_mode,
                                    public_revision, created_at, updated_at)
              VALUES ('wachstum', 'Wachstum', true, 'auto', 1, now(), now())"""
_COMMENTS = """
INSERT INTO comments (public_id, article_id, depth, author_name, author_token_hash, body,
                      status, status_reason_code, open_reports, text_fingerprint,
                      created_at, updated_at)
SELECT 'w' || i, (SELECT id FROM articles WHERE key = 'wachstum'), 0, 'Jürgen', :token,
       'Größere Beiträge Nr. ' || i, 'approved', 'policy.ok', 0, md5(i::text), now(), now()
FROM generate_series(1, :rows) AS i"""
_SAME_TEXT = "SELECT public_id FROM comments WHERE text_fingerprint = $1 LIMIT 1"


@pytest.fixture
def young(tmp_path: Path) -> Iterator[Database]:
    """A new database, migrated: its statistics say every table is empty."""
    url = fresh_database_url("moderation_statistics", tmp_path)
    migrate.upgrade(url)
    database = Database(url)
    yield database
    database.dispose()
    drop_database(url)


def grow(database: Database, rows: int = GROWN) -> None:
    """Add ``rows`` comments, and wait until PostgreSQL's statistics system counted them (a
    backend reports its counts up to a second after its commit)."""
    with database.engine.begin() as connection:
        connection.execute(text(_ARTICLE))
        connection.execute(text(_COMMENTS), {"token": "0" * 64, "rows": rows})
    deadline = time.monotonic() + 10
    while _changed_since_analyze(database) < rows:
        assert time.monotonic() < deadline, "the change was not counted in time"
        time.sleep(0.05)


def _changed_since_analyze(database: Database) -> int:
    with database.engine.connect() as connection:
        return connection.scalar(text("SELECT n_mod_since_analyze FROM pg_stat_user_tables "
                                      "WHERE relname = 'comments'"))


def generic_plan(connection: psycopg.Connection) -> str:
    """The plan PostgreSQL keeps for the prepared same-text search, for any fingerprint."""
    rows = connection.execute("EXPLAIN EXECUTE same_text('0123')").fetchall()
    return "\n".join(row[0] for row in rows)


def last_analyzed(database: Database, table: str) -> object:
    with database.engine.connect() as connection:
        return connection.scalar(text(
            "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = :table"),
            {"table": table})


def test_a_plan_made_on_the_empty_table_is_replaced_once_it_grew(young: Database) -> None:
    if young.is_sqlite:
        assert keep_current(young, 10) is None  # nothing to keep on SQLite
        return
    assert keep_current(young, 0) is None  # switched off: autovacuum alone
    keeper = StatisticsKeeper(young, 10)
    assert keeper.refresh_stale() == []  # just migrated and analyzed
    with psycopg.connect(young.url.set(drivername="postgresql").render_as_string(
            hide_password=False), autocommit=True) as connection:
        connection.execute("SET plan_cache_mode = force_generic_plan")
        connection.execute(f"PREPARE same_text(text) AS {_SAME_TEXT}")
        assert "Seq Scan on comments" in generic_plan(connection)
        grow(young)
        # The plan made on the empty table stays until the statistics change …
        assert "Seq Scan on comments" in generic_plan(connection)
        assert "comments" in keeper.refresh_stale()
        # … which replans it on the index.
        plan = generic_plan(connection)
        assert "ix_comments_same_text" in plan and "Seq Scan" not in plan, plan
    assert keeper.refresh_stale() == []  # current now


def test_one_process_analyzes_at_a_time(young: Database) -> None:
    if young.is_sqlite:
        return
    grow(young)
    keeper = StatisticsKeeper(young, 10)
    with young.engine.begin() as other:  # another process holds the turn
        assert other.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"),
                            {"key": planner_statistics.LOCK_KEY})
        assert keeper.refresh_stale() == []
    assert "comments" in keeper.refresh_stale()


def test_the_process_keeps_them_from_its_first_connection_until_disposed(
        young: Database) -> None:
    if young.is_sqlite:
        return
    migrated = last_analyzed(young, "comments")
    grow(young)
    StatisticsKeeper(young, every_seconds=0.05)
    assert not _keeper_threads(young)
    with young.engine.connect():  # the first connection of this process starts it
        pass
    deadline = time.monotonic() + 10
    while last_analyzed(young, "comments") == migrated:
        assert time.monotonic() < deadline, "comments not analyzed in time"
        time.sleep(0.05)
    assert _keeper_threads(young)
    young.dispose()
    deadline = time.monotonic() + 10
    while _keeper_threads(young):
        assert time.monotonic() < deadline, "the thread outlived its database"
        time.sleep(0.05)


def _keeper_threads(database: Database) -> list[threading.Thread]:
    name = f"planner-statistics {database.url.database}"
    return [thread for thread in threading.enumerate() if thread.name == name]
