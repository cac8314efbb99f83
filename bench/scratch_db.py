"""A benchmark's own database: a SQLite file, or a PostgreSQL database made afresh on a
server and dropped afterwards."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def fresh_database(kind: str, folder: Path, server_url: str, name: str) -> str:
    """The URL of a fresh, empty database: for "sqlite" the file bench.db in ``folder``,
    else ``name`` made afresh on the PostgreSQL server of ``server_url``."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}"
    return make_postgres(server_url, name)


def make_postgres(server_url: str, name: str) -> str:
    """Database ``name`` made afresh (dropped first, if there) on the server of
    ``server_url``; its URL."""
    _on_server(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
               f'CREATE DATABASE "{name}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres(server_url: str, name: str) -> None:
    """Database ``name`` dropped from the server of ``server_url``, if there."""
    _on_server(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _on_server(server_url: str, *statements: str) -> None:
    admin = create_engine(make_url(server_url).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        admin.dispose()
