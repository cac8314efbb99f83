"""The mail worker: claims queued mails, hands them to the SMTP server outside any
transaction, then records the outcome; a mail the server did not take is tried again on
the retry schedule, and after the last try stays on record, dead, with its error. A
reader's address the server refuses for good (5xx) gets no mail any more.

At least once: a worker that dies between sending and recording leaves the job to be
claimed again after its lease, and the mail goes again with the same ``Message-ID``."""

from __future__ import annotations

import random
import ssl
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation import jobs, wakeups
from moderation.clock import Clock, utcnow
from moderation.config import Config
from moderation.db import Database
from moderation.mail import message, smtp
from moderation.metrics import mail_lag, mails, on_commit
from moderation.models import Account, MailMessage, ReaderAddress
from moderation.services import reader_mail
from moderation.services.mail_outbox import CANCELLED, FAILED, PENDING, SENT, Mailing
from moderation.workers.loop import new_worker_id, run_until


@dataclass(frozen=True)
class Work:
    job_id: int
    message_id: int
    mail: Message


def smtp_server(config: Config) -> smtp.SmtpServer:
    """The configured SMTP server (``MODERATION_SMTP_*``)."""
    if config.smtp_host is None:
        raise ValueError("no SMTP server is configured (MODERATION_SMTP_HOST)")
    security = smtp.Security(config.smtp_security)
    return smtp.SmtpServer(
        host=config.smtp_host, port=config.smtp_port or smtp.DEFAULT_PORTS[security],
        security=security, user=config.smtp_user, password=config.smtp_password,
        timeout_seconds=config.smtp_timeout_seconds)


class MailWorker:
    """Sends the outbox's mails, one SMTP connection per batch. ``tls`` decides which
    certificates are trusted (the system's by default)."""

    def __init__(self, database: Database, config: Config, clock: Clock = utcnow,
                 tls: ssl.SSLContext | None = None, worker_id: str | None = None) -> None:
        self.database = database
        self.config = config
        self.clock = clock
        self.server = smtp_server(config)
        self.sender = message.sender_address(config.mail_from or "")
        self.mailing = Mailing.of(config)
        self.tls = tls or ssl.create_default_context()
        self.id = worker_id or new_worker_id()
        self.schedule = [timedelta(seconds=s) for s in config.mail_retry_seconds]

    def run_once(self) -> int:
        """Claim one batch of due mails, send them, record what happened; returns how many
        jobs it claimed."""
        claimed, batch = self._claim()
        if not batch:
            return claimed
        outcomes = smtp.send(self.server, [work.mail for work in batch], self.tls)
        with self.database.transaction() as session:
            held = jobs.still_held(session, [work.job_id for work in batch], self.id)
            now = self.clock()
            done, bounced = [], {}
            for work, error in zip(batch, outcomes, strict=True):
                if work.job_id not in held:  # its lease ran out: another worker has it
                    continue
                mail = session.get(MailMessage, work.message_id)
                if mail is None or self._record(session, work.job_id, mail, error, now):
                    done.append(work.job_id)
                if mail is not None:
                    _count(session, mail, now)
                if mail is not None and mail.reader_address_id is not None \
                        and _permanent(error):
                    bounced.setdefault(mail.reader_address_id, error)
            jobs.complete(session, done)
            # Once every outcome of the batch is on record (a mail that went, went): the
            # addresses that take no mail get none any more.
            for address_id, error in bounced.items():
                reader_mail.bounced(session, address_id, error, now)
        return claimed

    def _claim(self) -> tuple[int, list[Work]]:
        lease = timedelta(seconds=self.config.job_lease_seconds)
        with self.database.transaction() as session:
            now = self.clock()
            claimed = jobs.claim(session, jobs.SEND_MAIL, self.id,
                                 self.config.worker_batch_size, now, lease)
            mails = {mail.id: mail for mail in session.scalars(select(MailMessage).where(
                MailMessage.id.in_([job.subject_id for job in claimed])))}
            accounts = {account.id: account for account in session.scalars(
                select(Account).where(Account.id.in_({m.account_id for m in mails.values()})))}
            readers = {address.id: address for address in session.scalars(
                select(ReaderAddress).where(ReaderAddress.id.in_(
                    {m.reader_address_id for m in mails.values()})))}
            batch, finished = [], []
            for job in claimed:
                mail = mails.get(job.subject_id)
                if mail is None or mail.status != PENDING:  # erased or handled meanwhile
                    finished.append(job.id)
                    continue
                built = self._build(session, mail, accounts, readers)
                if isinstance(built, str):  # nothing to send any more: why not, on record
                    mail.status, mail.last_error, mail.updated_at = CANCELLED, built, now
                    finished.append(job.id)
                else:
                    batch.append(Work(job.id, mail.id, built))
            jobs.complete(session, finished)
            return len(claimed), batch

    def _build(self, session: Session, mail: MailMessage, accounts: dict[int, Account],
               readers: dict[int, ReaderAddress]) -> Message | str:
        """The mail to send, or why it goes no more."""
        if mail.account_id is not None:
            if accounts[mail.account_id].disabled:
                # Disabled since the mail was written: someone who left gets nothing.
                return "the account is disabled"
            return message.build(sender=self.sender, recipient=mail.recipient,
                                 recipient_name=mail.recipient_name, subject=mail.subject,
                                 body=mail.body, dedupe_key=mail.dedupe_key,
                                 written_at=mail.created_at)
        assert mail.reader_address_id is not None  # one recipient: the table's check
        composed = reader_mail.compose(session, mail, readers[mail.reader_address_id],
                                       self.mailing)
        if isinstance(composed, str):
            return composed
        mail.subject, mail.body = composed.subject, composed.text  # what went, on record
        return message.build(sender=self.sender, recipient=mail.recipient,
                             recipient_name=mail.recipient_name, subject=composed.subject,
                             body=composed.text, html=composed.html, headers=composed.headers,
                             dedupe_key=mail.dedupe_key, written_at=mail.created_at)

    def _record(self, session: Session, job_id: int, mail: MailMessage, error: str | None,
                now: datetime) -> bool:
        """Note the attempt and decide what follows; True when the job is finished."""
        mail.attempts += 1
        mail.updated_at = now
        if error is None:
            mail.status, mail.sent_at, mail.last_error = SENT, now, None
            return True
        mail.last_error = error
        if mail.reader_address_id is not None and _permanent(error):
            mail.status = FAILED  # the reader's address takes no mail (5xx): no retry
            return True
        if mail.attempts > len(self.schedule):
            mail.status = FAILED  # the dead letter: kept, with its error
            return True
        wait = self.schedule[mail.attempts - 1] * random.uniform(0.9, 1.1)  # noqa: S311
        jobs.release(session, [job_id], error, now + wait)
        return False

    def run_forever(self, stop: threading.Event) -> None:
        """Send until ``stop`` is set."""
        with wakeups.Bell(self.database, wakeups.MAIL, stop) as bell:
            run_until(stop, self.run_once, self.config.worker_poll_seconds,
                      f"mail worker {self.id}", bell)


def _count(session: Session, mail: MailMessage, now: datetime) -> None:
    """Count a sending attempt once it is on record."""
    outcome = "retry" if mail.status == PENDING else mail.status
    kind, lag = mail.kind, (now - mail.created_at).total_seconds()

    def count() -> None:
        mails.labels(kind, outcome).inc()
        if outcome == SENT:
            mail_lag.observe(lag)

    on_commit(session, count)


def _permanent(error: str | None) -> bool:
    """The server refused the mail's recipient or content for good (5xx)."""
    return isinstance(error, smtp.Refusal) and error.permanent
