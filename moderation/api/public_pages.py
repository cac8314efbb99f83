"""What every answer of a public page carries, whoever serves it: the view in ``public.py``
or the fast path in ``fast_reads.py`` in front of Flask."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from flask import Flask
from sqlalchemy.orm import Session

from moderation.config import Config
from moderation.services import threads
from moderation.services.page_cache import PageCache, page_cache_of

PAGE_CACHE = "moderation_page_cache"
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
    """The headers of a public page of ``article_key``, a 200 or a 304."""
    return {"ETag": f'"{page_etag}"', "Surrogate-Key": surrogate_key(article_key),
            "Cache-Control": cache_control(config, config.public_max_age)}
