"""Articles: created on their first comment, configured by editors."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from moderation import textsearch
from moderation.domain import CommentStatus, ModerationMode
from moderation.errors import NotFound
from moderation.models import Article, Comment
from moderation.origins import origin_of
from moderation.pagination import (
    decode_score_cursor,
    decode_text_cursor,
    decode_time_cursor,
    one_page,
)
from moderation.services import audit

EDITABLE = ("title", "url", "comments_open", "moderation_mode")
# The settings readers see with the thread.
PUBLIC = {"title", "url", "comments_open"}


# Built once: every comment posted looks its article up.
_ARTICLE_BY_KEY = select(Article).where(Article.key == bindparam("key"))


def find_article(session: Session, key: str) -> Article | None:
    return session.scalar(_ARTICLE_BY_KEY, {"key": key})


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


def adopt_page(article: Article, title: str | None, url: str | None,
               page_origins: Collection[str], now: datetime) -> None:
    """Give an article without a title or link those of the page that embeds the widget.

    What the CMS or an editor set is never overwritten: a reader's browser sends these, so
    they only fill a gap. A link must lie on one of ``page_origins`` (the widget's allowed
    origins): mails to readers carry it, and no reader may make them point elsewhere."""
    changed = False
    if title and not article.title:
        article.title, changed = title, True
    if url and not article.url and origin_of(url) in page_origins:
        article.url, changed = url, True
    if changed:
        article.updated_at = now
        _republish(article)


def get_article(session: Session, key: str) -> Article:
    article = find_article(session, key)
    if article is None:
        raise NotFound(f"No article with the key {key!r}.")
    return article


def update_article(session: Session, key: str, changes: dict[str, Any],
                   now: datetime, *, actor: str | None = None) -> Article:
    """Change an article's settings; editors may configure one before its first comment.
    A change made by ``actor`` (a person in the workspace) goes on the audit log with what
    it changed."""
    article = get_or_create_article(session, key, now)
    changed = {name: {"from": _plain(getattr(article, name)), "to": _plain(changes[name])}
               for name in EDITABLE if name in changes
               and getattr(article, name) != changes[name]}
    for name in EDITABLE:
        if name in changes:
            setattr(article, name, changes[name])
    article.updated_at = now
    if changed.keys() & PUBLIC:
        _republish(article)
    if actor is not None and changed:
        audit.record(session, "article.changed", actor=actor, target=key,
                     details={"changes": changed}, now=now)
    return article


def _republish(article: Article) -> None:
    """The public view of the article changed: cached thread pages (ETag) are stale."""
    article.public_revision = Article.public_revision + 1


def _plain(value: Any) -> Any:
    """A setting as the audit log's JSON holds it (a mode by its value)."""
    return value.value if isinstance(value, ModerationMode) else value


ArticleSort = Literal["activity", "review", "key"]
# In the review queue: held for review, and not erased (nothing is left to judge).
_WAITING = (Comment.status == CommentStatus.REVIEW, Comment.erased_at.is_(None))


@dataclass(frozen=True)
class ArticleOverview:
    article: Article
    counts: dict[str, int]  # comments per status
    in_review: int  # waiting in the review queue (tombstones wait for nothing)
    last_comment_at: datetime | None


@dataclass(frozen=True)
class ArticleFilter:
    mode: ModerationMode | None = None
    comments_open: bool | None = None
    key_prefix: str | None = None
    text: str | None = None  # in the key or the title, case-insensitively
    in_review: bool | None = None  # whether comments wait in the review queue


@dataclass(frozen=True)
class ArticlePage:
    articles: list[ArticleOverview]
    next_cursor: str | None


def overview(session: Session, article: Article) -> ArticleOverview:
    """An article with how many of its comments are in each status."""
    return _overviews(session, [article])[0]


def list_articles(session: Session, which: ArticleFilter, *, sort: ArticleSort,
                  cursor: str | None, limit: int) -> ArticlePage:
    """Articles for editors to oversee, the most recently commented first (``activity``:
    its newest comment, or its creation while it has none), the most in review first
    (``review``), or by key."""
    in_review = select(func.count(Comment.id)).where(
        Comment.article_id == Article.id, *_WAITING).scalar_subquery()
    activity = func.coalesce(select(func.max(Comment.created_at))
                             .where(Comment.article_id == Article.id).scalar_subquery(),
                             Article.created_at)
    ranked = select(Article.id, Article.key, in_review.label("in_review"),
                    activity.label("activity")).where(*_matching(which)).subquery()
    keys = {"activity": (ranked.c.activity, ranked.c.id),
            "review": (ranked.c.in_review, ranked.c.id),
            "key": (ranked.c.key, ranked.c.id)}[sort]
    descending = sort != "key"
    query = select(Article, *keys).join(ranked, ranked.c.id == Article.id)
    if which.in_review is not None:
        query = query.where(ranked.c.in_review > 0 if which.in_review
                            else ranked.c.in_review == 0)
    if cursor:
        decode = {"activity": decode_time_cursor, "review": decode_score_cursor,
                  "key": decode_text_cursor}[sort]
        after, position = tuple_(*keys), decode(cursor)
        query = query.where(after < position if descending else after > position)
    rows = session.execute(query.order_by(*(k.desc() if descending else k for k in keys))
                           .limit(limit + 1)).all()
    page, next_cursor = one_page(rows, limit, lambda row: (
        row[1].isoformat() if sort == "activity" else row[1], row[2]))
    return ArticlePage(_overviews(session, [row.Article for row in page]), next_cursor)


def _matching(which: ArticleFilter) -> list[ColumnElement[bool]]:
    conditions = []
    if which.mode is not None:
        conditions.append(Article.moderation_mode == which.mode)
    if which.comments_open is not None:
        conditions.append(Article.comments_open == which.comments_open)
    if which.key_prefix is not None:
        # Keys are the publisher's, compared exactly: LIKE would ignore case on SQLite only.
        conditions.append(func.substr(Article.key, 1, len(which.key_prefix))
                          == which.key_prefix)
    if which.text is not None:
        conditions.append(textsearch.contains(Article.key, which.text)
                          | textsearch.contains(Article.title, which.text))
    return conditions


def _overviews(session: Session, articles: list[Article]) -> list[ArticleOverview]:
    """Each article with its comments counted per status, in one query for all."""
    counts = {article.id: dict.fromkeys(CommentStatus, 0) for article in articles}
    waiting = dict.fromkeys(counts, 0)
    newest: dict[int, datetime] = {}
    rows = session.execute(
        select(Comment.article_id, Comment.status, func.count(Comment.id),
               func.count(Comment.erased_at), func.max(Comment.created_at))
        .where(Comment.article_id.in_(list(counts)))
        .group_by(Comment.article_id, Comment.status)) if counts else []
    for article_id, status, count, erased, latest in rows:
        counts[article_id][status] = count
        if status is CommentStatus.REVIEW:
            waiting[article_id] = count - erased
        newest[article_id] = max(latest, newest.get(article_id, latest))
    return [ArticleOverview(article, {status.value: n for status, n in counts[article.id].items()},
                            waiting[article.id], newest.get(article.id))
            for article in articles]
