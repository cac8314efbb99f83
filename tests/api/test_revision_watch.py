"""On PostgreSQL each process keeps articles' public revisions while it hears of every
change: a cached page or a 304 then asks the database nothing, and a change made anywhere
(another process, a statement typed by hand, an article removed, while the listener was
away) is never answered from what was kept. SQLite keeps none: each read asks it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from werkzeug.test import Client
from werkzeug.wrappers import Response

from moderation import revision_watch
from moderation.config import Config
from moderation.db import Database
from moderation.models import Article
from moderation.revision_watch import RevisionWatch
from tests.api.test_fast_reads import approve
from tests.support.apps import service_of
from tests.support.http import ARTICLE
from tests.support.queries import driver_statements

KEY = "ki-im-alltag"  # ARTICLE's
IN_TIME = 5.0


def eventually(check: Callable[[], object]) -> None:
    deadline = time.monotonic() + IN_TIME
    while not check():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.01)


@pytest.fixture
def service(config: Config, database, clock) -> Iterator[Flask]:
    with service_of(config, clock, cache_url="memory://") as app:
        yield app


@pytest.fixture
def front(service: Flask, editor) -> Client:
    client = Client(service.wsgi_app, Response)
    approve(client, editor, "Grüße aus Görlitz – schöner Artikel!")
    return client


def watch_of(service: Flask) -> RevisionWatch | None:
    return service.wsgi_app.revisions.watch


def listening_watch(service: Flask, front: Client) -> RevisionWatch:
    """The service's watch, listening, with the article's revision kept."""
    front.get(ARTICLE)  # the first read starts the listener
    watch = watch_of(service)
    assert watch is not None
    eventually(lambda: watch.listening)
    front.get(ARTICLE)
    assert watch.revision(KEY) is not None
    return watch


@pytest.fixture
def elsewhere(database_url: str, database: Database) -> Iterator[Database]:
    """Another process's engine on the same database: its commits reach this process's
    watches only as PostgreSQL's notices (its URL differs, so no in-process forgetting)."""
    if database.is_sqlite:
        yield database
        return
    url = make_url(database_url).update_query_dict({"application_name": "anderer-prozess"})
    other = Database(url.render_as_string(hide_password=False))
    yield other
    other.dispose()


def move_revision(database: Database) -> None:
    with database.transaction() as session:
        article = session.scalars(select(Article).where(Article.key == KEY)).one()
        article.public_revision = Article.public_revision + 1


