"""The mail worker: claims queued mails, hands them to the SMTP server outside any
transaction, then records the outcome; a mail the server did not take is tried again on
the retry schedule, and after the last try stays on record, dead, with its error.

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

from moderation import jobs
from moderation.clock import Clock, utcnow
from moderation.config import Config
from moderation.db import Database
from moderation.mail import message, smtp
from moderation.models import Account, MailMessage
from moderation.services.mail_outbox import CANCELLED, FAILED, PENDING, SENT
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
            done = []
            for work, error in zip(batch, outcomes, strict=True):
                if work.job_id not in held:  # its lease ran out: another worker has it
                    continue
                mail = session.get(MailMessage, work.message_id)
                if mail is None or self._record(session, work.job_id, mail, error, now):
                    done.append(work.job_id)
            jobs.complete(session, done)
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
            batch, finished = [], []
            for job in claimed:
                mail = mails.get(job.subject_id)
                if mail is None or mail.status != PENDING:  # erased or handled meanwhile
                    finished.append(job.id)
                elif accounts[mail.account_id].disabled:
                    # Disabled since the mail was written: someone who left gets nothing.
                    mail.status, mail.last_error = CANCELLED, "the account is disabled"
                    mail.updated_at = now
                    finished.append(job.id)
                else:
                    batch.append(Work(job.id, mail.id, self._build(mail)))
            jobs.complete(session, finished)
            return len(claimed), batch

    def _build(self, mail: MailMessage) -> Message:
        return message.build(sender=self.sender, recipient=mail.recipient,
                             recipient_name=mail.recipient_name, subject=mail.subject,
                             body=mail.body, dedupe_key=mail.dedupe_key,
                             written_at=mail.created_at)

    def _record(self, session: Session, job_id: int, mail: MailMessage, error: str | None,
                now: datetime) -> bool:
        """Note the attempt and decide what follows; True when the job is finished."""
        mail.attempts += 1
        mail.updated_at = now
        if error is None:
            mail.status, mail.sent_at, mail.last_error = SENT, now, None
            return True
        mail.last_error = error
        if mail.attempts > len(self.schedule):
            mail.status = FAILED  # the dead letter: kept, with its error
            return True
        wait = self.schedule[mail.attempts - 1] * random.uniform(0.9, 1.1)  # noqa: S311
        jobs.release(session, [job_id], error, now + wait)
        return False

    def run_forever(self, stop: threading.Event) -> None:
        """Send until ``stop`` is set."""
        run_until(stop, self.run_once, self.config.worker_poll_seconds,
                  f"mail worker {self.id}")
