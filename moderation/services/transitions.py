"""The one place a comment changes status: every change is recorded as an event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import object_session

from moderation.domain import CommentStatus
from moderation.models import ApiKey, Comment, ModerationEvent


def actor_name(api_key: ApiKey | None) -> str:
    return "system" if api_key is None else f"key:{api_key.name}"


def change_status(comment: Comment, to_status: CommentStatus, *, reason_code: str,
                  reason: str | None, now: datetime, api_key: ApiKey | None = None,
                  details: dict[str, Any] | None = None) -> ModerationEvent:
    """Move a comment to ``to_status`` and append the event that says who, when and why.

    The article's public revision moves whenever the public view changes, which
    invalidates the widget's cached pages (ETag).
    """
    from_status = comment.status  # None for a comment being created
    if CommentStatus.APPROVED in (from_status, to_status) and from_status != to_status:
        comment.article.public_revision += 1
    comment.status = to_status
    comment.status_reason_code = reason_code
    comment.status_reason = reason
    comment.updated_at = now
    if api_key is not None:
        comment.editor_decided_at = now
    event = ModerationEvent(
        comment=comment, actor=actor_name(api_key), api_key_id=api_key.id if api_key else None,
        from_status=from_status, to_status=to_status, reason_code=reason_code, reason=reason,
        details=details, created_at=now,
    )
    session = object_session(comment)
    assert session is not None, "change_status needs a comment that belongs to a session"
    session.add(event)
    return event
