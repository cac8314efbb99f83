"""What an editor reads around a comment before deciding: the thread it stands in, the
author's other comments on the site, and the open reports of the comments in a queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.domain import Resolution
from moderation.models import Comment, Report

MAX_REPLIES = 50
MAX_OTHER_COMMENTS = 20


@dataclass(frozen=True)
class Thread:
    """The comment's parent (if it is a reply) and its direct replies, oldest first."""

    parent: Comment | None
    replies: list[Comment]
    more_replies: bool


@dataclass(frozen=True)
class AuthorsComments:
    """The author's other comments, newest first, whatever their status; erased ones stay
    in the list as tombstones (their text is gone)."""

    comments: list[Comment]
    more: bool


def thread_around(session: Session, comment: Comment) -> Thread:
    """The parent and the first replies of ``comment``, whatever their status."""
    parent = session.get(Comment, comment.parent_id) if comment.parent_id else None
    replies = list(session.scalars(select(Comment).where(Comment.parent_id == comment.id)
                                   .order_by(Comment.created_at, Comment.id)
                                   .limit(MAX_REPLIES + 1)))
    return Thread(parent, replies[:MAX_REPLIES], len(replies) > MAX_REPLIES)


def authors_comments(session: Session, comment: Comment) -> AuthorsComments:
    """The other comments written with the same email (by its normalised key), on any
    article. Without an email nothing links a comment to its author's others."""
    if comment.author_email_key is None:
        return AuthorsComments([], False)
    others = list(session.scalars(
        select(Comment).where(Comment.author_email_key == comment.author_email_key,
                              Comment.id != comment.id)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(MAX_OTHER_COMMENTS + 1)))
    return AuthorsComments(others[:MAX_OTHER_COMMENTS], len(others) > MAX_OTHER_COMMENTS)


def open_reports(session: Session, comments: Sequence[Comment]) -> dict[int, list[Report]]:
    """The open reports of each of ``comments`` (by comment id), oldest first: one query
    for a whole page of the queue."""
    found: dict[int, list[Report]] = {comment.id: [] for comment in comments}
    if not found:
        return found
    for report in session.scalars(select(Report).where(
            Report.comment_id.in_(found), Report.status == Resolution.OPEN.value)
            .order_by(Report.id)):
        found[report.comment_id].append(report)
    return found
