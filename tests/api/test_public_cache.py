"""The public pages' cache: a 304 reads the revision alone, a cached page is the bytes the
schema would write, and no change of what the public sees is ever answered from a stale
page, in memory and in Redis. And the headers a CDN or reverse proxy caches by."""

from __future__ import annotations

import gzip
import logging
import uuid
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation import create_app
from moderation.api.public_pages import (
    KEPT_GZIP,
    PAGE_CACHE,
    QUICK_GZIP,
    THREAD,
    thread_asked,
)
from moderation.config import Config, InvalidSetting
from moderation.schemas import ReplyPageSchema, ThreadPageSchema, ThreadQuerySchema
from moderation.services import retention, threads
from moderation.services.page_cache import MemoryCache, RedisCache, page_key
from tests.support.http import ARTICLE, json_of, post_comment, submit_comment
from tests.support.queries import driver_statements

REDIS_URL = "redis://127.0.0.1:6379/0"
AUTHOR_EMAIL = "jürgen.müller@example.de"
COUNTS = "/v1/counts?article=ki-im-alltag&article=unbekannt"
INSULT = "Du bist ein Idiot, Jürgen."  # rejected automatically by the KeywordScorer


@pytest.fixture(params=["memory", "redis"])
def cached_app(request, config: Config, database, clock) -> Iterator[Flask]:
    """The service with its page cache in this process, or in Redis (under a prefix of its
    own: test runs side by side share the server)."""
    app = create_app(config.replace(cache_url="memory://" if request.param == "memory"
                                    else REDIS_URL), clock=clock)
    if request.param == "redis":
        app.extensions[PAGE_CACHE] = RedisCache(REDIS_URL, 60,
                                                prefix=f"test:{uuid.uuid4().hex}:")
    yield app
    app.extensions["moderation"].database.dispose()


@pytest.fixture
def client(cached_app: Flask) -> FlaskClient:
    return cached_app.test_client()


@pytest.fixture
def uncached(config: Config, database, clock) -> Iterator[FlaskClient]:
    """The same database read without any cache: what each page must be."""
    app = create_app(config.replace(cache_url="none"), clock=clock)
    yield app.test_client()
    app.extensions["moderation"].database.dispose()


def approve(client, headers, comment_id: str) -> None:
    response = client.post(f"/v1/moderation/comments/{comment_id}/approve", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)


def published(client, editor, body: str, **fields) -> str:
    comment_id = submit_comment(client, body, **{"author_email": AUTHOR_EMAIL, **fields})["id"]
    approve(client, editor, comment_id)
    return comment_id


@pytest.fixture
def discussion(client, editor) -> dict[str, str]:
    """Two published threads (one with replies), a comment waiting for review."""
    made = {"a": published(client, editor, "Grüße aus Görlitz – schöner Artikel!")}
    made["a1"] = published(client, editor, "Stimmt, die Größe überrascht.", parent_id=made["a"])
    made["a2"] = published(client, editor, "Dem schließe ich mich an.", parent_id=made["a"])
    made["b"] = published(client, editor, "Straßenbahnen in Köln: endlich!")
    made["waiting"] = submit_comment(client, "Noch nicht entschieden.")["id"]
    return made


def public_reads(discussion: dict[str, str]) -> list[str]:
    return [ARTICLE, f"{ARTICLE}?order=oldest&limit=1&replies=1",
            f"{ARTICLE}/{discussion['a']}/replies", f"{ARTICLE}/{discussion['a']}/replies?limit=1",
            COUNTS]


def read_all(client: FlaskClient, paths: list[str]) -> dict[str, tuple[int, bytes]]:
    """Each page as it is, and the same page gzipped (as browsers ask): the same bytes."""
    pages = {path: ((answer := client.get(path)).status_code, answer.data) for path in paths}
    for path in paths:
        gzipped = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
        coded = gzipped.headers.get("Content-Encoding") == "gzip"
        assert (gzipped.status_code, gzip.decompress(gzipped.data) if coded else gzipped.data
                ) == pages[path], path
    return pages


def assert_fresh(client, uncached, paths) -> dict[str, tuple[int, bytes]]:
    """Every page answered from the cache is the page the database gives now."""
    seen = read_all(client, paths)
    assert seen == read_all(uncached, paths)
    return seen


# --- changes of what the public sees --------------------------------------------------------

def _approve_the_waiting(c, ids, editor, admin, **_) -> None:
    approve(c, editor, ids["waiting"])


def _published_by_the_scoring_worker(c, ids, editor, admin, worker, **_) -> None:
    submit_comment(c, "Sachlich und freundlich, danke für die Übersicht.", parent_id=ids["b"])
    worker.run_once()


def _reject_a_published_reply(c, ids, editor, admin, **_) -> None:
    assert c.post(f"/v1/moderation/comments/{ids['a1']}/reject", headers=editor).status_code == 200


