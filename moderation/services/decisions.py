"""The one path every decision on a comment takes.

Whoever decides — intake, the scoring worker, an editor, the author appealing — hands a
``Change`` to ``apply``; an erasure is recorded by ``erase``. ``apply`` enforces the rules all
decisions share and writes, in the order things happened: the status, the event on record,
the statement of reasons of a rejection, the webhook events and the mails to authors who
asked for them (``reader_mail``). The rules:

- a person's decision stands: automation changes nothing once an editor has decided, nor
  while the author's appeal waits for an editor (DSA Art. 20(6));
- an erased comment cannot be decided: nothing is left to judge;
- an editor's decision answers the comment's open reports and decides its open appeal, by
  another editor than the one who rejected it where one exists;
- a rejection states its reasons (DSA Art. 17);
- an appeal reopens the comment for an editor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, object_session

from moderation import metrics
from moderation.domain import AUTHOR_ACTOR, SYSTEM_ACTOR, CommentStatus, Reason
from moderation.errors import Conflict
from moderation.models import (
    Article,
    Comment,
    ModelTrainingComment,
    ModelVersion,
    ModerationEvent,
)
from moderation.services import appeals, new_comments, reader_mail, reports, webhooks
from moderation.services.actors import AUTHOR, AUTOMATION, Decider
from moderation.services.rejections import statement_for
from moderation.statements import Ground, PublisherTerms

__all__ = ["AUTHOR", "AUTOMATION", "Change", "CommentErased", "Decider", "apply", "erase",
           "receive"]


class CommentErased(Conflict):
    code = "comment_erased"


@dataclass(frozen=True)
class Change:
    """A decision to apply: the status it leads to and why. ``details`` go on record with the
    event (scores, policy, mode); ``explanation`` is the evidence editors see on the comment;
    ``ground`` is an editor's legal ground for a rejection."""

    to_status: CommentStatus
    reason_code: str
    reason: str | None = None
    details: dict[str, Any] | None = None
    explanation: dict[str, Any] | None = None
    ground: Ground | None = None


def receive(session: Session, comment: Comment, now: datetime, *, scoring: bool,
            last_write: bool = False) -> None:
    """Store a new comment (transient, ``article_id`` set) with its first event, received
    and waiting to be judged, and with ``scoring`` the job that scores it: written together
    (``new_comments``). Subscribers hear ``comment.created`` before anything decided
    about it. ``last_write``: the caller writes nothing after this; with no subscriber to
    write for either, the comment's statement is the transaction's only write."""
    change = Change(CommentStatus.PENDING, Reason.SUBMITTED)
    _set_status(comment, change, now, None)
    subscribers = webhooks.subscribed(session, EVENT_TYPE_OF[change.to_status])
    new_comments.store(session, comment, _event(None, change, AUTOMATION, now, None),
                       scoring=scoring, now=now, alone=last_write and not subscribers)
    _announce(session, comment, None, change, AUTOMATION, now, None, subscribers)


def apply(comment: Comment, change: Change, by: Decider, now: datetime, *,
          terms: PublisherTerms | None = None) -> bool:
    """Apply ``change``, decided ``by`` automation, an editor or the author; True when the
    comment's status changed. Deciding what already stands records no event (an editor's
    decision still answers open reports, and still stands against automation).

    Raises ``CommentErased`` for a person deciding on a tombstone, and
    ``appeals.NeedsOtherEditor`` for the editor who rejected a comment now under appeal.
    """
    if comment.erased_at is not None:
        if by.automatic:
            return False
        raise CommentErased("This comment was erased: nothing is left to decide.")
    if by.automatic and (comment.editor_decided_at is not None
                         or comment.status_reason_code == Reason.APPEALED):
        return False
    appeal = appeals.open_appeal(comment, by, now) if by.person else None
    changes = comment.status is not change.to_status
    if changes and change.explanation is not None:
        comment.explanation = change.explanation  # the evidence the statement cites
    rejects = changes and change.to_status is CommentStatus.REJECTED
    if rejects and terms is None:
        raise ValueError("a rejection states its reasons under the publisher's terms")
    statement = statement_for(
        comment, reason_code=change.reason_code, reason=change.reason, terms=terms, now=now,
        by_editor=by.person, ground=change.ground,
    ) if rejects else None
    if by.person:
        comment.editor_decided_at = now
        # After the statement: it says whether readers' reports led to the decision.
        reports.resolve_for(comment, change.to_status, by, change.reason, now)
    elif by.actor == AUTHOR_ACTOR:
        comment.editor_decided_at = None  # the earlier decision is contested: decide again
    if not changes:
        return False
    _record(comment, change, by, now, statement)
    if appeal is not None:
        appeals.resolve(appeal, change.to_status, by, now)
    return True


