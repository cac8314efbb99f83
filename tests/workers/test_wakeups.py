"""Wake-ups: workers start on committed work at once instead of at their next poll; nothing
rolled back wakes them; the poll still finds what came without a wake-up.

The workers here poll every 30 s and each wait for an outcome gives up after 5 s: an
outcome in time means a wake-up, not a poll."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace

import psycopg
import pytest
from sqlalchemy import delete, insert, select, text
from sqlalchemy.engine import make_url

from moderation import jobs, wakeups
from moderation.db import Database
from moderation.domain import Role
from moderation.models import Account, Comment, Job
from moderation.services import mail_outbox
from moderation.workers.delivery import DeliveryWorker
from moderation.workers.mail import MailWorker
from moderation.workers.scoring import ScoringWorker
from tests.support.http import post_comment
from tests.support.receiver import receiver
from tests.support.smtp import SmtpSink

LONG_POLL = 30.0
IN_TIME = 5.0


def eventually(check: Callable[[], object], seconds: float = IN_TIME) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not in time: no wake-up came"
        time.sleep(0.01)


@contextmanager
def running(worker: ScoringWorker | DeliveryWorker | MailWorker) -> Iterator[None]:
    """Run ``worker`` in a thread until the block ends; entered once it went idle (its
    first pass found nothing and it waits), so that what follows must wake it."""
    first_pass = threading.Event()
    run_once = worker.run_once

    def counted() -> int:
        busy = run_once()
        first_pass.set()
        return busy

    worker.run_once = counted  # type: ignore[method-assign]
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,), daemon=True)
    thread.start()
    try:
        assert first_pass.wait(IN_TIME)
        yield
    finally:
        stop.set()
        thread.join(IN_TIME)
        assert not thread.is_alive(), "the worker did not stop when told"


@pytest.fixture
def slow_poll(config):
    return replace(config, worker_poll_seconds=LONG_POLL)


def status_of(database: Database, public_id: str) -> str:
    with database.transaction() as session:
        return session.scalar(select(Comment.status).where(Comment.public_id == public_id)).value


def test_a_posted_comment_is_decided_and_its_webhook_sent_without_waiting_for_the_poll(
        client, admin, database, slow_poll, clock, scorer):
    scoring = ScoringWorker(database, slow_poll, lambda _config: scorer, clock)
    delivery = DeliveryWorker(database, slow_poll, clock)
    with receiver() as hook:
        # Only the decision's event: the delivery worker must wake for the worker's commit.
        client.post("/v1/webhooks", headers=admin,
                    json={"url": hook.url, "event_types": ["comment.approved"]})
        with running(scoring), running(delivery):
            comment = post_comment(client, "Grüße aus Görlitz, danke für den Überblick!")
            public_id = comment.get_json()["id"]

            eventually(lambda: status_of(database, public_id) == "approved")
            eventually(lambda: hook.received)
    assert public_id in hook.received[0].body.decode()


def test_a_queued_mail_is_sent_without_waiting_for_the_poll(database, slow_poll, clock):
    sink = SmtpSink().start()
    try:
        mailing = slow_poll.replace(smtp_host="127.0.0.1", smtp_port=sink.port,
                                    smtp_security="none", smtp_timeout_seconds=5.0,
                                    mail_from="Moderation <moderation@zeitung.example.de>")
        mailer = MailWorker(database, mailing, clock)
        with running(mailer):
            with database.transaction() as session:
                anna = Account(email="anna@zeitung.example.de", name="Anna Schäfer",
                               role=Role.EDITOR, password_hash="-", locale="de",
                               created_at=clock())
                session.add(anna)
                session.flush()
                mail_outbox.queue(session, anna, kind="report_alert", subject="Neue Meldung",
                                  body="Grüße aus der Redaktion", dedupe_key="wecken-1",
                                  now=clock())
            eventually(lambda: sink.received)
    finally:
        sink.stop()


def test_a_job_without_a_wake_up_is_found_by_the_poll(client, database, config, clock, scorer):
    public_id = post_comment(client, "Schöne Grüße aus Würzburg!").get_json()["id"]
    with database.transaction() as session:
        job = session.scalars(select(Job)).one()
        session.execute(delete(Job))
    polling = replace(config, worker_poll_seconds=0.2)
    worker = ScoringWorker(database, polling, lambda _config: scorer, clock)
    with running(worker):
        with database.transaction() as session:  # written by hand: nothing announces it
            session.execute(insert(Job).values(kind=job.kind, subject_id=job.subject_id,
                                               run_at=job.run_at, attempts=0,
                                               created_at=job.created_at))
        eventually(lambda: status_of(database, public_id) == "approved")


@pytest.mark.parametrize(("kind", "channel"), [
    (jobs.SCORE_COMMENT, wakeups.SCORING),
    (jobs.DELIVER_WEBHOOK, wakeups.WEBHOOKS),
    (jobs.SEND_MAIL, wakeups.MAIL),
    (jobs.PURGE, None),  # recurring: runs on schedule, wakes nobody
])
def test_a_committed_job_rings_the_bell_of_its_kind_only(database, clock, kind, channel):
    stop = threading.Event()
    with ExitStack() as entered:
        bells = {name: entered.enter_context(wakeups.Bell(database, name, stop))
                 for name in wakeups.CHANNELS}
        with database.transaction() as session:
            jobs.enqueue(session, kind, 1, clock())
            assert not any(bell.wait(0) for bell in bells.values())  # not before the commit
        assert {name for name, bell in bells.items() if bell.wait(0)} == (
            {channel} if channel else set())


def test_a_rolled_back_enqueue_rings_no_bell(database, clock):
    stop = threading.Event()
    with wakeups.Bell(database, wakeups.SCORING, stop) as bell:
        with pytest.raises(RuntimeError), database.transaction() as session:
            jobs.enqueue(session, jobs.SCORE_COMMENT, 1, clock())
            raise RuntimeError("Abbruch")
        assert not bell.wait(0)

        # A savepoint released into a transaction that then rolls back: no wake-up either.
        with pytest.raises(RuntimeError), database.transaction() as session:
            with session.begin_nested():
                jobs.enqueue(session, jobs.SCORE_COMMENT, 2, clock())
            assert not bell.wait(0)
            raise RuntimeError("Abbruch")
        assert not bell.wait(0)

        with database.transaction() as session:
            jobs.enqueue(session, jobs.SCORE_COMMENT, 3, clock())
        assert bell.wait(0)


def test_a_stopped_worker_stops_waiting_at_once(database, slow_poll, clock, scorer):
    worker = ScoringWorker(database, slow_poll, lambda _config: scorer, clock)
    with running(worker):
        pass  # leaving stops it: a 30 s poll must not hold it


def _listening_backends(database: Database, application_name: str) -> set[int]:
    """The backends of ``application_name`` that have run the listener's last LISTEN."""
    with database.transaction() as session:
        return set(session.scalars(text(
            "SELECT pid FROM pg_stat_activity WHERE application_name = :name "
            "AND query = :last"), {"name": application_name,
                                   "last": f'LISTEN "{wakeups.CHANNELS[-1]}"'}))


