"""The widget's hottest request answered in front of Flask: an article's thread page, as a
304 for a current ETag, the cached bytes of the article's current revision, or built and
kept.

When an article trends, nearly every request is one of these, and Flask's request cycle
(routing, hooks, the limiter's wrappers, the response object) costs several times what a
304 or a cached page does. Here they cost the read limit, one indexed read of the revision
and a cache lookup. The answer is the view's, header for header (``tests/api/
test_fast_reads.py`` compares them); everything else goes on to Flask unchanged, which
answers it as it always did: parameters to judge, a refused limit, an origin that CORS does
not name or that ``/readyz`` remembers, a database that is away.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask
from marshmallow import ValidationError
from sqlalchemy import Engine
from werkzeug.http import parse_etags

from moderation.api.front import (
    SECURITY,
    Answer,
    Finish,
    Limits,
    WidgetCors,
    WSGIApp,
    article_key_of,
    request_id_of,
)
from moderation.api.public_pages import (
    THREAD,
    accepts_gzip,
    cached_page,
    coded_etag,
    etag,
    page_cache_of_app,
    page_headers,
    thread_asked,
    thread_page,
)
from moderation.config import Config
from moderation.db import UNAVAILABLE
from moderation.errors import Invalid
from moderation.revision_watch import RevisionWatch
from moderation.schemas import ThreadQuerySchema
from moderation.services import threads
from moderation.services.page_cache import page_key

log = logging.getLogger(__name__)

QUERY_NAMES = frozenset(ThreadQuerySchema().fields)
# Query strings seen most recently, and what they ask for (None: not valid, Flask answers).
KNOWN_QUERIES = 1024
READ_LIMIT = "limit_reads_per_address"


class FastThreadReads:
    """WSGI middleware: ``app.wsgi_app = FastThreadReads(app, app.wsgi_app)``, inside any
    ProxyFix (the read limit counts per client network, as Flask's does)."""

    def __init__(self, app: Flask, flask_wsgi: WSGIApp) -> None:
        self.app, self.flask_wsgi = app, flask_wsgi
        state = app.extensions["moderation"]
        self.config: Config = state.config
        self.database = state.database
        watch = RevisionWatch(state.database) if (
            self.config.watch_revisions and not state.database.is_sqlite) else None
        self.revisions = RevisionReader(state.database.engine, watch)
        self.queries: dict[str, tuple[tuple[str, Any], ...] | None] = {}
        self.query_schema = ThreadQuerySchema()
        self.cors, self.limits = WidgetCors(self.config), Limits(self.config)
        self.finish = Finish("GET", (200, 304))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        started = time.perf_counter()
        try:
            answer = self._answer(environ)
        except Exception:  # a bug here must not cost the reader the page: Flask answers
            log.exception("fast path for thread pages failed; Flask answers the request")
            answer = None
        if answer is None:
            return self.flask_wsgi(environ, start_response)
        return self.finish(answer, request_id_of(environ), started, start_response)

    def _answer(self, environ: dict[str, Any]) -> Answer | None:
        """The 304 or the page, or None when Flask is to answer."""
        if environ.get("REQUEST_METHOD") != "GET":
            return None
        article_key = article_key_of(environ)
        if article_key is None:
            return None
        cors = self.cors.headers(environ)
        asked = self._asked(environ.get("QUERY_STRING", ""))
        if cors is None or asked is None:
            return None
        if not self.limits.count(environ, (READ_LIMIT, self.limits.network(environ))):
            return None
        try:
            revision = self.revisions.read(article_key)
        except self.revisions.errors:
            return None  # Flask answers the 503
        gzipped = accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING"))
        page_etag, cache_key = _page_identity(article_key, revision, asked)
        page_etag = coded_etag(page_etag, gzipped)
        headers = _one_vary([*page_headers(self.config, article_key, page_etag).items(),
                             *cors, *SECURITY])
        if page_etag in parse_etags(environ.get("HTTP_IF_NONE_MATCH")):
            return "304 NOT MODIFIED", headers, b""
        body = self._page(article_key, asked, None if revision is None else cache_key,
                          gzipped)
        if body is None:
            return None
        if gzipped:
            headers.append(("Content-Encoding", "gzip"))
        headers += [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        return "200 OK", headers, body

    def _page(self, article_key: str, asked: tuple[tuple[str, Any], ...],
              cache_key: str | None, gzipped: bool) -> bytes | None:
        """The page's bytes from the cache, else built and kept under ``cache_key`` (None:
        an article not seen yet, built, never kept); None for Flask to answer what the
        build refused."""
        def build() -> bytes:
            with self.database.session(read_only=True) as session:
                return thread_page(session, article_key, dict(asked))

        try:
            return cached_page(page_cache_of_app(self.app), cache_key, build, gzipped)
        except (Invalid, *UNAVAILABLE):
            return None

    def _asked(self, query_string: str) -> tuple[tuple[str, Any], ...] | None:
        """What the query asks for, as the view reads it (None: Flask is to judge it)."""
        if query_string in self.queries:
            return self.queries[query_string]
        pairs = parse_qsl(query_string, keep_blank_values=True)
        names = [name for name, _ in pairs]
        asked = None
        if set(names) <= QUERY_NAMES and len(set(names)) == len(names):
            with suppress(ValidationError):
                asked = tuple(thread_asked(self.query_schema.load(dict(pairs))))
        if len(self.queries) >= KNOWN_QUERIES:
            self.queries.clear()
        self.queries[query_string] = asked
        return asked


class RevisionReader:
    """``threads.public_revision``: kept by the ``watch`` where there is one, else read on a
    pooled driver connection, without SQLAlchemy's execution machinery around it (a third
    of a 304)."""

    def __init__(self, engine: Engine, watch: RevisionWatch | None) -> None:
        self.engine, self.watch = engine, watch
        compiled = threads.REVISION.compile(dialect=engine.dialect)
        self.sql, self.positional = str(compiled), compiled.positional
        self.errors = (*UNAVAILABLE, engine.dialect.loaded_dbapi.Error)
        self.postgresql = engine.dialect.name == "postgresql"

    def read(self, article_key: str) -> int | None:
        if self.watch is None:
            return self._read_database(article_key)
        if (kept := self.watch.revision(article_key)) is not None:
            return kept
        epoch = self.watch.epoch
        revision = self._read_database(article_key)
        if revision is not None:
            self.watch.keep(article_key, revision, epoch)
        return revision

    def _read_database(self, article_key: str) -> int | None:
        # One round trip: SQLite runs a lone SELECT as its own transaction; PostgreSQL's
        # connection is switched to autocommit for it (else BEGIN, SELECT and, back in the
        # pool, ROLLBACK: three).
        parameters = (article_key,) if self.positional else {"article_key": article_key}
        connection = self.engine.raw_connection()
        driver = connection.driver_connection
        try:
            if self.postgresql:
                driver.autocommit = True  # idle: the pool rolled it back when it came in
            cursor = connection.cursor()
            cursor.execute(self.sql, parameters)
            row = cursor.fetchone()
            cursor.close()
        finally:
            if self.postgresql and not driver.closed:
                driver.autocommit = False
            connection.close()
        return None if row is None else row[0]


def _one_vary(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One ``Vary``, as Werkzeug writes the view's: the page's reasons, then CORS's."""
    varies = [value for name, value in headers if name == "Vary"]
    return [(name, value) for name, value in headers if name != "Vary"] + [
        ("Vary", ", ".join(varies))]


@lru_cache(maxsize=4096)
def _page_identity(article_key: str, revision: int, asked: tuple[tuple[str, Any], ...]
                   ) -> tuple[str, str]:
    """The ETag and the cache key of a page (two hashes, the same for every reader)."""
    return (etag(revision, article_key, *asked),
            page_key(THREAD, article_key, revision, *asked))


