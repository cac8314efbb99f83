"""The statement of reasons for a rejection, with the facts gathered from the comment's record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from moderation.domain import CommentStatus, Reason
from moderation.models import Comment
from moderation.statements import (
    Evidence,
    Ground,
    PublisherTerms,
    Rejection,
    statement_of_reasons,
)


def statement_for(comment: Comment, *, reason_code: str, reason: str | None,
                  terms: PublisherTerms, now: datetime, by_editor: bool = False,
                  ground: Ground | None = None) -> dict[str, Any]:
    """The statement of reasons for rejecting ``comment`` now, by an editor or by automation.

    Call it before ``change_status``: it reads the comment's history as it stood. A comment
    that was ever public is removed; the automated evidence is that of the latest automatic
    decision and of the spam checks at intake; open reader reports make it a decision on a
    notice (DSA Art. 16); one appeal per comment: a rejection while an
    appeal is open decides it, and after an appeal no further appeal is offered.
    """
    events = comment.events
    return statement_of_reasons(Rejection(
        comment_id=comment.public_id, reason_code=reason_code, reason=reason,
        by_editor=by_editor,
        was_published=any(e.to_status is CommentStatus.APPROVED for e in events),
        evidence=Evidence.from_record(comment.explanation, comment.scored_by, comment.spam),
        ground=ground or Ground(),
        appeal_reviewed=comment.status_reason_code == Reason.APPEALED,
        appealable=not any(e.reason_code == Reason.APPEALED for e in events),
        following_notice=bool(comment.open_reports),  # None before its first flush
    ), terms, now)
