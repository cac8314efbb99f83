"""Appeal records (DSA Art. 20): which open appeal an editor's decision decides, who may
decide it, and how it closes. The author files it through ``services.authors``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, object_session

from moderation.domain import SYSTEM_ACTOR, CommentStatus, Reason, Resolution
from moderation.errors import Conflict
from moderation.models import Account, ApiKey, Appeal, Comment
from moderation.services import webhooks
from moderation.services.actors import Decider
from moderation.services.keys import actor_name


class NeedsOtherEditor(Conflict):
    code = "appeal_needs_other_editor"


def open_appeal(comment: Comment, editor: Decider, now: datetime) -> Appeal | None:
    """The open appeal an editor's decision on ``comment`` will decide, if any.

    A different editor should decide an appeal than the one who rejected: the person who
    rejected (by key or account) is refused while someone else could decide
    (``NeedsOtherEditor``); where nobody else can, they decide, and the appeal records both.
    """
    if comment.status_reason_code != Reason.APPEALED:  # an open appeal holds it in review
        return None
    session = object_session(comment)
    assert session is not None, "open_appeal needs a comment that belongs to a session"
    # Two editors deciding one appeal at once: the second waits, then finds it decided.
    appeal = session.scalars(select(Appeal).where(
        Appeal.comment_id == comment.id, Appeal.status == Resolution.OPEN.value)
        .with_for_update()).first()
    if appeal is not None and appeal.rejected_by == editor.actor \
            and _someone_else_could_decide(session, editor, now):
        raise NeedsOtherEditor("You rejected this comment: another editor decides the "
                               "author's appeal.")
    return appeal


def _someone_else_could_decide(session: Session, editor: Decider, now: datetime) -> bool:
    # Every key and every account is an editor's or an admin's, and admins may decide too.
    other_keys = select(ApiKey).where(
        ApiKey.revoked_at.is_(None), or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now))
    if any(actor_name(key) != editor.actor for key in session.scalars(other_keys.limit(2))):
        return True
    accounts = select(Account).where(Account.disabled_at.is_(None))
    return any(account.actor != editor.actor for account in session.scalars(accounts.limit(2)))


def resolve(appeal: Appeal, decided: CommentStatus, editor: Decider, now: datetime) -> None:
    """The editor's decision on the comment decides its appeal: publishing it upholds the
    appeal, rejecting it again dismisses it."""
    outcome = Resolution.UPHELD if decided is CommentStatus.APPROVED else Resolution.DISMISSED
    _close(appeal, outcome, editor, now)


def close_for_erased(session: Session, comment_ids: list[int], now: datetime) -> None:
    """An erased comment's open appeal closes without a decision: nothing is left to decide."""
    for appeal in session.scalars(select(Appeal).where(
            Appeal.comment_id.in_(comment_ids), Appeal.status == Resolution.OPEN.value)):
        _close(appeal, Resolution.CLOSED, None, now)


def _close(appeal: Appeal, outcome: Resolution, editor: Decider | None,
           now: datetime) -> None:
    """Record ``outcome`` (by ``editor``, or by the system) and tell subscribers."""
    appeal.status = outcome.value
    appeal.decided_by = editor.actor if editor else SYSTEM_ACTOR
    appeal.decided_at = now
    session = object_session(appeal)
    assert session is not None, "an appeal to close belongs to a session"
    comment = appeal.comment
    webhooks.emit(session, "appeal.decided", {
        "appeal_id": appeal.public_id, "comment_id": comment.public_id,
        "article_key": comment.article.key, "outcome": outcome.value,
        "actor": editor.payload() if editor else {"type": SYSTEM_ACTOR},
        "decided_by_rejecting_editor": editor is not None
        and appeal.rejected_by == editor.actor,
        "links": webhooks.comment_links(comment)}, now, comment_id=comment.id)
