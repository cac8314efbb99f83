"""The editors' review queue and its views."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session, selectinload

from moderation import textsearch
from moderation.domain import QUEUE_VIEWS, CommentStatus, Resolution
from moderation.models import Appeal, Article, Comment, Report
from moderation.pagination import decode_score_cursor, decode_time_cursor, one_page

QueueSort = Literal["risk", "oldest", "newest"]
UNSCORED_RISK = -1.0  # unscored comments sort after every scored one


@dataclass(frozen=True)
class QueueFilter:
    """Which comments a queue view shows. ``category`` names the score that ``score_min``
    and ``score_max`` bound (and that must be there); without it they bound the highest."""

    status: CommentStatus | None = CommentStatus.REVIEW  # None: every status
    article_key: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    text: str | None = None  # in the body or the author's name, case-insensitively
    reason_codes: tuple[str, ...] = ()
    category: str | None = None
    score_min: float | None = None
    score_max: float | None = None

    @classmethod
    def of_query(cls, query: Mapping[str, Any]) -> QueueFilter:
        """The filter a parsed ``QueueQuerySchema`` query asks for (its status aside)."""
        return cls(article_key=query.get("article"), created_after=query.get("created_after"),
                   created_before=query.get("created_before"), text=query.get("q"),
                   reason_codes=tuple(query.get("reason") or ()),
                   category=query.get("category"), score_min=query.get("score_min"),
                   score_max=query.get("score_max"))


@dataclass(frozen=True)
class QueuePage:
    comments: list[Comment]
    next_cursor: str | None


def view(session: Session, view: str, which: QueueFilter, *, sort: QueueSort,
         cursor: str | None, limit: int) -> QueuePage:
    """The editors' queue in one of its views: one status, ``all``, ``reported`` (open
    reader reports) or ``appealed`` (open appeals); the last two have an order of their own.
    ``which`` narrows any view (its ``status`` is the view's own)."""
    which = replace(which, status=None if view in QUEUE_VIEWS else CommentStatus(view))
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


COUNTED_VIEWS = ("review", "reported", "appealed", "pending")


def counts(session: Session, which: QueueFilter) -> dict[str, int]:
    """How many comments each working view holds under ``which`` (its status aside): what
    the workspace shows beside each view's name."""
    found = {}
    for name in COUNTED_VIEWS:
        narrowed = replace(which, status=None if name in QUEUE_VIEWS else CommentStatus(name))
        query = _filtered(select(func.count()).select_from(Comment), narrowed)
        if name == "reported":
            query = query.where(Comment.open_reports > 0)
        elif name == "appealed":
            query = query.join(Appeal, Appeal.comment_id == Comment.id).where(
                Appeal.status == Resolution.OPEN.value)
        found[name] = session.scalar(query) or 0
    return found


def arrived(session: Session, view: str, which: QueueFilter, since: datetime) -> int:
    """How many comments came into ``view`` (narrowed by ``which``) after ``since``: held
    (their status changed to it) or, for ``all``, written; reported or appealed anew for
    those views. What a workspace page announces as new without reordering itself."""
    which = replace(which, status=None if view in QUEUE_VIEWS else CommentStatus(view))
    query = _filtered(select(func.count(func.distinct(Comment.id))).select_from(Comment), which)
    if view == "reported":
        query = query.join(Report, Report.comment_id == Comment.id).where(
            Comment.open_reports > 0, Report.status == Resolution.OPEN.value,
            Report.created_at > since)
    elif view == "appealed":
        query = query.join(Appeal, Appeal.comment_id == Comment.id).where(
            Appeal.status == Resolution.OPEN.value, Appeal.created_at > since)
    elif view == "all":
        query = query.where(Comment.created_at > since)
    else:
        query = query.where(Comment.updated_at > since)
    return session.scalar(query) or 0


def _filtered(query: Select, queue: QueueFilter) -> Select:
    if queue.status is not None:
        # Tombstones are in no one's queue: nothing is left to judge (``all`` shows them).
        query = query.where(Comment.status == queue.status, Comment.erased_at.is_(None))
    if queue.text is not None:
        query = query.where(textsearch.contains(Comment.body, queue.text)
                            | textsearch.contains(Comment.author_name, queue.text))
    if queue.reason_codes:
        query = query.where(Comment.status_reason_code.in_(queue.reason_codes))
    score = (Comment.max_score if queue.category is None
             else Comment.scores[queue.category].as_float())
    if queue.category is not None:
        query = query.where(score.is_not(None))
    if queue.score_min is not None:
        query = query.where(score >= queue.score_min)
    if queue.score_max is not None:
        query = query.where(score <= queue.score_max)
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