def erase(comment: Comment, reason: str, now: datetime) -> None:
    """Record that a comment was erased (``reason``: erasure_request or retention): its
    content is gone, its decisions stay on record, its status stands. Subscribers hear
    ``comment.erased`` to delete their copies; model versions trained on it are marked."""
    session = object_session(comment)
    assert session is not None, "an erasure needs a comment that belongs to a session"
    session.add(ModerationEvent(
        comment=comment, actor=SYSTEM_ACTOR, from_status=comment.status,
        to_status=comment.status, reason_code=Reason.ERASED, details={"erased_reason": reason},
        created_at=now))
    webhooks.emit(session, "comment.erased", {
        "comment_id": comment.public_id, "article_key": comment.article.key,
        "erased": True, "erased_reason": reason}, now, comment_id=comment.id)
    # A model that learnt from this comment's text is marked: train it again without it.
    session.execute(update(ModelVersion).where(
        ModelVersion.trained_on_erased_at.is_(None),
        ModelVersion.id.in_(select(ModelTrainingComment.model_version_id)
                            .where(ModelTrainingComment.comment_id == comment.id)))
        .values(trained_on_erased_at=now).execution_options(synchronize_session=False))


# What subscribers hear of each status a comment comes to.
EVENT_TYPE_OF = {
    CommentStatus.PENDING: "comment.created",  # only ever the first status
    CommentStatus.REVIEW: "comment.review_requested",
    CommentStatus.APPROVED: "comment.approved",
    CommentStatus.REJECTED: "comment.rejected",
}


def _record(comment: Comment, change: Change, by: Decider, now: datetime,
            statement: dict[str, Any] | None = None) -> None:
    """Write the status change, its event, its webhook message and the mails to readers
    who asked to hear of it.

    A rejection's ``statement`` is kept on the comment while the rejection stands, in the
    event and in the webhook (mailers tell the author). The article's public revision moves
    whenever the public view changes, which invalidates the widget's cached pages (ETag).
    """
    from_status = comment.status
    _set_status(comment, change, now, statement)
    session = object_session(comment)
    assert session is not None, "a decision needs a comment that belongs to a session"
    session.add(ModerationEvent(comment=comment,
                                **_event(from_status, change, by, now, statement)))
    _announce(session, comment, from_status, change, by, now, statement)


def _set_status(comment: Comment, change: Change, now: datetime,
                statement: dict[str, Any] | None) -> None:
    if CommentStatus.APPROVED in (comment.status, change.to_status):
        comment.article.public_revision = Article.public_revision + 1
    comment.status = change.to_status
    comment.status_reason_code = change.reason_code
    comment.status_reason = change.reason
    comment.updated_at = now
    comment.statement_of_reasons = statement
    if statement is not None:
        comment.rejected_at = now


def _event(from_status: CommentStatus | None, change: Change, by: Decider, now: datetime,
           statement: dict[str, Any] | None) -> dict[str, Any]:
    """The event on record's columns, but the comment it belongs to."""
    details = change.details
    if statement is not None:
        details = {**(details or {}), "statement_of_reasons": statement}
    return {"actor": by.actor, "api_key_id": by.key.id if by.key else None,
            "from_status": from_status, "to_status": change.to_status,
            "reason_code": change.reason_code, "reason": change.reason, "details": details,
            "created_at": now}


def _announce(session: Session, comment: Comment, from_status: CommentStatus | None,
              change: Change, by: Decider, now: datetime,
              statement: dict[str, Any] | None,
              subscribers: list[int] | None = None) -> None:
    """Tell whoever hears of the change: metrics, webhook subscribers (``subscribers``,
    where read already) and the readers who asked for mail (the author and the author
    replied to; never webhooks)."""
    metrics.on_commit(session, metrics.comments_received.inc if from_status is None else
                      metrics.comments_decided.labels(change.to_status.value,
                                                      metrics.actor_of(by.payload()["type"])).inc)
    if subscribers is None or subscribers:  # known to be nobody: no payload to build
        data = _webhook_data(comment, from_status, change.reason_code, change.reason, by)
        if statement is not None:
            data["statement_of_reasons"] = statement
        webhooks.emit(session, EVENT_TYPE_OF[change.to_status], data, now,
                      comment_id=comment.id, endpoint_ids=subscribers)
    reader_mail.on_status_change(session, comment, from_status, now)


def _webhook_data(comment: Comment, from_status: CommentStatus | None, reason_code: str,
                 reason: str | None, by: Decider) -> dict[str, Any]:
    """A thin payload: ids, status, reasons, links; never the author's email or address."""
    return {
        "comment_id": comment.public_id,
        "article_key": comment.article.key,
        "parent_id": comment.parent_public_id if comment.parent_id else None,
        "status": comment.status.value,
        "previous_status": from_status.value if from_status else None,
        "reason_code": reason_code,
        "reason": reason,
        "actor": by.payload(),
        "links": webhooks.comment_links(comment),
    }