def listener_backends(database: Database) -> set[int]:
    with database.transaction() as session:
        return set(session.scalars(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND query = :listen"), {"listen": f"LISTEN {revision_watch.PROBE_CHANNEL}"}))


def test_once_listening_a_cached_page_and_a_304_ask_the_database_nothing(
        service, front, database):
    etag = front.get(ARTICLE).headers["ETag"]
    if database.is_sqlite:
        assert watch_of(service) is None  # SQLite sends no notices: every read asks it
        return
    listening_watch(service, front)
    engine = service.extensions["moderation"].database.engine
    with driver_statements(engine) as statements:
        assert front.get(ARTICLE, headers={"If-None-Match": etag}).status_code == 304
        page = front.get(ARTICLE)
    assert statements == []
    assert page.status_code == 200 and page.headers["ETag"] == etag
    assert "Görlitz" in page.get_data(as_text=True)


def test_a_change_made_by_another_process_or_by_hand_is_heard(
        service, front, database, database_url, elsewhere):
    if database.is_sqlite:
        return
    watch = listening_watch(service, front)
    old = front.get(ARTICLE).headers["ETag"]
    move_revision(elsewhere)
    eventually(lambda: watch.revision(KEY) is None)
    changed = front.get(ARTICLE, headers={"If-None-Match": old})
    assert changed.status_code == 200 and changed.headers["ETag"] != old

    url = make_url(database_url)
    with psycopg.connect(host=url.host, port=url.port, user=url.username,
                         dbname=url.database, autocommit=True) as by_hand:
        front.get(ARTICLE)
        eventually(lambda: watch.revision(KEY) is not None)
        by_hand.execute("DELETE FROM articles WHERE key = %s", (KEY,))
    eventually(lambda: front.get(ARTICLE).get_json()["article"] is None)


def test_a_revision_read_before_a_change_was_heard_is_not_kept(service, front, database):
    if database.is_sqlite:
        return
    watch = listening_watch(service, front)
    before = watch.epoch
    watch.forget(["ein-anderer-artikel"])  # a change heard while the read was under way
    watch.keep("gelesen-vorher", 7, before)
    assert watch.revision("gelesen-vorher") is None
    watch.keep("gelesen-danach", 7, watch.epoch)
    assert watch.revision("gelesen-danach") == 7


def test_this_process_forgets_what_it_committed_without_waiting_for_the_notice(
        config, database, clock, editor, elsewhere, monkeypatch):
    """Listening on a channel nobody notifies: only the commit's own forgetting is left."""
    if database.is_sqlite:
        return
    monkeypatch.setattr(revision_watch, "CHANNEL", "moderation_niemand_meldet")
    with service_of(config, clock, cache_url="memory://") as app:
        client = Client(app.wsgi_app, Response)
        approve(client, editor, "Moin aus Kiel!")
        watch = listening_watch(app, client)
        old = client.get(ARTICLE).headers["ETag"]
        approve(client, editor, "Und Grüße aus Lübeck!")  # committed in this process
        new = client.get(ARTICLE, headers={"If-None-Match": old})
        assert new.status_code == 200 and "Lübeck" in new.get_data(as_text=True)
        kept = watch.revision(KEY)
        move_revision(elsewhere)  # no notice on this channel: not heard here
        time.sleep(0.2)
        assert watch.revision(KEY) == kept
        database = app.extensions["moderation"].database
        with database.transaction() as session:  # renamed here: the old key is forgotten
            session.scalars(select(Article).where(Article.key == KEY)).one().key = "umbenannt"
        assert watch.revision(KEY) is None


def test_while_the_listener_is_away_reads_ask_the_database(
        service, front, database, elsewhere, monkeypatch, caplog):
    if database.is_sqlite:
        return
    monkeypatch.setattr(revision_watch, "RECONNECT_SECONDS", 0.3)
    watch = listening_watch(service, front)
    old = front.get(ARTICLE).headers["ETag"]
    eventually(lambda: len(listener_backends(database)) == 1)  # earlier tests' are gone
    [listener] = listener_backends(database)
    with database.transaction() as session:
        session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": listener})
    eventually(lambda: not watch.listening)
    assert watch.revision(KEY) is None  # nothing kept is answered while away
    move_revision(elsewhere)  # a change nobody heard
    assert front.get(ARTICLE, headers={"If-None-Match": old}).status_code == 200
    eventually(lambda: watch.listening)
    assert listener_backends(database) - {listener}
    assert "public revision listener: database unavailable" in caplog.text
    front.get(ARTICLE)
    assert watch.revision(KEY) is not None  # kept again


def test_disposing_of_the_database_stops_the_listener(config, database, clock, editor):
    if database.is_sqlite:
        return
    with service_of(config, clock, cache_url="memory://") as app:
        client = Client(app.wsgi_app, Response)
        approve(client, editor, "Servus aus Passau!")
        watch = listening_watch(app, client)
    assert not watch.listening and watch.revision(KEY) is None
    eventually(lambda: not listener_backends(database))


def test_without_the_watch_every_read_asks_the_database(config, database, clock, editor):
    with service_of(config, clock, cache_url="memory://", watch_revisions=False) as app:
        client = Client(app.wsgi_app, Response)
        approve(client, editor, "Grüße aus Jena!")
        etag = client.get(ARTICLE).headers["ETag"]
        assert watch_of(app) is None
        engine = app.extensions["moderation"].database.engine
        with driver_statements(engine) as statements:
            assert client.get(ARTICLE, headers={"If-None-Match": etag}).status_code == 304
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "FROM articles" in selects[0]


def test_a_listener_that_hears_no_notices_is_not_trusted(service, front, database,
                                                       monkeypatch, caplog):
    """Its probe sent where it does not listen, as through a pooler in transaction mode
    (LISTEN's session handed to others): it stops answering from memory, and listens anew."""
    if database.is_sqlite:
        return
    for name, seconds in (("STOP_CHECK_SECONDS", 0.05), ("PROBE_EVERY_SECONDS", 0.2),
                          ("PROBE_TIMEOUT_SECONDS", 0.5), ("RECONNECT_SECONDS", 0.2)):
        monkeypatch.setattr(revision_watch, name, seconds)
    watch = listening_watch(service, front)
    monkeypatch.setattr(revision_watch, "PROBE_CHANNEL", "moderation_niemand_hoert_das")
    eventually(lambda: not watch.listening)
    assert watch.revision(KEY) is None
    assert "public revision listener: no notice heard within 0.5 s" in caplog.text
    eventually(lambda: watch.listening)  # listening anew, on the channel its probes go to