def _reject_a_thread_whose_replies_disappear(c, ids, editor, admin, **_) -> None:
    assert c.post(f"/v1/moderation/comments/{ids['a']}/reject", headers=editor).status_code == 200


def _erase_the_author(c, ids, editor, admin, **_) -> None:
    answer = c.post("/v1/admin/privacy/erase", headers=admin, json={"email": AUTHOR_EMAIL})
    assert answer.status_code == 200, answer.get_data(as_text=True)


def _article(**changes) -> Callable[..., None]:
    def change(c, ids, editor, admin, **_) -> None:
        answer = c.patch("/v1/moderation/articles/ki-im-alltag", headers=editor, json=changes)
        assert answer.status_code == 200, answer.get_data(as_text=True)
    return change


def _reopen(c, ids, editor, admin, uncached, paths, **_) -> dict[str, tuple[int, bytes]]:
    _article(comments_open=False)(c, ids, editor, admin)
    closed = assert_fresh(c, uncached, paths)  # the closed article's pages, cached in turn
    _article(comments_open=True)(c, ids, editor, admin)
    return closed


def _a_readers_page_gives_the_title(c, ids, editor, admin, **_) -> None:
    post_comment(c, "Mit Titel.", article_title="Größe zählt – über Straßenbahnen")


def _an_appeal_upheld(c, ids, editor, admin, worker, uncached, paths, **_) -> None:
    rejected = submit_comment(c, INSULT, parent_id=ids["b"])
    worker.run_once()
    assert json_of(c.get(f"/v1/comments/{rejected['id']}",
                         headers={"X-Author-Token": rejected["author_token"]}))[
        "status"] == "rejected"
    assert_fresh(c, uncached, paths)
    appeal = c.post(f"/v1/comments/{rejected['id']}/appeal",
                    headers={"X-Author-Token": rejected["author_token"]},
                    json={"explanation": "Das war ein Zitat aus dem Artikel, Grüße!"})
    assert appeal.status_code == 202, appeal.get_data(as_text=True)
    approve(c, admin, rejected["id"])


