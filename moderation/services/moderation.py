"""The editor's side: the review queue and decisions on comments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session, selectinload

from moderation.domain import CommentStatus, Reason
from moderation.errors import NotFound
from moderation.models import ApiKey, Article, Comment
from moderation.pagination import decode_score_cursor, decode_time_cursor, encode_cursor
from moderation.services.transitions import change_status

Action = Literal["approve", "reject"]
QueueSort = Literal["risk", "oldest", "newest"]
TARGET: dict[str, CommentStatus] = {
    "approve": CommentStatus.APPROVED,
    "reject": CommentStatus.REJECTED,
}
UNSCORED_RISK = -1.0  # unscored comments sort after every scored one


@dataclass(frozen=True)
class QueueFilter:
    status: CommentStatus | None = CommentStatus.REVIEW  # None: every status
    article_key: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


@dataclass(frozen=True)
class QueuePage:
    comments: list[Comment]
    next_cursor: str | None


def get_comment(session: Session, public_id: str) -> Comment:
    """A comment with its moderation history."""
    comment = session.scalar(select(Comment).where(Comment.public_id == public_id)
                             .options(selectinload(Comment.events)))
    if comment is None:
        raise NotFound(f"No comment with the id {public_id!r}.")
    return comment


def decide(session: Session, public_id: str, action: Action, editor: ApiKey, *,
           reason_code: str | None, reason: str | None, now: datetime) -> Comment:
    """An editor approves or rejects a comment, whatever its status.

    Idempotent: deciding what already stands records nothing new.
    """
    comment = get_comment(session, public_id)
    _apply(comment, action, editor, reason_code, reason, now)
    return comment


def _apply(comment: Comment, action: Action, editor: ApiKey, reason_code: str | None,
           reason: str | None, now: datetime) -> bool:
    target = TARGET[action]
    # Even a decision that changes nothing is the editor's: automation must not undo it.
    comment.editor_decided_at = now
    if comment.status is target:
        return False
    change_status(comment, target, reason_code=reason_code or Reason.EDITOR_DECISION,
                  reason=reason, now=now, api_key=editor)
    return True


@dataclass(frozen=True)
class BulkResult:
    id: str
    outcome: Literal["changed", "unchanged", "not_found"]
    status: CommentStatus | None


def decide_many(session: Session, public_ids: list[str], action: Action, editor: ApiKey, *,
                reason_code: str | None, reason: str | None, now: datetime) -> list[BulkResult]:
    """Apply one decision to many comments in one transaction; unknown ids are reported."""
    found = {c.public_id: c for c in session.scalars(
        select(Comment).where(Comment.public_id.in_(public_ids)))}
    results = []
    for public_id in dict.fromkeys(public_ids):  # each id once, in the order given
        comment = found.get(public_id)
        if comment is None:
            results.append(BulkResult(public_id, "not_found", None))
            continue
        changed = _apply(comment, action, editor, reason_code, reason, now)
        results.append(BulkResult(public_id, "changed" if changed else "unchanged",
                                  comment.status))
    return results


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
    comments = list(session.scalars(query.order_by(*order).limit(limit + 1)))
    next_cursor = None
    if len(comments) > limit:
        comments = comments[:limit]
        last = comments[-1]
        first_value = (last.max_score if last.max_score is not None else UNSCORED_RISK
                       ) if sort == "risk" else last.created_at.isoformat()
        next_cursor = encode_cursor(first_value, last.id)
    return QueuePage(comments, next_cursor)


def _filtered(query: Select, queue: QueueFilter) -> Select:
    if queue.status is not None:
        query = query.where(Comment.status == queue.status)
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
