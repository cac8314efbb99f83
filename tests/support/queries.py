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
