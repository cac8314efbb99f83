"""The retention purge: what the configured periods no longer allow us to keep.

- address hashes and the keys that made them, after ``address_retention_days``;
- rejected comments, once the appeal period and ``rejected_retention_days`` are both over
  and no appeal is open: scrubbed to tombstones like an erasure (the decision record stays);
- decided reports, ``report_retention_days`` after the decision and while no appeal on the
  comment is open: who reported and what they and the editor wrote (the decision stays);
- webhook delivery logs, after ``webhook_log_retention_days``; pending deliveries never;
- mails to editors and readers (sent, dead or cancelled), after ``mail_retention_days``;
  pending never;
- readers' addresses nobody confirmed, a week after their first opt-in, with their
  subscriptions and mails.

Workers run it as one recurring job (``moderation.workers.purge``); ``moderation purge``
runs it from cron.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Delete,
    Exists,
    Update,
    delete,
    exists,
    func,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from moderation.accounts import sessions as web_sessions
from moderation.config import Config
from moderation.domain import SYSTEM_ACTOR, CommentStatus, Resolution
from moderation.models import (
    Appeal,
    Comment,
    Report,
    WebhookAttempt,
    WebhookDelivery,
    WebhookMessage,
)
from moderation.services import addresses, audit, mail_outbox, reader_mail
from moderation.services.privacy import RETENTION, scrub_comments

PENDING = "pending"
DECIDED = (Resolution.UPHELD.value, Resolution.DISMISSED.value)
# What identifies a reporter or may name people; category, provision and decision stay.
REPORT_PERSONAL_DATA = (Report.reporter_name, Report.reporter_email,
                        Report.reporter_email_key, Report.client_hash, Report.explanation,
                        Report.decision_note)


def purge(session: Session, config: Config, now: datetime, *,
          actor: str = SYSTEM_ACTOR) -> dict[str, int]:
    """Purge everything past its retention period; returns how much of each, audited."""
    counts = {
        "address_hashes": addresses.purge(session, now,
                                          timedelta(days=config.address_retention_days)),
        "rejected_comments": _scrub_rejected(session, config, now),
        "decided_reports": _anonymise_decided_reports(
            session, now - timedelta(days=config.report_retention_days)),
        **_purge_webhook_logs(session, now - timedelta(days=config.webhook_log_retention_days)),
        "mails": mail_outbox.purge(session, now - timedelta(days=config.mail_retention_days)),
        "unconfirmed_reader_addresses": reader_mail.purge_unconfirmed(
            session, now - reader_mail.UNCONFIRMED_RETENTION),
        "web_sessions": web_sessions.purge_ended(session, now,
                                                 web_sessions.Timeouts.of(config)),
    }
    audit.record(session, "retention.purged", actor=actor, details=counts, now=now)
    return counts


def _scrub_rejected(session: Session, config: Config, now: datetime) -> int:
    """Rejected comments are kept for the longer of the appeal period and the configured
    one, counted from the rejection; an open appeal keeps its comment until decided."""
    cutoff = now - timedelta(days=max(config.rejected_retention_days, config.appeal_days))
    expired = (
        select(Comment)
        .where(Comment.status == CommentStatus.REJECTED, Comment.erased_at.is_(None),
               func.coalesce(Comment.rejected_at, Comment.updated_at) < cutoff,
               not_(_open_appeal_on(Comment.id)))
        .order_by(Comment.id)
        # Two purges at once (a worker and cron) never scrub the same comment twice.
        .with_for_update(of=Comment, skip_locked=True)
    )
    comments = list(session.scalars(expired))
    return scrub_comments(session, comments, RETENTION, now).comments


def _anonymise_decided_reports(session: Session, cutoff: datetime) -> int:
    """Reports decided before ``cutoff`` lose the reporter's name, email and address hash,
    their explanation and the editor's note; open reports, and the reports on a comment
    whose appeal is open (they are the facts it is decided on), are kept. Each report is
    counted once: when something was left to clear."""
    return _affected(session, update(Report).where(
        Report.status.in_(DECIDED), Report.decided_at < cutoff,
        or_(*(column.is_not(None) for column in REPORT_PERSONAL_DATA)),
        not_(_open_appeal_on(Report.comment_id)),
    ).values(dict.fromkeys(REPORT_PERSONAL_DATA)))


def _open_appeal_on(comment_id: ColumnElement[int]) -> Exists:
    return exists().where(Appeal.comment_id == comment_id,
                          Appeal.status == Resolution.OPEN.value)


def _purge_webhook_logs(session: Session, cutoff: datetime) -> dict[str, int]:
    """Finished deliveries (with their attempts), older attempts, and messages that no
    delivery needs any more."""
    finished = (WebhookDelivery.status != PENDING, WebhookDelivery.updated_at < cutoff)
    attempts = _affected(session, delete(WebhookAttempt).where(or_(
        WebhookAttempt.delivery_id.in_(select(WebhookDelivery.id).where(*finished)),
        WebhookAttempt.attempted_at < cutoff)))
    deliveries = _affected(session, delete(WebhookDelivery).where(*finished))
    messages = _affected(session, delete(WebhookMessage).where(
        WebhookMessage.created_at < cutoff,
        ~exists().where(WebhookDelivery.message_id == WebhookMessage.id)))
    return {"webhook_attempts": attempts, "webhook_deliveries": deliveries,
            "webhook_messages": messages}


def _affected(session: Session, statement: Delete | Update) -> int:
    result = session.execute(statement.execution_options(synchronize_session=False))
    return result.rowcount or 0  # type: ignore[attr-defined]
