"""Migrations: up, down, up again, and the migrated schema is exactly the models'."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from moderation import migrate
from moderation.models import Base
from tests.conftest import drop_database, fresh_database_url


def schema_differences(url: str) -> list:
    engine = create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    return differences


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    names = set(inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_upgrade_downgrade_upgrade_matches_the_models(tmp_path):
    url = fresh_database_url("moderation_migrations_test", tmp_path)
    migrate.upgrade(url)
    assert schema_differences(url) == []

    migrate.downgrade(url, "base")
    assert tables(url) <= {"alembic_version"}

    migrate.upgrade(url)
    assert tables(url) == {t.name for t in Base.metadata.sorted_tables} | {"alembic_version"}
    assert schema_differences(url) == []
    drop_database(url)
