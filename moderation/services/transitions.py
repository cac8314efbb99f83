"""The one place a comment changes status: every change is recorded as an event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import object_session

from moderation.domain import SYSTEM_ACTOR, CommentStatus
from moderation.models import ApiKey, Comment, ModerationEvent
from moderation.services import webhooks


def actor_name(api_key: ApiKey | None) -> str:
    return SYSTEM_ACTOR if api_key is None else f"key:{api_key.name}"


def change_status(comment: Comment, to_status: CommentStatus, *, reason_code: str,
                  reason: str | None, now: datetime, api_key: ApiKey | None = None,
                  details: dict[str, Any] | None = None, actor: str = SYSTEM_ACTOR,
                  statement: dict[str, Any] | None = None) -> ModerationEvent:
    """Move a comment to ``to_status`` and append the event that says who, when and why.

    ``actor`` names who acted when no key did (``system`` or ``author``). A rejection must come
    with its ``statement`` of reasons (DSA Art. 17; see ``services.rejections``): it is kept
    on the comment while the comment stays rejected, in the event, and in the webhook.
    The article's public revision moves whenever the public view changes, which
    invalidates the widget's cached pages (ETag).
    """
    if (to_status is CommentStatus.REJECTED) != (statement is not None):
        raise ValueError("a rejection, and only a rejection, comes with a statement of reasons "
                         "(build it with services.rejections.statement_for)")
    from_status = comment.status  # None for a comment being created
    if CommentStatus.APPROVED in (from_status, to_status) and from_status != to_status:
        comment.article.public_revision += 1
    comment.status = to_status
    comment.status_reason_code = reason_code
    comment.status_reason = reason
    comment.updated_at = now
    if api_key is not None:
        comment.editor_decided_at = now
    # The author is owed the statement while the rejection stands; the events keep them all.
    comment.statement_of_reasons = statement
    if statement is not None:
        comment.rejected_at = now
        details = {**(details or {}), "statement_of_reasons": statement}
    event = ModerationEvent(
        comment=comment, actor=actor_name(api_key) if api_key else actor,
        api_key_id=api_key.id if api_key else None,
        from_status=from_status, to_status=to_status, reason_code=reason_code, reason=reason,
        details=details, created_at=now,
    )
    session = object_session(comment)
    assert session is not None, "change_status needs a comment that belongs to a session"
    session.add(event)
    if to_status in EVENT_TYPE_OF:
        data = webhook_data(comment, from_status, reason_code, reason, api_key, actor=actor)
        if statement is not None:
            data["statement_of_reasons"] = statement  # for mailers that tell the author
        if comment.id is None:  # decided on arrival: its id ties the message to it (erasure)
            session.flush()
        webhooks.emit(session, EVENT_TYPE_OF[to_status], data, now, comment_id=comment.id)
    return event


# What subscribers hear of each status change (pending is only ever the first status).
EVENT_TYPE_OF = {
    CommentStatus.REVIEW: "comment.review_requested",
    CommentStatus.APPROVED: "comment.approved",
    CommentStatus.REJECTED: "comment.rejected",
}


def webhook_data(comment: Comment, from_status: CommentStatus | None, reason_code: str | None,
                 reason: str | None, api_key: ApiKey | None,
                 actor: str = SYSTEM_ACTOR) -> dict[str, Any]:
    """A thin payload: ids, status, reasons, links; never the author's email or address."""
    return {
        "comment_id": comment.public_id,
        "article_key": comment.article.key,
        "parent_id": comment.parent_public_id if comment.parent_id else None,
        "status": comment.status.value,
        "previous_status": from_status.value if from_status else None,
        "reason_code": reason_code,
        "reason": reason,
        "actor": {"type": "editor", "key": api_key.name} if api_key else {"type": actor},
        "links": {"comment": f"/v1/moderation/comments/{comment.public_id}",
                  "thread": f"/v1/articles/{comment.article.key}/comments"},
    }
