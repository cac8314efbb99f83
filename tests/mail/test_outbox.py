"""The outbox as admins read it (queued, retrying, given up, with the next try) and a dead
mail sent again by hand, against the real SMTP server on loopback."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from moderation import jobs
from moderation.errors import Conflict, NotFound
from moderation.models import AuditEvent, Job
from moderation.services import mail_outbox
from tests.mail.conftest import outbox, report

ADMIN = "user:chefin@zeitung.example.de"


@pytest.fixture
def config(config):
    """One retry: the second refusal gives the mail up."""
    return config.replace(mail_retry_seconds=(60.0,))


@pytest.fixture
def dead_mail(client, comment_id, add_account, mailer, sink, clock) -> int:
    """A report alert to Anna that the server refused twice: given up."""
    add_account("anna@zeitung.example.de")
    report(client, comment_id)
    sink.answers = ["550 5.1.1 Postfach voll", "550 5.1.1 Postfach voll"]
    mailer.run_once()
    clock.advance(seconds=120)
    mailer.run_once()
    [mail] = outbox(mailer.database)
    assert (mail.status, mail.attempts) == (mail_outbox.FAILED, 2)
    return mail.id


def listed(database, status: str | None) -> list[tuple[str, int]]:
    with database.transaction() as session:
        return [(entry.mail.status, entry.mail.attempts) for entry in
                mail_outbox.outbox(session, status=status, limit=50)]


def test_the_outbox_tells_queued_retrying_and_dead_mails_apart(client, comment_id,
                                                               add_account, mailer, sink,
                                                               database, clock):
    add_account("anna@zeitung.example.de")
    report(client, comment_id)
    assert listed(database, mail_outbox.QUEUED) == [("pending", 0)]
    with database.transaction() as session:
        [entry] = mail_outbox.outbox(session, status=None, limit=50)
        assert entry.next_try == clock()

    sink.answers = ["451 4.3.0 Später"]
    mailer.run_once()

    assert listed(database, mail_outbox.QUEUED) == []
    assert listed(database, mail_outbox.RETRYING) == [("pending", 1)]
    assert listed(database, mail_outbox.FAILED) == []
    with database.transaction() as session:
        [entry] = mail_outbox.outbox(session, status=mail_outbox.RETRYING, limit=50)
        assert entry.next_try > clock()


def test_a_dead_mail_sent_again_reaches_the_server_and_is_audited(dead_mail, mailer, sink,
                                                                   database, clock):
    with database.transaction() as session:
        mail_outbox.retry(session, dead_mail, actor=ADMIN, now=clock())

    [mail] = outbox(database)
    assert (mail.status, mail.attempts, mail.last_error) == ("pending", 0, None)
    assert mailer.run_once() == 1
    [mail] = outbox(database)
    assert mail.status == "sent"
    [delivered] = sink.received
    assert delivered.rcpt_tos == ["anna@zeitung.example.de"]
    with database.transaction() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "mail.retried")).one()
        assert (event.actor, event.target, event.details) == (
            ADMIN, f"mail:{dead_mail}", {"kind": "report_alert"})


def test_only_a_dead_mail_can_be_sent_again(dead_mail, mailer, database, clock):
    with database.transaction() as session:
        mail_outbox.retry(session, dead_mail, actor=ADMIN, now=clock())

    with pytest.raises(Conflict), database.transaction() as session:
        mail_outbox.retry(session, dead_mail, actor=ADMIN, now=clock())
    with pytest.raises(NotFound), database.transaction() as session:
        mail_outbox.retry(session, dead_mail + 1000, actor=ADMIN, now=clock())
    with database.transaction() as session:
        assert len(session.scalars(select(Job).where(Job.kind == jobs.SEND_MAIL)).all()) == 1
