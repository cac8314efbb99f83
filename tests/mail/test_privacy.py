"""Mails quote comments and reports: an erasure takes them along, and the purge takes old
finished ones; a mail still to be sent is never purged."""

from __future__ import annotations

from sqlalchemy import select

from moderation import jobs
from moderation.models import Job
from moderation.services import privacy, retention
from tests.mail.conftest import COMMENT, outbox, report
from tests.support.records import tables_mentioning


def test_erasing_the_author_deletes_the_mails_that_quote_the_comment_sent_or_not(
        client, comment_id, add_account, mailer, database, clock):
    assert "weggesperrt" in COMMENT
    add_account("anna@zeitung.example.de")
    report(client, comment_id)
    mailer.run_once()
    report(client, comment_id, category="threat")  # pending, with its job
    assert [m.status for m in outbox(database)] == ["sent", "pending"]

    with database.transaction() as session:
        privacy.erase_author(session, "bernd@autor.example", actor="cli", now=clock())

    assert outbox(database) == []
    with database.transaction() as session:
        assert session.scalars(select(Job).where(Job.kind == jobs.SEND_MAIL)).all() == []
        assert tables_mentioning(session, "weggesperrt") == []
    assert mailer.run_once() == 0


def test_the_purge_takes_finished_mails_after_their_retention_and_never_pending_ones(
        client, comment_id, add_account, mailer, sink, database, config, clock):
    add_account("anna@zeitung.example.de")
    report(client, comment_id)
    mailer.run_once()
    sink.stop()
    report(client, comment_id, category="threat")
    mailer.run_once()  # the server is down: pending, with its error

    clock.advance(days=config.mail_retention_days, seconds=1)
    with database.transaction() as session:
        counts = retention.purge(session, config, clock())

    assert counts["mails"] == 1
    [left] = outbox(database)
    assert (left.status, left.attempts) == ("pending", 1)
    clock.advance(days=365)
    with database.transaction() as session:
        assert retention.purge(session, config, clock())["mails"] == 0
    assert len(outbox(database)) == 1
