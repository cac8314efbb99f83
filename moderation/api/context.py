"""Per-request access to the database and the clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, g
from sqlalchemy.orm import Session

from moderation.clock import Clock
from moderation.config import Config
from moderation.db import Database


@dataclass
class AppState:
    """What the app factory built; views reach it through the helpers below."""

    config: Config
    database: Database
    clock: Clock


def state() -> AppState:
    return current_app.extensions["moderation"]


def now() -> datetime:
    return state().clock()


def request_session(read_only: bool = False) -> Session:
    """The request's session, closed when the request ends."""
    if "db_session" not in g:
        g.db_session = state().database.session(read_only=read_only)
    return g.db_session


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One use case, one transaction: committed if the block succeeds."""
    session = request_session()
    with session.begin():
        yield session


@contextmanager
def read_only_session() -> Iterator[Session]:
    """A short read-only transaction beside the request's: reads that need not hold the
    write lock (SQLite) of the write that follows."""
    with state().database.session(read_only=True) as session, session.begin():
        yield session


def close_session(_error: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
