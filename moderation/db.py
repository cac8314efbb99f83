"""Engine and session factory. Plain SQLAlchemy 2: the API, workers and CLI share it."""

from __future__ import annotations

import select
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from moderation import textsearch
from moderation.sqlite_writers import queue_writers, take_turn

READ_ONLY = "moderation_read_only"
# Execution option of a statement that writes in a transaction that begins at its first
# write: True, the transaction's only write (sent alone, no BEGIN); False, one of several.
WRITES_ALONE = "moderation_writes_alone"
_WROTE_ALONE = "moderation.wrote_alone"  # connection info: a write alone was sent
# Rows SQLite's ANALYZE reads per index: enough to rate an index, quick on any size.
STATISTICS_SAMPLE_ROWS = 1000

# The database cannot serve now (unreachable, restarting, connection lost, pool exhausted,
# locked): the API answers 503 and workers try again; none of these is a bug of ours.
UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)


def database_error_summary(error: BaseException) -> str:
    """What the database refused, in one line that holds no submitted value: the kind of
    error, its SQLSTATE, and the table, column and constraint it names. PostgreSQL's own
    words are left out: its messages quote values (``invalid input syntax for type
    integer: "..."``), its DETAIL and CONTEXT lines whole parameters. SQLite's name only
    what the SQL names."""
    cause = getattr(error, "orig", None) or error
    parts = [type(cause).__name__]
    if getattr(cause, "sqlstate", None):
        parts.append(f"SQLSTATE {cause.sqlstate}")
    diag = getattr(cause, "diag", None)
    for name in ("table_name", "column_name", "constraint_name"):
        if getattr(diag, name, None):
            parts.append(f"{name.removesuffix('_name')} {getattr(diag, name)}")
    if isinstance(cause, sqlite3.Error) and str(cause).strip():
        parts.append(str(cause).strip().splitlines()[0])
    return ", ".join(parts)


def unavailable_reason(error: BaseException) -> str:
    """What the driver said, in one line: for logs, without the SQL statement."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


class Database:
    """One engine per process and the sessions made from it."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = make_url(url)
        self.engine = _create_engine(url, echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )
        self._begin_at_first_write = self._sessions
        if self.engine.dialect.name == "postgresql":
            lazy = self.engine.execution_options(isolation_level="AUTOCOMMIT")
            event.listen(lazy, "before_cursor_execute", _begin_before_first_write)
            for edge in ("begin", "commit", "rollback"):  # each transaction starts afresh
                event.listen(lazy, edge, _forget_write_alone)
            self._begin_at_first_write = sessionmaker(lazy, expire_on_commit=False)
            # Reads need no transaction block: under READ COMMITTED each statement takes its
            # own snapshot inside one as well, and without it BEGIN and, back in the pool,
            # ROLLBACK are two round trips fewer (a page of 200 comments: 5 → 3).
            self._read_sessions = self._begin_at_first_write
        self._on_dispose: list[Callable[[], None]] = []

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self, read_only: bool = False) -> Session:
        """A new session; read-only ones take no write lock on SQLite, and on PostgreSQL
        send no ``BEGIN`` unless they write after all (as ``transaction``'s
        ``begin_at_first_write``)."""
        return (self._read_sessions if read_only else self._sessions)()

    @contextmanager
    def transaction(self, *, begin_at_first_write: bool = False) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on error.

        With ``begin_at_first_write`` (PostgreSQL; elsewhere no change) the statements before
        the first that writes or locks run on their own, as every statement of a READ
        COMMITTED transaction sees its own snapshot anyway, and ``BEGIN`` goes just before
        that one. A write sent with ``WRITES_ALONE`` true is the transaction's only write and
        needs no ``BEGIN`` and no ``COMMIT``: two round trips fewer; a write after it is a
        bug and raises before it is sent."""
        maker = self._begin_at_first_write if begin_at_first_write else self._sessions
        with maker() as session, session.begin():
            yield session

    def refresh_statistics(self) -> None:
        """Bring the query planner's statistics up to date (workers do after each purge;
        on PostgreSQL autovacuum does too)."""
        with self.engine.begin() as connection:
            gather_statistics(connection)

    @contextmanager
    def own_connection(self) -> Iterator[Any]:
        """PostgreSQL: a driver connection of its own, out of the pool for good (not the
        pool's to hand out or count, untouched by ``dispose``), in autocommit, as a LISTEN
        needs; closed at the end."""
        pooled = self.engine.raw_connection()
        connection = pooled.driver_connection
        pooled.detach()
        try:
            connection.rollback()
            connection.autocommit = True
            yield connection
        finally:
            pooled.close()

    def on_dispose(self, action: Callable[[], None]) -> None:
        """Run ``action`` when this database is disposed of (a listener to stop, say)."""
        self._on_dispose.append(action)

    def dispose(self) -> None:
        for action in self._on_dispose:
            action()
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.dispose()


def gather_statistics(connection: Connection) -> None:
    """Gather the statistics the query planner picks indexes by. SQLite keeps none until
    told: without them, or with ones from a young site, a page of one article can walk the
    whole site. Both read a sample of each table (SQLite: of each index), milliseconds on
    a million comments."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA analysis_limit={STATISTICS_SAMPLE_ROWS}")
    connection.exec_driver_sql("ANALYZE")


