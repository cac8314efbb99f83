"""Migrations: up, down, up again, and the migrated schema is exactly the models'."""

from __future__ import annotations

from datetime import datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from moderation import migrate
from moderation.models import Base, email_key
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


def test_emails_stored_before_their_keys_are_found_after_the_upgrade(tmp_path):
    url = fresh_database_url("moderation_migrations_keys_test", tmp_path)
    migrate.upgrade(url, "0005")
    engine = create_engine(url)
    now = datetime(2026, 11, 25, 9, 30)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO articles (id, key, comments_open, moderation_mode, public_revision, "
            "created_at, updated_at) VALUES (1, 'ki-im-alltag', true, 'auto', 0, :now, :now)"),
            {"now": now})
        for comment_id, email in [(1, "JÜRGEN.Müller@Example.DE"), (2, None)]:
            connection.execute(text(
                "INSERT INTO comments (id, public_id, article_id, depth, author_name, "
                "author_email, author_token_hash, body, status, status_reason_code, "
                "open_reports, created_at, updated_at) VALUES (:id, :public_id, 1, 0, "
                "'Jürgen', :email, 'ab', 'Grüße', 'approved', 'score_below_review', 0, :now, "
                ":now)"), {"id": comment_id, "public_id": f"k{comment_id}", "email": email,
                           "now": now})
        connection.execute(text(
            "INSERT INTO reports (id, public_id, comment_id, category, reporter_email, "
            "good_faith, token_hash, status, created_at) VALUES (1, 'r1', 2, 'hate', "
            "'STRASSE@example.de', true, 'cd', 'open', :now)"), {"now": now})
    engine.dispose()

    migrate.upgrade(url)

    engine = create_engine(url)
    with engine.connect() as connection:
        keys = connection.execute(text("SELECT author_email_key FROM comments ORDER BY id")).all()
        reporter_key = connection.execute(text("SELECT reporter_email_key FROM reports")).scalar()
    engine.dispose()
    assert [key for key, in keys] == [email_key("jürgen.müller@example.de"), None]
    assert reporter_key == email_key("straße@example.de")
    drop_database(url)
