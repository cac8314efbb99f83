"""``moderation db backup``: a consistent copy of the database while the service writes.

SQLite is copied with its online backup API, which reads one snapshot and lets writers
carry on (WAL). PostgreSQL has pg_dump for that, with its own snapshot and restore tool;
we name the command rather than wrap it, so the dump's format and options stay pg_dump's.
"""

from __future__ import annotations

import shlex
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from moderation.errors import DomainError


class BackupRefused(DomainError):
    """The backup cannot be written here; the message says what to do instead."""

    code = "backup_refused"


def backup(database_url: str, out: Path) -> int:
    """Copy the SQLite database at ``database_url`` into the new file ``out``; the number of
    pages copied. Other databases raise ``BackupRefused`` naming their tool."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        raise BackupRefused(postgres_instructions(database_url, out))
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        raise BackupRefused(f"No backup for {url.get_backend_name()} databases of this kind: "
                            "only a SQLite file or PostgreSQL (pg_dump).")
    source = Path(url.database).resolve()
    if not source.is_file():
        raise BackupRefused(f"There is no database at {source}.")
    if out.exists():
        raise BackupRefused(f"{out} exists; a backup never overwrites a file.")
    # Written beside the target and renamed at the end: an interrupted backup leaves no
    # file that looks like one.
    partial = out.with_name(f".{out.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(source, timeout=30)) as reader, \
                closing(sqlite3.connect(partial)) as copy:
            # One step (pages=-1): the whole file from one read snapshot.
            reader.backup(copy)
            (verdict,) = copy.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                raise BackupRefused(f"The copy failed its check ({verdict}); nothing written.")
            pages = copy.execute("PRAGMA page_count").fetchone()[0]
        partial.rename(out)
    finally:
        partial.unlink(missing_ok=True)
    return pages


def postgres_instructions(database_url: str, out: Path) -> str:
    """The pg_dump command that backs up ``database_url`` into ``out`` (no password in it)."""
    given = make_url(database_url)
    # libpq's URL: no SQLAlchemy driver name, and never the password on a screen or in a log.
    target = URL.create("postgresql", username=given.username, host=given.host,
                        port=given.port, database=given.database, query=given.query)
    return (
        "PostgreSQL is backed up with pg_dump, which reads one consistent snapshot while "
        "the service writes:\n"
        f"  pg_dump --format=custom --file={shlex.quote(str(out))} "
        f"--dbname={shlex.quote(target.render_as_string())}\n"
        "(the password from PGPASSWORD or ~/.pgpass; restore into an empty database with "
        "pg_restore --dbname=... FILE). With docker-compose: docker-compose run --rm backup")
