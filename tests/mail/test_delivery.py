"""The mail worker against a real SMTP server on loopback: refused, down, retried on
schedule, delivered later, dead after the last try with its error; nothing lost."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from moderation import cli, jobs
from moderation.config import Config
from moderation.db import Database
from moderation.models import Account, Job, Report
from moderation.services import mail_outbox, report_alerts
from moderation.services.mail_outbox import Mailing
from moderation.workers.mail import MailWorker
from tests.mail.conftest import outbox, report
from tests.support.smtp import SmtpSink

SCHEDULE = [timedelta(seconds=s) for s in Config().mail_retry_seconds]


@pytest.fixture(autouse=True)
def reported(client, comment_id, add_account):
    """One report of illegal content, mailed to Anna."""
    add_account("anna@zeitung.example.de")
    report(client, comment_id)


def send_job(database) -> Job | None:
    with database.transaction() as session:
        return session.scalar(select(Job).where(Job.kind == jobs.SEND_MAIL))


def test_a_server_that_answers_451_gets_the_mail_again_later(mailer, sink, database, clock):
    sink.answers = ["451 4.3.0 Bitte später noch einmal"]

    assert mailer.run_once() == 1
    [mail] = outbox(database)
    assert (mail.status, mail.attempts, mail.sent_at) == ("pending", 1, None)
    assert mail.last_error == "SMTP 451 4.3.0 Bitte später noch einmal"
    wait = send_job(database).run_at - clock()
    assert SCHEDULE[0] * 0.9 <= wait <= SCHEDULE[0] * 1.1
    assert mailer.run_once() == 0  # not due yet

    clock.advance(seconds=SCHEDULE[0].total_seconds() * 1.1)
    assert mailer.run_once() == 1

    [mail] = outbox(database)
    assert (mail.status, mail.attempts, mail.sent_at, mail.last_error) == (
        "sent", 2, clock(), None)
    [refused], [delivered] = sink.refused, sink.received
    assert delivered.message["Message-ID"] == refused.message["Message-ID"]
    assert send_job(database) is None


def test_a_server_that_is_down_keeps_the_mail_queued_with_its_error_until_it_is_back(
        mailer, sink, database, clock):
    sink.stop()

    for attempt in (1, 2):
        assert mailer.run_once() == 1
        [mail] = outbox(database)
        assert (mail.status, mail.attempts) == ("pending", attempt)
        assert mail.last_error.startswith("ConnectionRefusedError")
        assert send_job(database).last_error == mail.last_error
        clock.advance(seconds=SCHEDULE[attempt - 1].total_seconds() * 1.1)

    back = SmtpSink(port=sink.port).start()
    try:
        assert mailer.run_once() == 1
    finally:
        back.stop()

    [mail] = outbox(database)
    assert (mail.status, mail.attempts, mail.last_error) == ("sent", 3, None)
    [delivered] = back.received
    assert delivered.rcpt_tos == ["anna@zeitung.example.de"]


def test_after_the_last_try_the_mail_stays_on_record_dead_with_its_error(
        database, config, clock, sink):
    mailer = MailWorker(database, config.replace(mail_retry_seconds=(10, 20)), clock,
                        worker_id="brieftraeger")
    sink.answers = ["452 4.2.2 Postfach voll"] * 3

    for wait in (0, 11, 22):
        clock.advance(seconds=wait)
        assert mailer.run_once() == 1

    [mail] = outbox(database)
    assert (mail.status, mail.attempts, mail.last_error, mail.sent_at) == (
        "failed", 3, "SMTP 452 4.2.2 Postfach voll", None)
    assert send_job(database) is None
    assert sink.received == []


def test_a_refused_mail_leaves_the_next_one_in_the_batch_to_go(
        client, comment_id, add_account, mailer, sink, database):
    add_account("ben@zeitung.example.de", "Ben Baker")
    report(client, comment_id, category="threat")  # Anna's second mail, and Ben's
    sink.answers = ["550 5.1.1 Postfach unbekannt"]

    assert mailer.run_once() == 3

    first, *others = outbox(database)
    assert (first.status, first.last_error) == ("pending", "SMTP 550 5.1.1 Postfach unbekannt")
    assert [m.status for m in others] == ["sent", "sent"]
    assert sorted(m.rcpt_tos[0] for m in sink.received) == [
        "anna@zeitung.example.de", "ben@zeitung.example.de"]


def test_each_report_is_one_mail_per_person_however_often_it_is_made(
        client, comment_id, mailer, sink, database, clock):
    [first] = outbox(database)
    with database.transaction() as session:
        anna = session.scalars(select(Account)).one()
        filed = session.scalars(select(Report)).one()
        assert report_alerts.report_received(session, filed, Mailing.of(mailer.config),
                                             clock()) == 0
        assert not mail_outbox.queue(session, anna, kind="report_alert", subject="Noch mal",
                                     body="Dasselbe", dedupe_key=first.dedupe_key, now=clock())

    mailer.run_once()
    assert len(sink.received) == 1


@pytest.mark.parametrize(("host", "started"), [
    ("127.0.0.1", {"mail-worker", "digest-worker"}), (None, set())])
def test_serve_and_worker_run_the_mail_workers_only_with_an_smtp_host(
        config, monkeypatch, host, started):
    opened = []

    class Recorded(Database):
        def __init__(self, url: str) -> None:
            super().__init__(url)
            opened.append(self)

    monkeypatch.setattr(cli, "Database", Recorded)
    stop = threading.Event()
    stop.set()  # each worker returns at once
    threads = cli._start_workers(config.replace(smtp_host=host), stop)
    for thread in threads:
        thread.join(timeout=10)
    for database in opened:
        database.dispose()

    assert {t.name for t in threads} & {"mail-worker", "digest-worker"} == started
