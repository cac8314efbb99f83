"""Migration 0009: policy versions saved before the starter lists keep deciding as they did."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from moderation import migrate
from moderation.models import PolicyVersion
from moderation.services import policies
from moderation.wordlists import WordList
from tests.conftest import drop_database, fresh_database_url


def test_versions_saved_before_include_no_starter_list(tmp_path):
    url = fresh_database_url("moderation_starter_migration_test", tmp_path)
    migrate.upgrade(url, "0008")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO policy_versions (id, name, version, thresholds, banned, suspect, "
            "max_links, active, created_by, created_at) VALUES (1, 'live', 1, '{}', "
            "'[\"arsch*\"]', '[]', 2, true, 'key:chefin', :now)"),
            {"now": datetime(2026, 12, 1, 9, 30)})
    engine.dispose()

    migrate.upgrade(url)

    engine = create_engine(url)
    with Session(engine) as session:
        version = session.scalars(select(PolicyVersion)).one()
        assert version.starter_lists == {}
        settings = policies.settings_of(version)
    engine.dispose()
    assert settings.starter == () and settings.banned == ("arsch*",)
    words: WordList = policies.word_list(settings)
    assert [m.term for m in words.find("Du Arschloch, ich weiß, wo du wohnst.")] == ["arsch*"]
    drop_database(url)
