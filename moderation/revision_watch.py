"""Articles' public revisions kept in each API process while PostgreSQL announces every
change.

A widget's read of a thread starts with its article's public revision: the page's ETag and
cache key. On PostgreSQL that read is a round trip, the dearest part of a cached page or a
304. A trigger (migration 0017) sends ``NOTIFY moderation_public_revisions`` with the
article's key whenever its revision moves, its key changes or it is removed; each process
listens on one connection of its own and forgets that key. A revision is answered from
memory only while the listener is connected and hears: it sends itself a notice from
another connection when it starts and every 30 s, and a connection that does not hear it
within 5 s (a pooler in transaction mode) is dropped. Before it hears, and once it lost its
connection, every read asks the database, and what was kept is forgotten. What this process
commits itself is forgotten at the commit, before the notice comes back. SQLite sends no
notices; reading it is a call inside the process anyway.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from weakref import WeakSet

import psycopg
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction

from moderation.db import UNAVAILABLE, Database, unavailable_reason
from moderation.models import Article
from moderation.wakeups import database_key

log = logging.getLogger(__name__)

CHANNEL = "moderation_public_revisions"
PROBE_CHANNEL = "moderation_public_revisions_probe"
PROBE_EVERY_SECONDS = 30.0  # the listener checks it still hears notices …
PROBE_TIMEOUT_SECONDS = 5.0  # … and gives up on a connection that did not hear one
MAX_KEPT = 100_000  # articles; all are forgotten when more are read
RECONNECT_SECONDS = 5.0
STOP_CHECK_SECONDS = 1.0  # how often the listener looks up to see whether it is to stop

_MOVED = "moderation.revision_watch.moved"  # Session.info: keys whose revision moved

_lock = threading.Lock()
_watches: defaultdict[str, WeakSet[RevisionWatch]] = defaultdict(WeakSet)


class Deaf(Exception):
    """The listening connection does not hear notices."""


class RevisionWatch:
    """The public revisions of one PostgreSQL database's articles, as this process read
    them since it last heard of a change. Readers ask ``revision`` first; on None they read
    the database, having taken ``epoch`` before, and hand what they read to ``keep``."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._revisions: dict[str, int] = {}
        self._lock = threading.Lock()
        self._epoch = 0  # moves with every change heard: a read from before it is stale
        self._listening = False
        self._listener_pid: int | None = None
        self._stop = threading.Event()
        with _lock:
            _watches[database_key(database)].add(self)
        database.on_dispose(self.close)

    def revision(self, article_key: str) -> int | None:
        """The revision kept for the article, or None: ask the database."""
        if self._listener_pid != os.getpid():
            self._start()
        return self._revisions.get(article_key) if self._listening else None

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def listening(self) -> bool:
        """Whether every change is heard now (and kept revisions are answered)."""
        return self._listening

    def keep(self, article_key: str, revision: int, epoch: int) -> None:
        """Keep a revision read after ``epoch`` was taken, unless a change was heard since
        (the read may have seen the article before it)."""
        with self._lock:
            if not self._listening or epoch != self._epoch:
                return
            if len(self._revisions) >= MAX_KEPT:
                self._revisions.clear()
            self._revisions[article_key] = revision

    def forget(self, article_keys: Iterable[str]) -> None:
        with self._lock:
            self._epoch += 1
            for article_key in article_keys:
                self._revisions.pop(article_key, None)

    def close(self) -> None:
        """Stop listening (within ``STOP_CHECK_SECONDS``) and keep nothing more."""
        self._stop.set()
        self._listen_from(False)

    def _listen_from(self, listening: bool) -> None:
        with self._lock:
            self._epoch += 1
            self._revisions.clear()
            self._listening = listening and not self._stop.is_set()

    def _start(self) -> None:
        """Start this process's listener (after a fork: the parent's thread is not here)."""
        with self._lock:
            if self._listener_pid == os.getpid() or self._stop.is_set():
                return
            self._listener_pid = os.getpid()
        self._listen_from(False)
        threading.Thread(target=self._listen, daemon=True,
                         name="public-revision-listener").start()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen_once()
            except (*UNAVAILABLE, psycopg.Error) as error:
                log.warning("public revision listener: database unavailable, reads ask it "
                            "meanwhile: %s", unavailable_reason(error))
            except Deaf as error:
                log.warning("public revision listener: %s; reads ask the database", error)
            except Exception:  # a bug of its own: reads ask the database, it tries again
                log.exception("public revision listener failed, reads ask the database")
            finally:
                self._listen_from(False)
            self._stop.wait(RECONNECT_SECONDS)

    def _listen_once(self) -> None:
        """Listen until the connection fails, a probe goes unheard, or ``stop`` is set.
        Kept revisions are answered from the first probe heard on."""
        with self._database.own_connection() as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            connection.execute(f"LISTEN {PROBE_CHANNEL}")
            probe, sent, heard = self._probe(), time.monotonic(), False
            while not self._stop.is_set():
                for notice in connection.notifies(timeout=STOP_CHECK_SECONDS):
                    if notice.channel == CHANNEL:
                        self.forget((notice.payload,))
                    elif notice.payload == probe and not heard:
                        heard = True
                        if not self._listening:
                            self._listen_from(True)  # every change from now on is heard
                waited = time.monotonic() - sent
                if not heard and waited > PROBE_TIMEOUT_SECONDS:
                    raise Deaf(f"no notice heard within {PROBE_TIMEOUT_SECONDS:g} s")
                if heard and waited > PROBE_EVERY_SECONDS:
                    probe, sent, heard = self._probe(), time.monotonic(), False

    def _probe(self) -> str:
        """Send a notice of our own from another connection: a connection that
        cannot hear it (a pooler in transaction mode hands LISTEN's session to others) must
        not be trusted with revisions."""
        probe = secrets.token_hex(8)
        with self._database.own_connection() as sender:
            sender.execute("SELECT pg_notify(%s, %s)", (PROBE_CHANNEL, probe))
        return probe


@event.listens_for(Session, "before_flush")
def _note_moved_revisions(session: Session, _flush: UOWTransaction, _objects: object) -> None:
    moved = [key for article in session.dirty if isinstance(article, Article)
             for key in _moved_keys(article)]
    moved += [article.key for article in session.deleted if isinstance(article, Article)]
    if moved:
        session.info.setdefault(_MOVED, set()).update(moved)


def _moved_keys(article: Article) -> list[str]:
    """The keys whose revision this change moves: the article's, and a renamed one's old."""
    attributes = inspect(article).attrs
    renamed = attributes.key.history
    if attributes.public_revision.history.has_changes() or renamed.has_changes():
        return [article.key, *renamed.deleted]
    return []


@event.listens_for(Session, "after_commit")
def _forget_moved_revisions(session: Session) -> None:
    moved = session.info.pop(_MOVED, None)
    if not moved:
        return
    with _lock:
        watches = list(_watches.get(database_key(session.get_bind()), ()))
    for watch in watches:
        watch.forget(moved)


@event.listens_for(Session, "after_transaction_end")
def _moved_nothing_more(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed (forgotten above), rolled back or closed
        session.info.pop(_MOVED, None)
