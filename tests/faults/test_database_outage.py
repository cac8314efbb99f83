"""The database goes away and comes back: the API answers 503 at once and recovers by itself,
workers reconnect, and a comment accepted with 202 is never lost.

Always against a real PostgreSQL (also in the SQLite run of the suite), reached through a
TCP proxy that the tests cut and restore; what is really stored is read past the proxy.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, create_engine, delete, event, exists, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from werkzeug.test import TestResponse

from moderation import create_app, jobs, migrate
from moderation.clock import Clock
from moderation.config import Config
from moderation.db import Database
from moderation.domain import CommentStatus, Role
from moderation.models import Base, Comment, Job, ModerationEvent, WebhookDelivery
from moderation.scoring.base import Scores
from moderation.services import keys, webhooks
from moderation.workers.delivery import DeliveryWorker
from moderation.workers.loop import run_until
from moderation.workers.scoring import ScoringWorker
from tests.support.http import ARTICLE, assert_error, post_comment
from tests.support.receiver import receiver
from tests.support.scorers import KeywordScorer
from tests.support.tcp_proxy import TcpProxy

POSTGRES_ENV = "MODERATION_TEST_POSTGRES_URL"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
FAULTS_DATABASE = f"moderation_faults_{os.getpid()}"  # runs side by side never share it
CONNECT_TIMEOUT = 5  # seconds; what db.py gives psycopg
# A refused connect fails in milliseconds; this only guards against a hang.
PROMPTLY = 3.0


@pytest.fixture(scope="module")
def faults_url() -> Iterator[URL]:
    """A database of our own, migrated once for this module and dropped afterwards."""
    base = make_url(os.environ.get(POSTGRES_ENV, DEFAULT_POSTGRES))
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{FAULTS_DATABASE}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{FAULTS_DATABASE}"'))
    except OperationalError as error:
        admin.dispose()
        pytest.fail(f"The outage tests need PostgreSQL ({POSTGRES_ENV} or {DEFAULT_POSTGRES}): "
                    f"{error.orig}")
    url = base.set(database=FAULTS_DATABASE)
    migrate.upgrade(url.render_as_string(hide_password=False))
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{FAULTS_DATABASE}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def direct(faults_url: URL) -> Iterator[Database]:
    """Straight to PostgreSQL, past the proxy: what is really stored. Emptied after each test."""
    database = Database(faults_url.render_as_string(hide_password=False))
    yield database
    with database.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
    database.dispose()


@pytest.fixture
def proxy(faults_url: URL) -> Iterator[TcpProxy]:
    with TcpProxy(faults_url.host or "127.0.0.1", faults_url.port or 5432) as proxy:
        yield proxy


@pytest.fixture
def proxied_config(faults_url: URL, proxy: TcpProxy, direct: Database, tmp_path: Path) -> Config:
    url = faults_url.set(host="127.0.0.1", port=proxy.port)
    return Config(database_url=url.render_as_string(hide_password=False),
                  instance_path=tmp_path, testing=True, embedded_worker=False,
                  webhook_allowed_hosts=frozenset({"127.0.0.1"}), rate_limits_enabled=False,
                  statistics_check_seconds=0)  # the proxy counts the app's connections


@pytest.fixture
def proxied(proxied_config: Config) -> Iterator[Database]:
    """A worker's database, through the proxy."""
    with Database(proxied_config.database_url) as database:
        yield database


@pytest.fixture
def faults_app(proxied_config: Config, clock) -> Iterator[Flask]:
    app = create_app(proxied_config, clock=clock)
    yield app
    app.extensions["moderation"].database.dispose()


@pytest.fixture
def faults_client(faults_app: Flask) -> FlaskClient:
    return faults_app.test_client()


@pytest.fixture
def editor_headers(direct: Database, clock) -> dict[str, str]:
    with direct.transaction() as session:
        secret = keys.create_key(session, "anna", Role.EDITOR, clock()).secret
    return {"Authorization": f"Bearer {secret}"}


def assert_unavailable(response: TestResponse) -> None:
    body = assert_error(response, 503, "database_unavailable")
    assert response.headers["Retry-After"] == "5"
    assert "Traceback" not in response.get_data(as_text=True)
    assert "psycopg" not in body["message"]


def stored_comments(direct: Database) -> dict[str, CommentStatus]:
    with direct.transaction() as session:
        return dict(session.execute(select(Comment.public_id, Comment.status)).all())


def test_while_the_database_is_cut_requests_answer_503_at_once(
        faults_client, proxy, editor_headers, caplog):
    assert post_comment(faults_client).status_code == 202  # the pool now holds a connection
    proxy.cut()

    started = time.monotonic()
    assert_unavailable(post_comment(faults_client, "Noch ein Kommentar, Grüße!"))
    assert_unavailable(faults_client.get(ARTICLE))
    assert_unavailable(faults_client.get("/v1/moderation/comments", headers=editor_headers))
    assert time.monotonic() - started < PROMPTLY

    assert faults_client.get("/healthz").status_code == 200  # the process lives
    ready = faults_client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["status"] == "unavailable"
    outage = [r for r in caplog.records if r.getMessage().startswith("database unavailable")]
    assert len(outage) == 3
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in outage)


