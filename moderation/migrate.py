"""Run Alembic migrations from code (the CLI and the tests use it)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from moderation.db import Database, gather_statistics


def migrations_folder() -> Path:
    """The ``migrations/`` folder beside the package, or ``MODERATION_MIGRATIONS``."""
    candidates = [os.environ.get("MODERATION_MIGRATIONS"),
                  Path(__file__).resolve().parent.parent / "migrations",
                  Path.cwd() / "migrations"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "env.py").is_file():
            return Path(candidate)
    raise FileNotFoundError("migrations/ not found; set MODERATION_MIGRATIONS to its path")


def alembic_config(database_url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(migrations_folder()))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def _run(database_url: str, migrate: Callable[[AlembicConfig], None]) -> None:
    # Our own engine: it creates the SQLite folder and sets the same pragmas as the app.
    database = Database(database_url)
    try:
        with database.engine.begin() as connection:
            config = alembic_config(database_url)
            config.attributes["connection"] = connection
            migrate(config)
    finally:
        database.dispose()


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate to ``revision``, then gather the planner's statistics afresh (run at every
    start: ``make serve`` and the containers upgrade first)."""
    def migrate(config: AlembicConfig) -> None:
        command.upgrade(config, revision)
        gather_statistics(config.attributes["connection"])

    _run(database_url, migrate)


def downgrade(database_url: str, revision: str) -> None:
    _run(database_url, lambda config: command.downgrade(config, revision))


def is_current(database_url: str) -> bool:
    """Whether the database is migrated to the newest revision."""
    database = Database(database_url)
    try:
        with database.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        database.dispose()
    return current == set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
