"""How many published comments articles have, for "12 Kommentare" beside a teaser."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderation.answer_json import answer_json
from moderation.domain import CommentStatus
from moderation.models import Article, Comment


def revisions(session: Session, article_keys: Collection[str]) -> dict[str, int]:
    """Each known article's public revision: it moves whenever its count may change (an
    approval, a published comment rejected or erased), so it makes the answer's ETag."""
    return dict(session.execute(
        select(Article.key, Article.public_revision).where(Article.key.in_(article_keys))).all())


def comment_counts(session: Session, article_keys: Collection[str]) -> dict[str, int]:
    """Per article key, its approved comments that are not erased, replies included; 0 for
    an article without any, or not seen yet."""
    counted = dict(session.execute(
        select(Article.key, func.count(Comment.id)).join(Comment, Comment.article_id == Article.id)
        .where(Article.key.in_(article_keys), Comment.status == CommentStatus.APPROVED,
               Comment.erased_at.is_(None))
        .group_by(Article.key)).all())
    return {key: counted.get(key, 0) for key in article_keys}


def counts_json(counted: dict[str, int]) -> bytes:
    """The answer in the widget's JSON (``CountsSchema``'s shape, as Flask writes it)."""
    return answer_json({"counts": counted})
