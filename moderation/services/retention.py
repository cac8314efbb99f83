"""The retention purge: what the configured periods no longer allow us to keep.

- address hashes and the keys that made them, after ``address_retention_days``;
- rejected comments, once the appeal period and ``rejected_retention_days`` are both over
  and no appeal is open: scrubbed to tombstones like an erasure (the decision record stays);
- webhook delivery logs, after ``webhook_log_retention_days``; pending deliveries never.

Workers run it as one recurring job (``moderation.workers.purge``); ``moderation purge``
runs it from cron.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Delete, delete, exists, func, not_, or_, select
from sqlalchemy.orm import Session

from moderation.config import Config
from moderation.domain import SYSTEM_ACTOR, CommentStatus, Resolution
from moderation.models import Appeal, Comment, WebhookAttempt, WebhookDelivery, WebhookMessage
from moderation.services import addresses, audit
from moderation.services.privacy import RETENTION, scrub_comments

PENDING = "pending"


def purge(session: Session, config: Config, now: datetime, *,
          actor: str = SYSTEM_ACTOR) -> dict[str, int]:
    """Purge everything past its retention period; returns how much of each, audited."""
    counts = {
        "address_hashes": addresses.purge(session, now,
                                          timedelta(days=config.address_retention_days)),
        "rejected_comments": _scrub_rejected(session, config, now),
        **_purge_webhook_logs(session, now - timedelta(days=config.webhook_log_retention_days)),
    }
    audit.record(session, "retention.purged", actor=actor, details=counts, now=now)
    return counts


def _scrub_rejected(session: Session, config: Config, now: datetime) -> int:
    """Rejected comments are kept for the longer of the appeal period and the configured
    one, counted from the rejection; an open appeal keeps its comment until decided."""
    cutoff = now - timedelta(days=max(config.rejected_retention_days, config.appeal_days))
    open_appeal = exists().where(Appeal.comment_id == Comment.id,
                                 Appeal.status == Resolution.OPEN.value)
    expired = (
        select(Comment)
        .where(Comment.status == CommentStatus.REJECTED, Comment.erased_at.is_(None),
               func.coalesce(Comment.rejected_at, Comment.updated_at) < cutoff,
               not_(open_appeal))
        .order_by(Comment.id)
        # Two purges at once (a worker and cron) never scrub the same comment twice.
        .with_for_update(of=Comment, skip_locked=True)
    )
    comments = list(session.scalars(expired))
    return scrub_comments(session, comments, RETENTION, now).comments


def _purge_webhook_logs(session: Session, cutoff: datetime) -> dict[str, int]:
    """Finished deliveries (with their attempts), older attempts, and messages that no
    delivery needs any more."""
    finished = (WebhookDelivery.status != PENDING, WebhookDelivery.updated_at < cutoff)
    attempts = _deleted(session, delete(WebhookAttempt).where(or_(
        WebhookAttempt.delivery_id.in_(select(WebhookDelivery.id).where(*finished)),
        WebhookAttempt.attempted_at < cutoff)))
    deliveries = _deleted(session, delete(WebhookDelivery).where(*finished))
    messages = _deleted(session, delete(WebhookMessage).where(
        WebhookMessage.created_at < cutoff,
        ~exists().where(WebhookDelivery.message_id == WebhookMessage.id)))
    return {"webhook_attempts": attempts, "webhook_deliveries": deliveries,
            "webhook_messages": messages}


def _deleted(session: Session, statement: Delete) -> int:
    result = session.execute(statement.execution_options(synchronize_session=False))
    return result.rowcount or 0  # type: ignore[attr-defined]