def test_after_the_outage_the_same_app_answers_again(
        faults_client, proxy, editor_headers, direct):
    first = post_comment(faults_client).get_json()
    proxy.cut()
    assert_unavailable(post_comment(faults_client, "Während der Störung"))
    proxy.restore()

    second = post_comment(faults_client, "Nach der Störung: Grüße aus Görlitz")
    assert second.status_code == 202
    assert faults_client.get(ARTICLE).status_code == 200
    queue = faults_client.get("/v1/moderation/comments", headers=editor_headers)
    assert queue.status_code == 200
    assert faults_client.get("/readyz").status_code == 200
    assert set(stored_comments(direct)) == {first["id"], second.get_json()["id"]}


def test_a_pooled_connection_that_died_is_replaced_unnoticed(faults_client, proxy):
    assert post_comment(faults_client).status_code == 202
    assert proxy.accepted == 1
    proxy.cut()  # the idle pooled connection dies while nobody uses it
    proxy.restore()

    # Its socket reads as closed at checkout: a new one is opened, no request fails.
    assert post_comment(faults_client, "Gleich wieder da").status_code == 202
    assert proxy.accepted == 2


def test_a_commit_that_cannot_reach_the_database_is_a_503_and_stores_nothing(
        faults_app, faults_client, proxy, direct):
    engine = faults_app.extensions["moderation"].database.engine

    def cut_before_commit(_connection: Connection) -> None:
        proxy.cut()

    event.listen(engine, "commit", cut_before_commit)
    try:
        assert_unavailable(post_comment(faults_client, "Verloren im Commit"))
    finally:
        event.remove(engine, "commit", cut_before_commit)
    proxy.restore()

    assert stored_comments(direct) == {}  # the transaction died with its connection
    assert post_comment(faults_client, "Der nächste Versuch").status_code == 202


def test_a_silent_database_is_given_up_on_after_the_connect_timeout(faults_client, proxy):
    proxy.blackhole()  # accepts connections and never answers
    started = time.monotonic()
    assert_unavailable(post_comment(faults_client, "Hallo, jemand da?"))
    assert time.monotonic() - started < CONNECT_TIMEOUT + 10
    assert faults_client.get("/healthz").status_code == 200

    proxy.restore()
    assert post_comment(faults_client, "Da ist sie wieder").status_code == 202


def test_a_lost_connection_names_the_statement_but_not_its_parameters(proxied, proxy):
    """Errors are logged: readers' addresses and texts must not travel with them."""
    with pytest.raises(OperationalError) as raised, proxied.transaction() as session:
        session.execute(text("SELECT 1"))
        proxy.cut()
        session.execute(select(Comment.id).where(Comment.author_email == "jürgen@example.de"))
    assert "SELECT comments.id" in str(raised.value)
    assert "jürgen@example.de" not in str(raised.value)


def scoring_worker(proxied: Database, config: Config, clock: Clock,
                   scorer: KeywordScorer) -> ScoringWorker:
    return ScoringWorker(proxied, config, lambda _config: scorer, clock, worker_id="worker-a")


def test_the_scoring_worker_waits_out_the_outage_and_loses_no_job(
        faults_client, proxy, proxied, proxied_config, direct, clock, caplog):
    comment = post_comment(faults_client).get_json()
    worker = scoring_worker(proxied, proxied_config, clock, KeywordScorer())
    steps = []

    def run_once() -> int:
        """The real worker, driven through the real loop: down, back, done."""
        steps.append(len(steps))
        if len(steps) == 1:
            proxy.cut()
        elif len(steps) == 2:
            with direct.transaction() as session:
                assert session.scalar(select(Job.attempts)) == 0  # unclaimed, still there
            proxy.restore()
        else:
            stop.set()
        return worker.run_once()

    stop = threading.Event()
    run_until(stop, run_once, poll_seconds=0.01, name="scoring worker")

    assert steps == [0, 1, 2]
    [warning] = [r for r in caplog.records if r.levelname == "WARNING"]
    assert "scoring worker: database unavailable" in warning.getMessage()
    assert warning.exc_info is None
    assert stored_comments(direct) == {comment["id"]: CommentStatus.APPROVED}
    with direct.transaction() as session:
        assert session.scalar(select(Job.id)) is None


class CuttingScorer(KeywordScorer):
    """Cuts the database off while the worker scores: the claim is committed, the result not."""

    def __init__(self, proxy: TcpProxy) -> None:
        super().__init__()
        self.proxy = proxy

    def score(self, texts: list[str]) -> list[Scores]:
        if not self.calls:
            self.proxy.cut()
        return super().score(texts)


