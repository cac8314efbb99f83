"""The mail outbox: a notification is written in the transaction of the change that causes
it, with a ``send_mail`` job; the mail worker (``workers/mail.py``) sends it. Nothing is
queued while no SMTP server is configured."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from moderation import jobs
from moderation.config import Config
from moderation.errors import Conflict, NotFound
from moderation.models import Account, Job, MailMessage, ReaderAddress
from moderation.services import audit
from moderation.texts import LANGUAGES

PENDING, SENT, FAILED, CANCELLED = "pending", "sent", "failed", "cancelled"
# Filters of the outbox, beside the statuses: pending mails not tried yet, and those tried
# and refused that wait for their next try.
QUEUED, RETRYING = "queued", "retrying"


@dataclass(frozen=True)
class Mailing:
    """What writing a notification needs of the settings."""

    enabled: bool  # an SMTP server is configured
    base_url: str  # "" without MODERATION_PUBLIC_BASE_URL: links are then paths
    language: str  # for an account without a language of its own
    digest_hour: int  # of the daily digest, Europe/Berlin

    @classmethod
    def of(cls, config: Config) -> Mailing:
        return cls(enabled=config.smtp_host is not None, base_url=config.public_base_url or "",
                   language=config.language, digest_hour=config.digest_hour)

    def link(self, path: str) -> str:
        """A link into the service: absolute where the public base URL is known."""
        return self.base_url + path

    @property
    def to_readers(self) -> bool:
        """Mails to readers need links that work outside the service: an absolute base URL
        as well as an SMTP server."""
        return self.enabled and bool(self.base_url)

    def language_of(self, account: Account) -> str:
        return account.locale if account.locale in LANGUAGES else self.language


def queue(session: Session, account: Account, *, kind: str, subject: str, body: str,
          dedupe_key: str, now: datetime, comment_id: int | None = None) -> bool:
    """Add a mail to ``account`` in the caller's transaction; False when the mail with this
    ``dedupe_key`` exists already (each notification is one mail, however often made)."""
    return _add(session, MailMessage(
        kind=kind, account_id=account.id, comment_id=comment_id, recipient=account.email,
        recipient_name=account.name, subject=subject, body=body, dedupe_key=dedupe_key),
        now)


def queue_to_reader(session: Session, address: ReaderAddress, *, kind: str, name: str,
                    dedupe_key: str, now: datetime, comment_id: int | None = None) -> bool:
    """Add a mail to a reader's ``address`` (greeting them as ``name``), like ``queue``. It
    is worded when sent (``services/reader_mail.compose``): subject and body stay empty
    until then."""
    return _add(session, MailMessage(
        kind=kind, reader_address_id=address.id, comment_id=comment_id,
        recipient=address.email, recipient_name=name[:100], subject="", body="",
        dedupe_key=dedupe_key), now)


def _add(session: Session, message: MailMessage, now: datetime) -> bool:
    if session.scalar(select(MailMessage.id)
                      .where(MailMessage.dedupe_key == message.dedupe_key)) is not None:
        return False
    message.status, message.attempts, message.created_at, message.updated_at = (
        PENDING, 0, now, now)
    session.add(message)
    session.flush()
    jobs.enqueue(session, jobs.SEND_MAIL, message.id, now)
    return True


def cancel_to_reader(session: Session, address_id: int, reason: str, now: datetime) -> int:
    """Cancel the mails still to go to a reader's address (it unsubscribed or bounced);
    returns how many."""
    pending = list(session.scalars(select(MailMessage).where(
        MailMessage.reader_address_id == address_id, MailMessage.status == PENDING)))
    for mail in pending:
        mail.status, mail.last_error, mail.updated_at = CANCELLED, reason, now
    if pending:
        session.execute(delete(Job).where(Job.kind == jobs.SEND_MAIL,
                                          Job.subject_id.in_([m.id for m in pending]))
                        .execution_options(synchronize_session=False))
    return len(pending)


def forget_comments(session: Session, comment_ids: list[int]) -> int:
    """An erased comment's mails go with it, sent or not: they quote it. Returns how many."""
    if not comment_ids:
        return 0
    return forget(session, MailMessage.comment_id.in_(comment_ids))


def forget(session: Session, which: ColumnElement[bool]) -> int:
    """Delete the mails ``which`` matches, sent or not, with their jobs; returns how many."""
    about = select(MailMessage.id).where(which)
    session.execute(delete(Job).where(Job.kind == jobs.SEND_MAIL, Job.subject_id.in_(about))
                    .execution_options(synchronize_session=False))
    result = session.execute(delete(MailMessage).where(which)
                             .execution_options(synchronize_session=False))
    return result.rowcount or 0  # type: ignore[attr-defined]


def purge(session: Session, cutoff: datetime) -> int:
    """Sent, dead and cancelled mails last touched before ``cutoff``; a mail still to be
    sent is never purged."""
    result = session.execute(delete(MailMessage).where(
        MailMessage.status != PENDING, MailMessage.updated_at < cutoff)
        .execution_options(synchronize_session=False))
    return result.rowcount or 0  # type: ignore[attr-defined]


@dataclass(frozen=True)
class OutboxEntry:
    mail: MailMessage
    next_try: datetime | None  # None: not queued (sent, dead or cancelled)


def outbox(session: Session, *, status: str | None, limit: int) -> list[OutboxEntry]:
    """Mails newest first: every one, or those ``queued``, ``retrying``, or of a status
    (``failed`` are the dead ones), each with when it is tried next."""
    query = select(MailMessage)
    if status == QUEUED:
        query = query.where(MailMessage.status == PENDING, MailMessage.attempts == 0)
    elif status == RETRYING:
        query = query.where(MailMessage.status == PENDING, MailMessage.attempts > 0)
    elif status is not None:
        query = query.where(MailMessage.status == status)
    mails = list(session.scalars(query.order_by(MailMessage.id.desc()).limit(limit)))
    due = dict(session.execute(select(Job.subject_id, Job.run_at).where(
        Job.kind == jobs.SEND_MAIL, Job.subject_id.in_([m.id for m in mails]))).all())
    return [OutboxEntry(mail, due.get(mail.id)) for mail in mails]


def retry(session: Session, mail_id: int, *, actor: str, now: datetime) -> MailMessage:
    """Send a dead mail again, on a fresh retry schedule; audited with ``actor``. Only a
    dead mail: one still queued goes anyway, a sent one went, a cancelled one's account is
    disabled."""
    mail = session.get(MailMessage, mail_id, with_for_update=True)
    if mail is None:
        raise NotFound("No such mail.", code="mail_not_found")
    if mail.status != FAILED:
        raise Conflict("Only a mail that could not be sent can be sent again.",
                       code="mail_not_dead")
    mail.status, mail.attempts, mail.last_error, mail.updated_at = PENDING, 0, None, now
    jobs.enqueue(session, jobs.SEND_MAIL, mail.id, now)
    audit.record(session, "mail.retried", actor=actor, target=f"mail:{mail.id}", now=now,
                 details={"kind": mail.kind})
    return mail