def test_on_postgresql_another_process_is_woken_by_notify_and_listens_again_after_an_outage(
        client, database, database_url, slow_poll, clock, scorer, monkeypatch, caplog):
    """The worker's process is played by its own engine (another URL, so that the API's
    in-process ring does not reach it): only PostgreSQL's NOTIFY can wake it. SQLite has no
    listener: the process that commits rings its own workers."""
    stop = threading.Event()
    if database.is_sqlite:
        assert wakeups.listen(database, stop) is None
        return
    name = "moderation-woken"
    url = make_url(database_url).update_query_dict({"application_name": name})
    monkeypatch.setattr(wakeups, "RECONNECT_SECONDS", 0.05)
    elsewhere = Database(url.render_as_string(hide_password=False))
    listener = wakeups.listen(elsewhere, stop)
    worker = ScoringWorker(elsewhere, slow_poll, lambda _config: scorer, clock)
    try:
        eventually(lambda: _listening_backends(database, name))
        with running(worker):
            first = post_comment(client, "Grüße nach Zwickau!").get_json()["id"]
            eventually(lambda: status_of(database, first) == "approved")

            [pid] = _listening_backends(database, name)
            with database.transaction() as session:
                session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            eventually(lambda: _listening_backends(database, name) - {pid})
            second = post_comment(client, "Nochmals Grüße nach Zwickau!").get_json()["id"]
            eventually(lambda: status_of(database, second) == "approved")
    finally:
        stop.set()
        assert listener is not None
        listener.join(IN_TIME)
        elsewhere.dispose()
    assert not listener.is_alive()
    assert "wake-up listener: database unavailable, workers poll meanwhile" in caplog.text


def test_on_postgresql_only_a_commit_sends_notify(database, database_url, clock):
    """Delivered in commit order: once the committed one arrived, an earlier one from the
    rolled-back transaction would have too."""
    if database.is_sqlite:
        with database.transaction() as session:  # nothing to notify: no statement is sent
            jobs.enqueue(session, jobs.SCORE_COMMENT, 1, clock())
        return
    url = make_url(database_url)
    with psycopg.connect(host=url.host, port=url.port, user=url.username,
                         password=url.password, dbname=url.database,
                         autocommit=True) as listening:
        listening.execute(f'LISTEN "{wakeups.SCORING}"')
        with pytest.raises(RuntimeError), database.transaction() as session:
            jobs.enqueue(session, jobs.SCORE_COMMENT, 1, clock())
            raise RuntimeError("Abbruch")
        with database.transaction() as session:
            jobs.enqueue(session, jobs.SCORE_COMMENT, 2, clock())
            jobs.enqueue(session, jobs.SCORE_COMMENT, 3, clock())

        arrived = list(listening.notifies(timeout=IN_TIME, stop_after=1))
        arrived += list(listening.notifies(timeout=0))
    assert [n.channel for n in arrived] == [wakeups.SCORING]
