"""Fixtures: a migrated database per run (SQLite, or PostgreSQL via
MODERATION_TEST_DATABASE_URL), emptied after each test; an app with a clock the tests move."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import URL, make_url

from moderation import create_app, migrate
from moderation.config import Config
from moderation.db import Database
from moderation.domain import Role
from moderation.models import Base
from moderation.services import keys
from moderation.services.caches import forget_cached_settings
from moderation.workers.scoring import ScoringWorker
from tests.support.records import add_endpoint
from tests.support.scorers import KeywordScorer

TEST_DATABASE_ENV = "MODERATION_TEST_DATABASE_URL"


class FrozenClock:
    """A clock that stands still until a test moves it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def fresh_database_url(name: str, folder: Path) -> str:
    """A new, empty database: a SQLite file, or a PostgreSQL database made for this test
    process (named after its pid, so that runs side by side never share one)."""
    base = os.environ.get(TEST_DATABASE_ENV)
    if not base or base.startswith("sqlite"):
        return f"sqlite:///{folder / f'{name}.db'}"
    url = make_url(base).set(database=f"{name}_{os.getpid()}")
    _on_postgres_server(url, f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)',
                        f'CREATE DATABASE "{url.database}"')
    return url.render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Remove a database ``fresh_database_url`` made (a SQLite file is left to tmp_path)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        _on_postgres_server(parsed, f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


def _on_postgres_server(url: URL, *statements: str) -> None:
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for statement in statements:
            connection.execute(text(statement))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = fresh_database_url("moderation_test", tmp_path_factory.mktemp("db"))
    migrate.upgrade(url)
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def session_database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def database(session_database: Database) -> Iterator[Database]:
    yield session_database
    with session_database.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
    forget_cached_settings()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> Config:
    # Rate limits are off here: API tests post many comments; tests/api/test_rate_limits.py
    # switches them on. Nor does a thread take connections now and then to analyze tables
    # (tests/test_planner_statistics.py checks it): tests count connections and statements.
    return Config(database_url=database_url, instance_path=tmp_path, testing=True,
                  embedded_worker=False, cors_origins=["https://blog.example.de"],
                  webhook_allowed_hosts=frozenset({"127.0.0.1"}), rate_limits_enabled=False,
                  statistics_check_seconds=0)


@pytest.fixture
def app(config: Config, database: Database, clock: FrozenClock) -> Iterator[Flask]:
    app = create_app(config, clock=clock)
    yield app
    app.extensions["moderation"].database.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def scorer() -> KeywordScorer:
    return KeywordScorer()


@pytest.fixture
def worker(database: Database, config: Config, clock: FrozenClock,
           scorer: KeywordScorer) -> ScoringWorker:
    return ScoringWorker(database, config, lambda _config: scorer, clock, worker_id="worker-a")


def _key(database: Database, name: str, role: Role, clock: FrozenClock) -> str:
    with database.transaction() as session:
        return keys.create_key(session, name, role, clock()).secret


@pytest.fixture
def editor_key(database: Database, clock: FrozenClock) -> str:
    return _key(database, "anna", Role.EDITOR, clock)


@pytest.fixture
def admin_key(database: Database, clock: FrozenClock) -> str:
    return _key(database, "chefin", Role.ADMIN, clock)


@pytest.fixture
def editor(editor_key: str) -> dict[str, str]:
    """Headers of an editor's request."""
    return {"Authorization": f"Bearer {editor_key}"}


@pytest.fixture
def admin(admin_key: str) -> dict[str, str]:
    """Headers of an admin's request."""
    return {"Authorization": f"Bearer {admin_key}"}


@pytest.fixture
def subscribed(database: Database, clock: FrozenClock) -> None:
    """A webhook endpoint for every event, so that the outbox records them (nothing is
    delivered unless a test runs the delivery worker)."""
    with database.transaction() as session:
        add_endpoint(session, clock())


@pytest.fixture(scope="session")
def tiny_detoxify(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """``(checkpoint, config_dir)`` of a tiny detoxify model; Hugging Face Hub access is off."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        # huggingface_hub reads HF_HUB_OFFLINE once, at import: cover an earlier import too.
        from huggingface_hub import constants

        mp.setattr(constants, "HF_HUB_OFFLINE", True)
        from tests.support.tiny_detoxify import build_tiny_checkpoint

        yield build_tiny_checkpoint(tmp_path_factory.mktemp("tiny-detoxify"))