CHANGES = {
    "approval": _approve_the_waiting,
    "approval by the scoring worker": _published_by_the_scoring_worker,
    "rejection after approval": _reject_a_published_reply,
    "rejection that hides replies": _reject_a_thread_whose_replies_disappear,
    "author erased": _erase_the_author,
    "article closed": _article(comments_open=False),
    "article reopened": _reopen,
    "title changed": _article(title="Neuer Titel: Größe & Grüße"),
    "link changed": _article(url="https://blog.example.de/artikel/groesse"),
    "title from a reader's page": _a_readers_page_gives_the_title,
    "appeal upheld": _an_appeal_upheld,
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_change_of_the_public_thread_is_never_answered_from_the_cache(
        client, uncached, discussion, editor, admin, worker, change):
    paths = public_reads(discussion)
    before = assert_fresh(client, uncached, paths)
    assert read_all(client, paths) == before  # now from the cache

    last_seen = change(client, discussion, editor=editor, admin=admin, worker=worker,
                       uncached=uncached, paths=paths) or before

    after = assert_fresh(client, uncached, paths)
    assert after[ARTICLE] != last_seen[ARTICLE]


def test_the_retention_purge_changes_no_public_page(client, uncached, discussion, database,
                                                    config, clock, worker):
    submit_comment(client, INSULT, parent_id=discussion["b"])
    worker.run_once()
    paths = public_reads(discussion)
    before = assert_fresh(client, uncached, paths)
    clock.advance(days=config.appeal_days + 1)
    with database.transaction() as session:
        assert retention.purge(session, config, clock())["rejected_comments"] == 1

    assert assert_fresh(client, uncached, paths) == before


def test_an_article_made_by_its_first_comment_is_not_answered_as_unknown(client, uncached):
    unknown = client.get(ARTICLE)
    assert unknown.get_json()["article"] is None
    submit_comment(client, "Der erste Kommentar, noch in Prüfung.")

    known = client.get(ARTICLE, headers={"If-None-Match": unknown.headers["ETag"]})
    assert known.status_code == 200
    assert known.get_json()["article"]["key"] == "ki-im-alltag"
    assert known.data == uncached.get(ARTICLE).data


# --- the cheap paths --------------------------------------------------------------------------

def test_a_304_and_a_cached_page_read_the_revision_and_nothing_else(client, cached_app,
                                                                      discussion):
    """At most the revision: on PostgreSQL, once the process hears every change, not even
    that (``test_revision_watch.py``)."""
    engine = cached_app.extensions["moderation"].database.engine
    etag = client.get(ARTICLE).headers["ETag"]
    for headers in ({"If-None-Match": etag}, {}):
        with driver_statements(engine) as statements:
            answer = client.get(ARTICLE, headers=headers)
        assert answer.status_code == (304 if headers else 200)
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert len(selects) <= 1 and all("FROM articles" in s for s in selects)
        assert "comments" not in " ".join(statements)


def test_pages_are_the_bytes_the_schemas_write(cached_app, client, uncached, discussion,
                                               editor, admin, database):
    erased = published(client, editor, "Bitte löschen.", author_email="loesch@example.de")
    assert client.post("/v1/admin/privacy/erase", headers=admin,
                       json={"email": "loesch@example.de"}).status_code == 200
    with database.transaction() as session:
        pages = {ARTICLE: (ThreadPageSchema, threads.public_thread_page(
                    session, "ki-im-alltag", cursor=None, limit=50, replies=3,
                    newest_first=True)),
                 f"{ARTICLE}?order=oldest&limit=1&replies=1": (
                    ThreadPageSchema, threads.public_thread_page(
                        session, "ki-im-alltag", cursor=None, limit=1, replies=1,
                        newest_first=False)),
                 f"{ARTICLE}/{discussion['a']}/replies": (
                    ReplyPageSchema, threads.public_replies_page(
                        session, "ki-im-alltag", discussion["a"], cursor=None, limit=50))}
    with cached_app.app_context():
        for path, (schema, page) in pages.items():
            expected = cached_app.json.response(schema().dump(page)).data
            assert uncached.get(path).data == expected
            assert client.get(path).data == client.get(path).data == expected
        counted = cached_app.json.response({"counts": {"ki-im-alltag": 4, "unbekannt": 0}})
        assert client.get(COUNTS).data == client.get(COUNTS).data == counted.data
    newest = pages[ARTICLE][1]
    assert newest.comments[0].public_id == erased and newest.comments[0].erased
    oldest = pages[f"{ARTICLE}?order=oldest&limit=1&replies=1"][1]
    assert oldest.comments[0].more_replies == 1 and oldest.next_cursor is not None


# --- the caches themselves ----------------------------------------------------------------------

def test_the_memory_cache_keeps_the_most_recently_used_pages_within_its_size():
    cache = MemoryCache(max_bytes=10)
    cache.put("a", b"1234")
    cache.put("b", b"5678")
    assert cache.get("a") == b"1234"  # a is used: b goes first
    cache.put("c", b"90ab")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (b"1234", None, b"90ab")
    assert cache.size == 8
    cache.put("huge", b"x" * 11)
    assert cache.get("huge") is None and cache.size == 8


def test_page_keys_tell_articles_revisions_and_parameters_apart():
    keys = {page_key("thread", "a|b", 1, ("limit", 50)), page_key("thread", "a", 1, "b",
                                                                   ("limit", 50)),
            page_key("thread", "a|b", 2, ("limit", 50)), page_key("replies", "a|b", 1,
                                                                   ("limit", 50)),
            page_key("thread", "a|b", 1, ("limit", 49))}
    assert len(keys) == 5


def test_without_redis_pages_are_served_uncached_and_the_outage_logged_once(
        config, database, clock, editor, caplog):
    app = create_app(config.replace(cache_url="redis://127.0.0.1:1/0"), clock=clock)
    client = app.test_client()
    published(client, editor, "Grüße, trotz allem.")
    caplog.set_level(logging.WARNING, "moderation.services.page_cache")
    for _ in range(3):
        answer = client.get(ARTICLE)
        assert answer.status_code == 200
        assert answer.get_json()["comments"][0]["body"] == "Grüße, trotz allem."
    outages = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
    assert len(outages) == 1
    app.extensions["moderation"].database.dispose()


def test_redis_is_tried_again_after_a_rest_and_its_return_is_logged(caplog):
    now = [0.0]
    cache = RedisCache(REDIS_URL, 60, prefix=f"test:{uuid.uuid4().hex}:", clock=lambda: now[0])
    down = RedisCache("redis://127.0.0.1:1/0", 60, prefix="x:", clock=lambda: now[0])
    cache._redis, healthy = down._redis, cache._redis  # the same cache, its server gone
    caplog.set_level(logging.INFO, "moderation.services.page_cache")
    cache.put("k", b"Seite")
    assert cache.get("k") is None
    cache._redis = healthy  # back, but resting a while
    assert cache.get("k") is None
    now[0] += 6
    cache.put("k", b"Seite")
    assert cache.get("k") == b"Seite"
    assert [r.getMessage().split(":")[1].strip() for r in caplog.records] == [
        "Redis unavailable, serving pages uncached", "Redis is back"]


def test_a_cache_url_the_service_cannot_use_stops_the_start(config):
    with pytest.raises(InvalidSetting, match="MODERATION_CACHE_URL"):
        config.replace(cache_url="memcached://127.0.0.1")


# --- HTTP caching for a CDN or reverse proxy ---------------------------------------------------

def test_public_pages_tell_shared_caches_how_long_and_by_what_to_keep_them(
        config, database, clock, editor):
    app = create_app(config.replace(public_max_age=5, public_s_maxage=30,
                                    public_stale_while_revalidate=60, counts_max_age=120),
                     clock=clock)
    client = app.test_client()
    comment = published(client, editor, "Grüße!")
    key = "/v1/articles/Politik%2FGr%C3%B6%C3%9Fe%20und%20mehr/comments"
    for path, max_age, surrogate in [
            (ARTICLE, 5, "article-ki-im-alltag"),
            (f"{ARTICLE}/{comment}/replies", 5, "article-ki-im-alltag"),
            (key, 5, "article-Politik%2FGr%C3%B6%C3%9Fe%20und%20mehr"),
            (COUNTS, 120, None)]:
        first = client.get(path, headers={"Origin": "https://blog.example.de"})
        expected = {"Cache-Control": f"public, max-age={max_age}, s-maxage=30, "
                                     "stale-while-revalidate=60",
                    "Surrogate-Key": surrogate,
                    "Vary": "Origin" if path == COUNTS else "Accept-Encoding, Origin"}
        assert {name: first.headers.get(name) for name in expected} == expected, path
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304
        assert {name: again.headers.get(name) for name in expected} == expected, path
    app.extensions["moderation"].database.dispose()


def test_an_answer_without_cors_headers_varies_by_origin(client):
    """Asked from another site, the answer has no Access-Control-Allow-Origin: a CDN that
    kept it must not hand it to the publisher's pages."""
    refused = client.get(ARTICLE, headers={"Origin": "https://fremde-seite.example"})
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert refused.headers["Vary"] == "Accept-Encoding, Origin"
    allowed = client.get(ARTICLE, headers={"Origin": "https://blog.example.de"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://blog.example.de"
    assert "Origin" in allowed.headers["Vary"]


def test_a_page_goes_gzipped_to_whoever_takes_it_as_a_representation_of_its_own(
        client, cached_app, discussion):
    """Every browser sends Accept-Encoding: gzip; the page shrinks to a fraction. The gzipped
    bytes have an ETag of their own (a strong one names one representation) and are kept in
    the cache beside the plain ones."""
    plain = client.get(ARTICLE)
    gzipped = client.get(ARTICLE, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(gzipped.data) == plain.data
    assert int(gzipped.headers["Content-Length"]) == len(gzipped.data) < len(plain.data)
    assert gzipped.headers["ETag"] == plain.headers["ETag"][:-1] + '-gzip"'
    assert plain.headers["Vary"] == gzipped.headers["Vary"] == "Accept-Encoding, Origin"

    for encodings, etag, status in [("gzip", gzipped.headers["ETag"], 304),
                                    ("gzip", plain.headers["ETag"], 200),
                                    (None, gzipped.headers["ETag"], 200),
                                    ("gzip;q=0, identity", plain.headers["ETag"], 304),
                                    ("*", gzipped.headers["ETag"], 304)]:
        headers = {"If-None-Match": etag, **({"Accept-Encoding": encodings} if encodings
                                             else {})}
        again = client.get(ARTICLE, headers=headers)
        assert again.status_code == status, (encodings, etag)
        assert again.headers["Vary"] == "Accept-Encoding, Origin"
    revision = int(plain.headers["ETag"].strip('"').split("-")[0])
    key = page_key(THREAD, "ki-im-alltag", revision,
                   *thread_asked(ThreadQuerySchema().load({})))
    cache = cached_app.extensions[PAGE_CACHE]
    assert (cache.get(key), cache.get(f"{key}|gzip")) == (plain.data, gzipped.data)
    counts = client.get(COUNTS, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in counts.headers  # a few bytes: not worth a coding


def test_a_kept_page_is_compressed_harder_than_one_built_for_one_answer(
        client, uncached, discussion):
    """A kept page is compressed once and sent many times; without a cache every answer
    compresses its own, quicker."""
    browser = {"Accept-Encoding": "gzip"}
    for reader, level in [(client, KEPT_GZIP), (uncached, QUICK_GZIP)]:
        plain = reader.get(ARTICLE).data
        assert reader.get(ARTICLE, headers=browser).data == gzip.compress(
            plain, compresslevel=level, mtime=0)
    assert QUICK_GZIP < KEPT_GZIP


def test_pages_in_redis_are_kept_for_their_time_to_live_at_most():
    cache = RedisCache(REDIS_URL, 60, prefix=f"test:{uuid.uuid4().hex}:")
    cache.put("seite", "Grüße".encode())
    assert cache.get("seite") == "Grüße".encode()
    assert 0 < cache._redis.ttl(f"{cache.prefix}seite") <= 60
