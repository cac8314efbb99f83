"""Wake-ups: a worker starts on new work when it is committed, not at its next poll.

Whoever queues work announces it in the same transaction (``announce``). At the commit
PostgreSQL sends ``NOTIFY`` on the work's channel, as part of the transaction: a rolled-back
one sends nothing. Every worker process holds one connection that listens (``listen``) and
rings the process's bells; in the process that committed (SQLite, ``moderation serve``) the
bells ring right after the commit too. A bell only cuts a worker's wait short: it still
polls every ``worker_poll_seconds``, so a wake-up that never came (the listener was away,
a row written by hand, a ``moderation worker`` beside a SQLite file) costs at most one poll.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import URL, Connection, Engine, Select, event, func, select
from sqlalchemy.orm import Session, SessionTransaction

from moderation.db import UNAVAILABLE, Database, unavailable_reason

log = logging.getLogger(__name__)

SCORING = "moderation_scoring"
WEBHOOKS = "moderation_webhooks"
MAIL = "moderation_mail"
CHANNELS = (SCORING, WEBHOOKS, MAIL)

# How long the listener waits before connecting again after losing the database.
RECONNECT_SECONDS = 5.0
# How often the listener looks up from its connection to see whether it is to stop.
STOP_CHECK_SECONDS = 1.0

_ANNOUNCED = "moderation.wakeups"  # Session.info: the channels of the open transaction
_NOTIFIED = "moderation.wakeups.notified"  # … whose NOTIFY the transaction already holds

# The bells of this process by database and channel. Process-wide on purpose: the API and
# the embedded workers of ``moderation serve`` use separate engines on one database.
_lock = threading.Lock()
_bells: defaultdict[tuple[str, str], set[Bell]] = defaultdict(set)
_watched: set[threading.Event] = set()


def announce(session: Session, channel: str) -> None:
    """Note in the caller's transaction that work for ``channel`` was queued: once it
    commits, the workers waiting for such work wake."""
    session.info.setdefault(_ANNOUNCED, set()).add(channel)


def notified(session: Session, channel: str) -> None:
    """Like ``announce``, for work whose statement sent the ``NOTIFY`` itself (PostgreSQL:
    ``jobs.enqueue``): the commit need not send one more."""
    announce(session, channel)
    session.info.setdefault(_NOTIFIED, set()).add(channel)


def database_key(bind: Engine | Connection | Database) -> str:
    """Which database a bell belongs to: its URL without the password."""
    return _key_of(bind.engine.url)


@lru_cache(maxsize=64)
def _key_of(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def ring(database: str, channels: Iterable[str]) -> None:
    """Wake this process's workers that wait on these channels of ``database``."""
    with _lock:
        bells = [bell for channel in channels for bell in _bells.get((database, channel), ())]
    for bell in bells:
        bell.ring()


class Bell:
    """What a worker waits on between polls: rung when work on its channel was committed,
    and when ``stop`` is set. Use it as a context manager: it is rung only while entered."""

    def __init__(self, database: Database, channel: str, stop: threading.Event) -> None:
        self._key = (database_key(database), channel)
        self._stop = stop
        self._rung = threading.Event()

    def __enter__(self) -> Bell:
        with _lock:
            _bells[self._key].add(self)
            if self._stop not in _watched:
                _watched.add(self._stop)
                threading.Thread(target=_ring_when_set, args=(self._stop,), daemon=True,
                                 name="wakeup-stop").start()
        if self._stop.is_set():  # set before the watcher could see this bell
            self.ring()
        return self

    def __exit__(self, *_exc: object) -> None:
        with _lock:
            _bells[self._key].discard(self)
            if not _bells[self._key]:
                del _bells[self._key]

    def ring(self) -> None:
        self._rung.set()

    def wait(self, timeout: float) -> bool:
        """Wait until rung, stopped or ``timeout`` passed; True when rung or stopped."""
        rung = self._rung.wait(timeout)
        # Cleared only now: work committed before this point is found by the next claim.
        self._rung.clear()
        return rung


def _ring_when_set(stop: threading.Event) -> None:
    stop.wait()
    with _lock:
        _watched.discard(stop)
        bells = [bell for bells in _bells.values() for bell in bells if bell._stop is stop]
    for bell in bells:
        bell.ring()


@event.listens_for(Session, "before_commit")
def _notify_other_processes(session: Session) -> None:
    # Inside the committing transaction (before its last flush): PostgreSQL delivers the
    # notification only if it commits, and after the rows are visible.
    channels = session.info.get(_ANNOUNCED, set()) - session.info.get(_NOTIFIED, set())
    if not channels or session.in_nested_transaction():
        return
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(_notify(tuple(sorted(channels))))


@cache
def _notify(channels: tuple[str, ...]) -> Select[Any]:
    """One statement per set of channels, built once (through the ORM, built anew, it cost
    a comment 0.8 ms of CPU; jobs now send their own: ``jobs.enqueue``)."""
    return select(*(func.pg_notify(channel, "") for channel in channels))


@event.listens_for(Session, "after_commit")
def _ring_this_process(session: Session) -> None:
    channels = session.info.get(_ANNOUNCED)
    if channels and not session.in_nested_transaction():
        ring(database_key(session.get_bind()), channels)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed, rolled back or closed: announced no more
        session.info.pop(_ANNOUNCED, None)
        session.info.pop(_NOTIFIED, None)


def listen(database: Database, stop: threading.Event) -> threading.Thread | None:
    """Start this process's listener on PostgreSQL: one connection that listens on every
    channel and rings the bells, until ``stop`` is set. None on SQLite, where the process
    that commits rings its own bells."""
    if database.engine.dialect.name != "postgresql":
        return None
    thread = threading.Thread(target=_listen, args=(database, stop), daemon=True,
                              name="wakeup-listener")
    thread.start()
    return thread


def _listen(database: Database, stop: threading.Event) -> None:
    key = database_key(database)
    while not stop.is_set():
        try:
            _listen_once(database, key, stop)
        except (*UNAVAILABLE, psycopg.OperationalError) as error:
            log.warning("wake-up listener: database unavailable, workers poll meanwhile: %s",
                        unavailable_reason(error))
        except Exception:  # a bug of its own: the workers still poll, and it tries again
            log.exception("wake-up listener failed, workers poll meanwhile")
        stop.wait(RECONNECT_SECONDS)


def _listen_once(database: Database, key: str, stop: threading.Event) -> None:
    """Listen on one connection until it fails or ``stop`` is set."""
    with database.own_connection() as connection:
        for channel in CHANNELS:
            connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        # Work queued while nobody listened is looked for now, not at the next poll.
        ring(key, CHANNELS)
        log.info("wake-up listener: listening on %s", ", ".join(CHANNELS))
        while not stop.is_set():
            for notification in connection.notifies(timeout=STOP_CHECK_SECONDS):
                ring(key, (notification.channel,))
