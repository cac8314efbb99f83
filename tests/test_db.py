"""The database layer: readers never block writers; times are always aware UTC; a
transaction may begin at its first write, and a read needs none on PostgreSQL. (PostgreSQL's
plans: test_planner_statistics.)"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import StatementError

from moderation.db import WRITES_ALONE, in_transaction_block
from moderation.domain import ModerationMode
from moderation.models import Article
from moderation.services.articles import get_or_create_article


def test_a_reader_in_the_middle_of_a_transaction_does_not_block_a_writer(database, clock):
    with database.session(read_only=True) as reader:
        reader.execute(select(Article.id)).all()  # the read transaction is open now
        assert reader.in_transaction()
        with database.transaction() as writer:  # would wait for the reader with a write lock
            get_or_create_article(writer, "parallel-geschrieben", clock())
    with database.transaction() as session:
        assert session.scalar(select(Article.key)) == "parallel-geschrieben"


def test_times_come_back_as_aware_utc(database):
    berlin = timezone(timedelta(hours=1))
    created = datetime(2026, 11, 25, 10, 30, tzinfo=berlin)
    with database.transaction() as session:
        get_or_create_article(session, "zeitzonen", created)
    with database.transaction() as session:
        article = session.scalar(select(Article).where(Article.key == "zeitzonen"))
        assert article.created_at == created
        assert article.created_at.tzinfo == UTC


def test_naive_times_are_refused(database):
    with pytest.raises(StatementError, match="naive datetime"), \
            database.transaction() as session:
        get_or_create_article(session, "naiv", datetime(2026, 11, 25, 10, 30))


def in_block(session) -> bool:
    return in_transaction_block(session.connection())


def articles(database) -> list[str]:
    with database.session(read_only=True) as session:
        return session.scalars(select(Article.key).order_by(Article.id)).all()


def test_a_transaction_begun_at_its_first_write_still_rolls_back_whole(database, clock):
    with pytest.raises(OSError), database.transaction(begin_at_first_write=True) as session:
        session.scalars(select(Article)).all()
        if not database.is_sqlite:
            assert not in_block(session)  # the read went alone
        get_or_create_article(session, "erst-geschrieben", clock())
        get_or_create_article(session, "dann-geschrieben", clock())
        if not database.is_sqlite:
            assert in_block(session)
        raise OSError("Platte voll")
    assert articles(database) == []


def test_a_read_only_session_reads_without_a_transaction_block(database, clock):
    with database.transaction() as session:
        get_or_create_article(session, "gelesen", clock())
    with database.session(read_only=True) as session:
        assert session.scalars(select(Article.key)).all() == ["gelesen"]
        if not database.is_sqlite:  # no BEGIN was sent, none to roll back at the end
            assert not in_block(session)


def test_a_read_only_session_that_writes_after_all_writes_in_one_transaction(
        database, clock):
    with pytest.raises(OSError), database.session(read_only=True) as session, \
            session.begin():
        session.scalars(select(Article)).all()
        get_or_create_article(session, "doch-geschrieben", clock())
        get_or_create_article(session, "noch-einer", clock())
        assert database.is_sqlite or in_block(session)
        raise OSError("Platte voll")
    assert articles(database) == []


def test_a_locking_read_begins_the_transaction(database, clock):
    with database.transaction() as session:
        get_or_create_article(session, "gesperrt", clock())
    with database.transaction(begin_at_first_write=True) as session:
        session.scalars(select(Article).with_for_update()).one()
        assert database.is_sqlite or in_block(session)  # the lock lasts to the commit


def test_a_write_alone_commits_with_its_statement_and_nothing_may_follow(database, clock):
    alone = {WRITES_ALONE: True}
    values = {"comments_open": True, "moderation_mode": ModerationMode.AUTO,
              "public_revision": 0, "created_at": clock(), "updated_at": clock()}
    with pytest.raises(RuntimeError) if not database.is_sqlite else nullcontext(), \
            database.transaction(begin_at_first_write=True) as session:
        session.execute(insert(Article).values(key="allein", **values),
                        execution_options=alone)
        if not database.is_sqlite:
            assert not in_block(session)  # committed by its own statement
        session.execute(insert(Article).values(key="danach", **values))
    assert articles(database) == (["allein", "danach"] if database.is_sqlite else ["allein"])
