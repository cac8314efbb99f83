"""What an author can do with their own comment, known by its token: see it, with its status
and statement of reasons, and appeal once against its rejection (DSA Art. 20), within the
appeal period; an editor decides, where possible not the one who rejected it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from moderation import texts
from moderation.domain import CommentStatus, Reason, Resolution
from moderation.errors import Conflict, NotFound
from moderation.models import Appeal, Comment, ModerationEvent
from moderation.services import decisions, webhooks
from moderation.statements import PublisherTerms, appeal_deadline
from moderation.tokens import token_matches


def own_comment(session: Session, public_id: str, token: str | None, *,
                for_update: bool = False) -> Comment:
    """The author's own comment, whatever its status, with its appeal; ``for_update`` locks
    its row first, for a change that depends on what is read."""
    query = select(Comment).where(Comment.public_id == public_id) \
        .options(selectinload(Comment.appeal))
    if for_update:
        query = query.with_for_update(of=Comment).execution_options(populate_existing=True)
    comment = session.scalar(query)
    # The same answer for a wrong token and a missing comment: ids cannot be probed.
    if comment is None or not token_matches(token, comment.author_token_hash):
        raise NotFound("No such comment, or the author token does not match.")
    return comment


def submit_appeal(session: Session, public_id: str, token: str | None, explanation: str, *,
                  terms: PublisherTerms, now: datetime) -> Appeal:
    """The author contests the rejection of their comment: the comment goes back to the
    review queue, and an editor decides again.

    Only a rejected comment that is not erased, within the ``terms``' appeal period after its
    rejection, and only once per comment.
    """
    # Two appeals at once, or an appeal and an editor's decision, must not both pass the
    # checks: the row is locked (on SQLite the write lock does this).
    comment = own_comment(session, public_id, token, for_update=True)
    refusal = _refusal(comment, comment.appeal, terms.appeal_days, now)
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
    decisions.apply(comment, decisions.Change(CommentStatus.REVIEW, Reason.APPEALED,
                                              texts.text(terms.language, "appealed")),
                    decisions.AUTHOR, now)
    session.flush()
    webhooks.emit(session, "comment.appealed", {
        "comment_id": comment.public_id, "article_key": comment.article.key,
        "appeal_id": appeal.public_id, "links": webhooks.comment_links(comment)}, now,
        comment_id=comment.id)
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
