"""Counting the statements a piece of work sends: list views must not query per item."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event


@contextmanager
def counted_queries(engine: Engine) -> Iterator[list[str]]:
    """The statements sent through ``engine`` inside the block (SELECTs, writes, BEGINs)."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def driver_statements(engine: Engine) -> Iterator[list[str]]:
    """Every statement the driver runs inside the block, also those sent on a pooled
    driver connection past SQLAlchemy (the fast path of public reads). The pool starts
    afresh: the recording is installed on each new connection."""
    statements: list[str] = []

    def record_on(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        if engine.dialect.name == "sqlite":
            dbapi_connection.set_trace_callback(statements.append)
        else:
            dbapi_connection.cursor_factory = _recording_cursor(statements)

    engine.dispose()
    event.listen(engine, "connect", record_on)
    try:
        yield statements
    finally:
        event.remove(engine, "connect", record_on)
        engine.dispose()


def _recording_cursor(statements: list[str]) -> type:
    import psycopg

    class RecordingCursor(psycopg.Cursor):
        def execute(self, query, params=None, **options):  # type: ignore[no-untyped-def]
            statements.append(str(query))
            return super().execute(query, params, **options)

    return RecordingCursor
