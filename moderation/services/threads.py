"""An article's public thread, as the widget reads it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, func, select, tuple_
from sqlalchemy.orm import Session

from moderation.domain import CommentStatus
from moderation.models import Article, Comment
from moderation.pagination import decode_time_cursor, one_page
from moderation.services.articles import find_article


@dataclass(frozen=True)
class PublicComment:
    """What the widget may see of a comment, and nothing more."""

    id: int
    parent_id: int | None
    public_id: str
    depth: int
    author_name: str
    body: str
    created_at: datetime
    erased: bool  # a tombstone: body and author are empty, replies keep their place
    parent_public_id: str | None


@dataclass(frozen=True)
class ThreadPage:
    article_key: str
    article: Article | None
    comments: list[PublicComment]
    total: int
    next_cursor: str | None


# Plain columns, not ORM objects: this is the widget's hot path.
_PUBLIC_COLUMNS = (Comment.id, Comment.parent_id, Comment.public_id, Comment.depth,
                   Comment.author_name, Comment.body, Comment.created_at,
                   Comment.erased_at.is_not(None).label("erased"))


def public_revision(session: Session, article_key: str) -> int:
    """The counter the public pages' ETag is made of (0 for an article not seen yet)."""
    revision = session.scalar(select(Article.public_revision).where(Article.key == article_key))
    return revision or 0


def public_thread_page(session: Session, article_key: str, *, cursor: str | None,
                       limit: int, newest_first: bool) -> ThreadPage:
    """One page of an article's public threads: ``limit`` top-level comments, each
    followed by its approved replies, oldest first. A reply shows only while every
    comment above it in its thread is approved."""
    article = find_article(session, article_key)
    if article is None:
        return ThreadPage(article_key, None, [], 0, None)
    public = (Comment.article_id == article.id) & (Comment.status == CommentStatus.APPROVED)
    order = (Comment.created_at.desc(), Comment.id.desc()) if newest_first else (
        Comment.created_at, Comment.id)
    roots_query = select(*_PUBLIC_COLUMNS).where(public, Comment.parent_id.is_(None))
    if cursor:
        after = tuple_(Comment.created_at, Comment.id)
        position = decode_time_cursor(cursor)
        roots_query = roots_query.where(
            after < position if newest_first else after > position)
    roots = session.execute(roots_query.order_by(*order).limit(limit + 1)).all()
    roots, next_cursor = one_page(roots, limit, lambda r: (r.created_at.isoformat(), r.id))
    replies = session.execute(
        select(*_PUBLIC_COLUMNS).where(public, Comment.root_id.in_([r.id for r in roots]))
        .order_by(Comment.created_at, Comment.id)
    ).all() if roots else []
    total = session.scalar(select(func.count(Comment.id)).where(public)) or 0
    return ThreadPage(article_key, article, _threaded(roots, replies), total, next_cursor)


def _threaded(roots: Sequence[Row], replies: Sequence[Row]) -> list[PublicComment]:
    """Roots in page order, each followed by its visible replies depth-first."""
    children: dict[int, list[Row]] = {}
    for reply in replies:
        children.setdefault(reply.parent_id, []).append(reply)
    public_ids = {row.id: row.public_id for row in (*roots, *replies)}
    ordered: list[PublicComment] = []
    stack = list(reversed(roots))
    while stack:  # iterative: threads may be deeper than Python's recursion limit
        row = stack.pop()
        ordered.append(PublicComment(*row, parent_public_id=public_ids.get(row.parent_id)))
        stack.extend(reversed(children.get(row.id, [])))
    return ordered
