"""Scoring comments again after a model or policy change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, insert, literal, select
from sqlalchemy.orm import Session

from moderation import jobs
from moderation.domain import CommentStatus
from moderation.models import Comment, Job
from moderation.services.queue import of_article_and_time


@dataclass(frozen=True)
class RescoreFilter:
    statuses: tuple[CommentStatus, ...] = tuple(CommentStatus)
    article_key: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


def rescore(session: Session, which: RescoreFilter, now: datetime, *,
            dry_run: bool = False) -> int:
    """Queue matching comments for the scoring worker, which re-scores and re-decides them.

    Comments an editor has decided are never touched, nor tombstones (erased or purged: there
    is nothing left to score); comments already waiting are not queued twice. Returns how
    many were queued (or would be, with ``dry_run``).
    """
    already_queued = exists().where(Job.kind == jobs.SCORE_COMMENT,
                                    Job.subject_id == Comment.id)
    query = select(Comment.id).where(Comment.editor_decided_at.is_(None),
                                     Comment.erased_at.is_(None),
                                     Comment.status.in_(which.statuses), ~already_queued)
    query = of_article_and_time(query, which.article_key, which.created_after,
                                which.created_before)
    if dry_run:
        return len(session.scalars(query).all())
    rows = query.with_only_columns(
        literal(jobs.SCORE_COMMENT), Comment.id, literal(now, Job.run_at.type), literal(0),
        literal(now, Job.created_at.type))
    queued = session.execute(insert(Job).from_select(
        ["kind", "subject_id", "run_at", "attempts", "created_at"], rows).returning(Job.id))
    count = len(queued.all())
    if count:
        jobs.announce(session, jobs.SCORE_COMMENT)
    return count
