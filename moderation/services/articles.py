"""Articles: created on their first comment, configured by editors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from moderation.domain import CommentStatus, ModerationMode
from moderation.errors import NotFound
from moderation.models import Article, Comment

EDITABLE = ("title", "url", "comments_open", "moderation_mode")


def find_article(session: Session, key: str) -> Article | None:
    return session.scalar(select(Article).where(Article.key == key))


def get_or_create_article(session: Session, key: str, now: datetime) -> Article:
    """The article with this key, created on first use.

    Two first comments may arrive at once: the insert ignores a concurrent twin.
    """
    article = find_article(session, key)
    if article is not None:
        return article
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(Article)
        .values(key=key, comments_open=True, moderation_mode=ModerationMode.AUTO,
                public_revision=0, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=[Article.key])
    )
    return session.scalars(select(Article).where(Article.key == key)).one()


def get_article(session: Session, key: str) -> Article:
    article = find_article(session, key)
    if article is None:
        raise NotFound(f"No article with the key {key!r}.")
    return article


def update_article(session: Session, key: str, changes: dict[str, Any],
                   now: datetime) -> Article:
    """Change an article's settings; editors may configure one before its first comment."""
    article = get_or_create_article(session, key, now)
    for name in EDITABLE:
        if name in changes:
            setattr(article, name, changes[name])
    article.updated_at = now
    return article


@dataclass(frozen=True)
class ArticleOverview:
    article: Article
    counts: dict[str, int]


def overview(session: Session, article: Article) -> ArticleOverview:
    """An article with how many of its comments are in each status."""
    rows = session.execute(
        select(Comment.status, func.count(Comment.id))
        .where(Comment.article_id == article.id).group_by(Comment.status)
    )
    counts = {status.value: 0 for status in CommentStatus}
    counts.update({status.value: count for status, count in rows})
    return ArticleOverview(article, counts)