def _create_engine(url: str, echo: bool) -> Engine:
    parsed = make_url(url)
    # Database errors end up in logs: keep readers' comments and addresses out of them.
    hide_parameters = not echo
    if parsed.get_backend_name() != "sqlite":
        # A database that does not answer must fail fast (503), not hang requests; pooled
        # connections that died while the database was away are replaced on checkout.
        # TCP keepalives find a connection whose peer vanished silently within about a minute.
        if parsed.get_backend_name() != "postgresql":
            return create_engine(url, echo=echo, hide_parameters=hide_parameters,
                                 pool_pre_ping=True)
        engine = create_engine(url, echo=echo, hide_parameters=hide_parameters, connect_args={
            "connect_timeout": 5, "keepalives": 1, "keepalives_idle": 30,
            "keepalives_interval": 10, "keepalives_count": 3})
        event.listen(engine, "checkout", _replace_if_closed_while_idle)
        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, hide_parameters=hide_parameters,
                           connect_args={"timeout": 30})
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    if parsed.database and parsed.database != ":memory:":
        queue_writers(engine, parsed.database)
    return engine


def in_transaction_block(connection: Connection) -> bool:
    """PostgreSQL: whether the server holds ``connection`` inside a transaction block."""
    status = connection.connection.driver_connection.pgconn.transaction_status
    return status != TransactionStatus.IDLE


def _begin_before_first_write(connection: Connection, cursor: Any, _statement: str,
                              _parameters: Any, context: Any, _executemany: bool) -> None:
    """Send ``BEGIN`` before the first statement that writes or locks rows (see
    ``Database.transaction``), unless it writes alone."""
    if in_transaction_block(connection):
        return
    options = context.execution_options
    if options.get(WRITES_ALONE):
        connection.info[_WROTE_ALONE] = True
        return
    compiled = context.compiled
    locks = compiled is not None and getattr(compiled.statement, "_for_update_arg",
                                             None) is not None
    if not (context.isinsert or context.isupdate or context.isdelete
            or WRITES_ALONE in options or locks):
        return
    if connection.info.get(_WROTE_ALONE):
        raise RuntimeError("a write after the one meant to be the transaction's only write")
    cursor.execute("BEGIN")


def _forget_write_alone(connection: Connection) -> None:
    connection.info.pop(_WROTE_ALONE, None)


def _replace_if_closed_while_idle(dbapi_connection, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
    """Replace a pooled connection that the server closed while it waited (a restart, a
    network cut): SQLAlchemy then checks out a new one, and no request fails.

    Instead of ``pool_pre_ping``'s round trip on every checkout (one per request), look at the
    socket: an idle PostgreSQL connection has nothing to read. The end of the stream, or a
    message the server sent before closing it, makes it readable, and then it is replaced
    (at worst a live connection that got an unasked notice: one reconnect)."""
    if dbapi_connection.closed:
        raise DisconnectionError("the pooled connection is closed")
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError) as error:
        raise DisconnectionError("the pooled connection has no socket") from error
    if readable:
        raise DisconnectionError("the server spoke to, or closed, an idle pooled connection")


def _configure_sqlite_connection(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # Let SQLAlchemy emit BEGIN itself (see _begin_sqlite_transaction).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    dbapi_connection.create_function(textsearch.SQLITE_FUNCTION, 1, textsearch.casefold,
                                     deterministic=True)


def _begin_sqlite_transaction(connection) -> None:  # type: ignore[no-untyped-def]
    # Writers take the write lock up front: a deferred transaction that reads and then
    # writes fails with SQLITE_BUSY when another writer committed in between.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
        return
    turn = take_turn(connection)  # writers queue in the kernel (sqlite_writers.py)
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if turn is not None:
            turn.give_back()
        raise
