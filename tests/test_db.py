"""The database layer: readers never block writers; times are always aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

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
