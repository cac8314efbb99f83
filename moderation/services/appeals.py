"""Appeals against rejections (DSA Art. 20): the author contests a rejection once, within the
appeal period; an editor decides, where possible not the one who rejected the comment; the
decision is final."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, object_session

from moderation.domain import AUTHOR_ACTOR, CommentStatus, Reason, Resolution
from moderation.errors import Conflict
from moderation.models import ApiKey, Appeal, Comment, ModerationEvent
from moderation.services import webhooks
from moderation.services.comments import own_comment
from moderation.services.transitions import actor_name, change_status
from moderation.statements import appeal_deadline


class NeedsOtherEditor(Conflict):
    code = "appeal_needs_other_editor"


def submit_appeal(session: Session, public_id: str, token: str | None, explanation: str, *,
                  appeal_days: int, now: datetime) -> Appeal:
    """The author contests the rejection of their comment: the comment goes back to the
    review queue, and an editor decides again.

    Only a rejected comment that is not erased, within ``appeal_days`` of its rejection, and
    only once per comment.
    """
    # Two appeals at once, or an appeal and an editor's decision, must not both pass the
    # checks: the row is locked (on SQLite the write lock does this).
    comment = own_comment(session, public_id, token, for_update=True)
    refusal = _refusal(comment, comment.appeal, appeal_days, now)
    if refusal is not None:
        raise refusal
    rejection = session.scalars(
        select(ModerationEvent).where(ModerationEvent.comment_id == comment.id,
                                      ModerationEvent.to_status == CommentStatus.REJECTED)
        .order_by(ModerationEvent.id.desc()).limit(1)).one()
    appeal = Appeal(public_id=secrets.token_urlsafe(16), comment_id=comment.id,
                    explanation=explanation, rejected_by=rejection.actor,
                    rejected_by_key_id=rejection.api_key_id, status=Resolution.OPEN.value,
                    created_at=now)
    session.add(appeal)
    change_status(comment, CommentStatus.REVIEW, reason_code=Reason.APPEALED,
                  reason="The author appealed against the rejection.", now=now,
                  actor=AUTHOR_ACTOR)
    comment.editor_decided_at = None  # the earlier decision is contested: decide again
    session.flush()
    webhooks.emit(session, "comment.appealed", {
        "comment_id": comment.public_id, "article_key": comment.article.key,
        "appeal_id": appeal.public_id, "links": _links(comment)}, now, comment_id=comment.id)
    return appeal


@dataclass(frozen=True)
class AuthorView:
    """The author's own comment, and the last day to appeal against its rejection (None
    when no appeal is possible now)."""

    comment: Comment
    appealable_until: date | None


def author_view(session: Session, public_id: str, token: str | None, *, appeal_days: int,
                now: datetime) -> AuthorView:
    """The author's own comment with its appeal, and until when one can be made."""
    comment = own_comment(session, public_id, token)
    appealable = _refusal(comment, comment.appeal, appeal_days, now) is None
    return AuthorView(comment, appeal_deadline(comment.rejected_at, appeal_days)
                      if appealable and comment.rejected_at else None)


def _refusal(comment: Comment, appeal: Appeal | None, appeal_days: int,
             now: datetime) -> Conflict | None:
    """Why the comment cannot be appealed now, or None if it can."""
    if appeal is not None:
        return Conflict("This comment was appealed already; the decision on the appeal is "
                        "final.", code="already_appealed")
    if comment.status is not CommentStatus.REJECTED or comment.rejected_at is None \
            or comment.erased_at is not None:
        return Conflict("Only a rejected comment can be appealed.", code="not_appealable")
    deadline = appeal_deadline(comment.rejected_at, appeal_days)
    if now.date() > deadline:
        return Conflict(f"The period for an appeal ended on {deadline.isoformat()}.",
                        code="appeal_period_over")
    return None


def open_appeal(comment: Comment, editor: ApiKey, now: datetime) -> Appeal | None:
    """The open appeal an editor's decision on ``comment`` will decide, if any.

    A different editor should decide an appeal than the one who rejected: the key that
    rejected is refused while another active key could decide (``NeedsOtherEditor``); where
    it is the only one, it decides, and the appeal records both names.
    """
    if comment.status_reason_code != Reason.APPEALED:  # an open appeal holds it in review
        return None
    session = object_session(comment)
    assert session is not None, "open_appeal needs a comment that belongs to a session"
    # Two editors deciding one appeal at once: the second waits, then finds it decided.
    appeal = session.scalars(select(Appeal).where(
        Appeal.comment_id == comment.id, Appeal.status == Resolution.OPEN.value)
        .with_for_update()).first()
    if appeal is not None and appeal.rejected_by_key_id == editor.id \
            and _another_active_key(session, editor, now):
        raise NeedsOtherEditor("You rejected this comment: another editor decides the "
                               "author's appeal.")
    return appeal


def _another_active_key(session: Session, editor: ApiKey, now: datetime) -> bool:
    # Every key is an editor's or an admin's, and admins may decide too.
    return session.scalars(select(ApiKey.id).where(
        ApiKey.id != editor.id, ApiKey.revoked_at.is_(None),
        or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now)).limit(1)).first() is not None


def resolve(appeal: Appeal, decided: CommentStatus, editor: ApiKey, now: datetime) -> None:
    """The editor's decision on the comment decides its appeal: publishing it upholds the
    appeal, rejecting it again dismisses it."""
    outcome = Resolution.UPHELD if decided is CommentStatus.APPROVED else Resolution.DISMISSED
    _close(appeal, outcome, editor, now)


def close_for_erased(session: Session, comment_ids: list[int], now: datetime) -> None:
    """An erased comment's open appeal closes without a decision: nothing is left to decide."""
    for appeal in session.scalars(select(Appeal).where(
            Appeal.comment_id.in_(comment_ids), Appeal.status == Resolution.OPEN.value)):
        _close(appeal, Resolution.CLOSED, None, now)


def _close(appeal: Appeal, outcome: Resolution, editor: ApiKey | None, now: datetime) -> None:
    """Record ``outcome`` (by ``editor``, or by the system) and tell subscribers."""
    appeal.status = outcome.value
    appeal.decided_by = actor_name(editor)
    appeal.decided_at = now
    session = object_session(appeal)
    assert session is not None, "an appeal to close belongs to a session"
    comment = appeal.comment
    webhooks.emit(session, "appeal.decided", {
        "appeal_id": appeal.public_id, "comment_id": comment.public_id,
        "article_key": comment.article.key, "outcome": outcome.value,
        "actor": {"type": "editor", "key": editor.name} if editor else {"type": "system"},
        "decided_by_rejecting_editor": editor is not None
        and appeal.rejected_by_key_id == editor.id,
        "links": _links(comment)}, now, comment_id=comment.id)


def _links(comment: Comment) -> dict[str, Any]:
    return {"comment": f"/v1/moderation/comments/{comment.public_id}",
            "thread": f"/v1/articles/{comment.article.key}/comments"}

