"""What every answer of a public page carries, whoever serves it: the view in ``public.py``
or the fast path in ``fast_reads.py`` in front of Flask."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.http import parse_accept_header

from moderation.config import Config
from moderation.services import threads
from moderation.services.page_cache import PageCache, page_cache_of

PAGE_CACHE = "moderation_page_cache"
# gzip levels: a kept page is compressed once and sent many times; one built for a single
# answer (no cache, an article not seen yet) is compressed for that answer alone. On a page
# of 200 comments: level 6 ~0.29 ms, level 3 ~0.11 ms for ~10 % more bytes.
KEPT_GZIP, QUICK_GZIP = 6, 3
THREAD = "thread"  # the kind of an article's thread pages, in the page cache's keys


def init_page_cache(app: Flask, config: Config) -> None:
    app.extensions[PAGE_CACHE] = page_cache_of(
        config.cache_url, memory_bytes=config.cache_memory_mb * 2**20,
        ttl_seconds=config.cache_ttl_seconds, namespace=config.database_url)


def page_cache_of_app(app: Flask) -> PageCache:
    return app.extensions[PAGE_CACHE]


def thread_asked(query: dict[str, Any]) -> list[tuple[str, Any]]:
    """What a thread page was asked for, as its ETag and cache key hold it."""
    return sorted(query.items())


def thread_page(session: Session, article_key: str, query: dict[str, Any]) -> bytes:
    """An article's thread page as ``ThreadQuerySchema``'s ``query`` asks for it, in JSON."""
    return threads.thread_page_json(threads.public_thread_page(
        session, article_key, cursor=query["cursor"], limit=query["limit"],
        replies=query["replies"], newest_first=query["order"] == "newest"))


def etag(revision: int | None, *page: Any) -> str:
    """Changes with the article's public revision and with what the page asks for."""
    asked = "|".join(map(str, page))
    return f"{'new' if revision is None else revision}-" \
           f"{hashlib.sha256(asked.encode()).hexdigest()[:16]}"


def cache_control(config: Config, max_age: int) -> str:
    """Browsers keep it ``max_age`` seconds; a CDN or reverse proxy (shared caches) keeps
    it ``s-maxage`` and may answer from it ``stale-while-revalidate`` longer while it asks
    again. The ETag makes every revalidation cheap."""
    return (f"public, max-age={max_age}, s-maxage={config.public_s_maxage}, "
            f"stale-while-revalidate={config.public_stale_while_revalidate}")


def surrogate_key(article_key: str) -> str:
    """The tag a CDN purges an article's cached pages by (Fastly's Surrogate-Key, Varnish's
    xkey): ``article-`` and the key URL-encoded, ``urllib.parse.quote(key, safe="")``."""
    return "article-" + quote(article_key, safe="")


def page_headers(config: Config, article_key: str, page_etag: str) -> dict[str, str]:
    """The headers of a public page of ``article_key``, a 200 or a 304 (``page_etag``: the
    representation's, ``coded_etag``). Every one varies with ``Accept-Encoding``."""
    return {"ETag": f'"{page_etag}"', "Surrogate-Key": surrogate_key(article_key),
            "Cache-Control": cache_control(config, config.public_max_age),
            "Vary": "Accept-Encoding"}


@lru_cache(maxsize=256)
def accepts_gzip(accept_encoding: str | None) -> bool:
    """The client takes gzip: every browser says so; a page of 200 comments shrinks from
    about 61 KB to about 7 KB. Kept per header value: browsers send a handful, and every
    cached page and 304 asks."""
    return parse_accept_header(accept_encoding).quality("gzip") > 0


def coded_etag(page_etag: str, gzipped: bool) -> str:
    """The ETag of the page in its coding: the gzipped bytes are another representation
    (RFC 9110 8.8.3), so a strong ETag of their own."""
    return f"{page_etag}-gzip" if gzipped else page_etag


def cached_page(cache: PageCache, key: str | None, build: Callable[[], bytes],
                gzipped: bool) -> bytes:
    """A public page's bytes, gzipped where asked: the cached ones of this coding, else
    made from the cached plain ones, else ``build()``'s; both codings kept under ``key``
    (None: an article not seen yet, its pages never kept). Each page is compressed once,
    harder when it is kept (served many times) than when it answers one request."""
    if key is None or not cache.keeps:
        body = build()
        return _gzip(body, QUICK_GZIP) if gzipped else body
    wanted = f"{key}|gzip" if gzipped else key
    if (found := cache.get(wanted)) is not None:
        return found
    body = cache.get(key) if gzipped else None
    if body is None:
        body = build()
        cache.put(key, body)
    if gzipped:
        body = _gzip(body, KEPT_GZIP)
        cache.put(wanted, body)
    return body


def _gzip(body: bytes, level: int) -> bytes:
    return gzip.compress(body, compresslevel=level, mtime=0)  # the same bytes on every process
