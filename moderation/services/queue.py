"""The editors' review queue and its views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session, selectinload

from moderation import textsearch
from moderation.domain import QUEUE_VIEWS, CommentStatus, Resolution
from moderation.models import Appeal, Article, Comment
from moderation.pagination import decode_score_cursor, decode_time_cursor, one_page

QueueSort = Literal["risk", "oldest", "newest"]
UNSCORED_RISK = -1.0  # unscored comments sort after every scored one


@dataclass(frozen=True)
class QueueFilter:
    status: CommentStatus | None = CommentStatus.REVIEW  # None: every status
    article_key: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    text: str | None = None  # in the body or the author's name, case-insensitively


@dataclass(frozen=True)
class QueuePage:
    comments: list[Comment]
    next_cursor: str | None


def view(session: Session, view: str, *, article_key: str | None,
         created_after: datetime | None, created_before: datetime | None,
         text: str | None, sort: QueueSort, cursor: str | None,
         limit: int) -> QueuePage:
    """The editors' queue in one of its views: one status, ``all``, ``reported`` (open
    reader reports) or ``appealed`` (open appeals); the last two have an order of their own.
    ``text`` narrows any view to comments with it in the body or the author's name."""
    status = None if view in QUEUE_VIEWS else CommentStatus(view)
    which = QueueFilter(status=status, article_key=article_key, created_after=created_after,
                        created_before=created_before, text=text)
    if view == "reported":
        return reported_queue(session, which, cursor=cursor, limit=limit)
    if view == "appealed":
        return appealed_queue(session, which, cursor=cursor, limit=limit)
    return review_queue(session, which, sort=sort, cursor=cursor, limit=limit)


def review_queue(session: Session, queue: QueueFilter, *, sort: QueueSort,
                 cursor: str | None, limit: int) -> QueuePage:
    """Comments for editors to work through, riskiest or oldest first."""
    query = _filtered(select(Comment), queue)
    risk = func.coalesce(Comment.max_score, UNSCORED_RISK)
    if sort == "risk":
        key, descending = (risk, Comment.id), True
    else:
        key, descending = (Comment.created_at, Comment.id), sort == "newest"
    if cursor:
        position = decode_score_cursor(cursor) if sort == "risk" else decode_time_cursor(cursor)
        query = query.where(tuple_(*key) < position if descending else tuple_(*key) > position)
    order = [k.desc() for k in key] if descending else list(key)
    comments = list(session.scalars(query.options(selectinload(Comment.appeal))
                                    .order_by(*order).limit(limit + 1)))

    def position(last: Comment) -> tuple[Any, int]:
        if sort == "risk":
            return (UNSCORED_RISK if last.max_score is None else last.max_score), last.id
        return last.created_at.isoformat(), last.id

    return QueuePage(*one_page(comments, limit, position))


def reported_queue(session: Session, queue: QueueFilter, *, cursor: str | None,
                   limit: int) -> QueuePage:
    """Comments with open reports, whatever their status (usually still public): the
    most-reported first, then the oldest (ids follow the order comments arrived in)."""
    query = _filtered(select(Comment), queue).where(Comment.open_reports > 0)
    # Ascending on the negated count: one direction, so one keyset comparison.
    key = (-Comment.open_reports, Comment.id)
    if cursor:
        open_reports, position_id = decode_score_cursor(cursor)
        query = query.where(tuple_(*key) > (-open_reports, position_id))
    comments = list(session.scalars(query.options(selectinload(Comment.appeal))
                                    .order_by(*key).limit(limit + 1)))
    return QueuePage(*one_page(comments, limit, lambda c: (c.open_reports, c.id)))


def appealed_queue(session: Session, queue: QueueFilter, *, cursor: str | None,
                   limit: int) -> QueuePage:
    """Comments whose authors appealed against their rejection, the oldest appeal first."""
    query = _filtered(select(Comment, Appeal), queue).join(
        Appeal, Appeal.comment_id == Comment.id).where(Appeal.status == Resolution.OPEN.value)
    key = (Appeal.created_at, Appeal.id)
    if cursor:
        query = query.where(tuple_(*key) > decode_time_cursor(cursor))
    rows = session.execute(query.options(selectinload(Comment.appeal))
                           .order_by(*key).limit(limit + 1)).all()
    page, next_cursor = one_page(
        rows, limit, lambda row: (row.Appeal.created_at.isoformat(), row.Appeal.id))
    return QueuePage([row.Comment for row in page], next_cursor)


def _filtered(query: Select, queue: QueueFilter) -> Select:
    if queue.status is not None:
        # Tombstones are in no one's queue: nothing is left to judge (``all`` shows them).
        query = query.where(Comment.status == queue.status, Comment.erased_at.is_(None))
    if queue.text is not None:
        query = query.where(textsearch.contains(Comment.body, queue.text)
                            | textsearch.contains(Comment.author_name, queue.text))
    return of_article_and_time(query, queue.article_key, queue.created_after,
                               queue.created_before)


def of_article_and_time(query: Select, article_key: str | None, created_after: datetime | None,
                        created_before: datetime | None) -> Select:
    """Narrow a comment query to one article and a time range (each optional)."""
    if article_key is not None:
        query = query.join(Article).where(Article.key == article_key)
    if created_after is not None:
        query = query.where(Comment.created_at >= created_after)
    if created_before is not None:
        query = query.where(Comment.created_at < created_before)
    return query
