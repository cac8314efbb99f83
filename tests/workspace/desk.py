"""Comments for the queue and comment page tests, written straight into the database."""

from __future__ import annotations

from typing import Any

from moderation.db import Database
from moderation.domain import CommentStatus
from moderation.models import Comment
from tests.conftest import FrozenClock
from tests.support.records import add_comment

HELD = CommentStatus.REVIEW


def held(database: Database, clock: FrozenClock, body: str = "Du bist ein Idiot.", *,
         score: float = 0.5, reason: str = "score_above_review", **fields: Any) -> str:
    """A comment held for review a second after the last one; its public id."""
    clock.advance(seconds=1)
    with database.transaction() as session:
        comment: Comment = add_comment(
            session, clock(), body=body, status=fields.pop("status", HELD),
            scores=fields.pop("scores", {"toxicity": score, "insult": score / 2}),
            max_score=score, **fields)
        comment.status_reason_code = reason
        return comment.public_id