def test_a_batch_whose_result_was_lost_is_scored_again_after_its_lease(
        faults_client, proxy, proxied, proxied_config, direct, clock):
    comment = post_comment(faults_client).get_json()
    worker = scoring_worker(proxied, proxied_config, clock, CuttingScorer(proxy))
    with pytest.raises(OperationalError):
        worker.run_once()
    proxy.restore()

    assert worker.run_once() == 0  # still leased to the batch that was cut off
    assert stored_comments(direct) == {comment["id"]: CommentStatus.PENDING}
    clock.advance(seconds=proxied_config.job_lease_seconds + 1)
    assert worker.run_once() == 1
    assert stored_comments(direct) == {comment["id"]: CommentStatus.APPROVED}


def test_the_delivery_worker_waits_out_the_outage(
        faults_client, proxy, proxied, proxied_config, direct, clock):
    with receiver() as hook:
        with direct.transaction() as session:
            webhooks.create_endpoint(session, url=hook.url, event_types=["comment.created"],
                                     description=None, allowed_hosts=frozenset({"127.0.0.1"}),
                                     now=clock())
        post_comment(faults_client)
        deliverer = DeliveryWorker(proxied, proxied_config, clock, worker_id="zusteller")
        proxy.cut()
        with pytest.raises(OperationalError):
            deliverer.run_once()
        assert hook.received == []
        proxy.restore()

        assert deliverer.run_once() == 1
        assert len(hook.received) == 1
    with direct.transaction() as session:
        assert session.scalar(select(WebhookDelivery.status)) == "succeeded"
        assert session.scalar(select(Job.id).where(Job.kind == jobs.DELIVER_WEBHOOK)) is None


WRITERS = 8
MOST_PER_WRITER = 400  # a guard only: writers stop once each got through after the outage


def test_no_comment_accepted_with_202_is_lost(faults_app, proxy, direct, caplog):
    """Writers post while the line is cut and restored under them, until each of them got
    through again after the outage (a writer that gets fast 503s may run ahead of the rest)."""
    results: list[tuple[int, int, str | None]] = []  # (writer, status, code or comment id)
    progress = threading.Condition()
    stop = threading.Event()

    def write(writer: int) -> None:
        client = faults_app.test_client()
        for n in range(MOST_PER_WRITER):
            if stop.is_set():
                return
            response = post_comment(client, f"Kommentar {writer}-{n}: Grüße aus Köln")
            body = response.get_json() or {}
            with progress:
                results.append((writer, response.status_code, body.get("id") or body.get("code")))
                progress.notify_all()

    def wait_until(enough: Callable[[], bool]) -> None:
        with progress:
            assert progress.wait_for(enough, timeout=60)

    def accepted_after(position: int) -> set[int]:
        return {w for w, status, _ in results[position:] if status == 202}

    writers = [threading.Thread(target=write, args=(w,), name=f"writer-{w}")
               for w in range(WRITERS)]
    for thread in writers:
        thread.start()
    try:
        wait_until(lambda: sum(status == 202 for _, status, _ in results) >= 3 * WRITERS)
        proxy.cut()
        cut_at = len(results)
        wait_until(lambda: sum(status == 503 for _, status, _ in results[cut_at:]) >= 3 * WRITERS)
        proxy.restore()
        restored_at = len(results)
        wait_until(lambda: len(accepted_after(restored_at)) == WRITERS)
    finally:
        stop.set()
        for thread in writers:
            thread.join()

    assert "Grüße aus Köln" not in caplog.text  # no statement parameters in the logs
    statuses = {status for _, status, _ in results}
    assert statuses == {202, 503}
    assert {answer for _, status, answer in results if status == 503} == {"database_unavailable"}
    for writer in range(WRITERS):  # every writer got through again after the outage
        assert [status for w, status, _ in results if w == writer][-1] == 202
    accepted = {answer for _, status, answer in results if status == 202}
    stored = set(stored_comments(direct))
    assert accepted <= stored
    # A 503 may hide a commit whose acknowledgement was lost, never half a comment.
    assert len(stored) <= len(results)
    with direct.transaction() as session:
        without_job = session.scalars(select(Comment.public_id).where(~exists().where(
            Job.kind == jobs.SCORE_COMMENT, Job.subject_id == Comment.id)))
        assert list(without_job) == []
        without_event = session.scalars(select(Comment.public_id).where(~exists().where(
            ModerationEvent.comment_id == Comment.id, ModerationEvent.from_status.is_(None))))
        assert list(without_event) == []


# The first message of a PostgreSQL client: "may we talk TLS?"; the server answers N or S.
SSL_REQUEST = struct.pack("!ii", 8, 80877103)


def test_the_proxy_cuts_both_ways_and_listens_again_on_its_port(proxy):
    """The tool itself: a cut ends open connections and refuses new ones at once."""
    port = proxy.port
    with socket.create_connection(("127.0.0.1", port), timeout=5) as open_connection:
        open_connection.sendall(SSL_REQUEST)
        assert open_connection.recv(1) in {b"N", b"S"}  # PostgreSQL answered through us
        proxy.cut()
        assert open_connection.recv(1) == b""  # closed under the client
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    assert not [t for t in threading.enumerate() if t.name.startswith("tcp-proxy")]

    proxy.restore()
    assert proxy.port == port
    socket.create_connection(("127.0.0.1", port), timeout=1).close()
