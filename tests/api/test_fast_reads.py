"""The fast path in front of Flask answers a thread page (a 304, cached or built) exactly as
the view does, header for header, counts the read limit once, and hands Flask everything
else: invalid requests, refusals, origins it does not know."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask import Flask, request
from werkzeug.test import Client
from werkzeug.wrappers import Response

from moderation import create_app, metrics
from moderation.api.cors import refused_origins
from moderation.api.fast_reads import FastThreadReads
from moderation.api.front import ROUTE
from moderation.api.public_pages import PAGE_CACHE, page_cache_of_app
from moderation.config import Config
from moderation.services.page_cache import MemoryCache
from tests.support.apps import service_of
from tests.support.http import ARTICLE, assert_error

ORIGIN = "https://blog.example.de"  # the test configuration's widget origin
# Headers that differ between any two answers, whoever gives them.
PER_ANSWER = {"Date", "X-Request-ID"}


def approve(client: Client, editor: dict[str, str], body: str) -> str:
    answer = client.post(ARTICLE, json={"author_name": "Jürgen Müller", "body": body})
    assert answer.status_code == 202, answer.get_data(as_text=True)
    comment_id = answer.get_json()["id"]
    assert client.post(f"/v1/moderation/comments/{comment_id}/approve",
                       headers=editor).status_code == 200
    return comment_id


@pytest.fixture
def service(config: Config, database, clock) -> Iterator[Flask]:
    with service_of(config, clock, cache_url="memory://") as app:
        yield app


@pytest.fixture
def flask_served(service: Flask) -> list[str]:
    """The paths Flask's request cycle saw (whatever the fast path did not answer)."""
    seen: list[str] = []
    service.before_request(lambda: _record(seen))
    return seen


def _record(seen: list[str]) -> None:
    if (read := _path_and_query()) is not None:
        seen.append(read)


def _path_and_query() -> str | None:
    """The read Flask is answering (writes are always Flask's: not recorded)."""
    return request.full_path.rstrip("?") if request.method in ("GET", "HEAD") else None


@pytest.fixture
def clients(service: Flask, flask_served: list[str], editor) -> tuple[Client, Client]:
    """Through the fast path (the service as deployed), and Flask's own answer behind it."""
    front = Client(service.wsgi_app, Response)
    assert isinstance(service.wsgi_app, FastThreadReads)
    behind = Client(service.wsgi_app.flask_wsgi, Response)
    approve(front, editor, "Grüße aus Görlitz – schöner Artikel!")
    approve(front, editor, "Straßenbahnen in Köln: endlich!")
    return front, behind


def comparable(answer: Response) -> tuple[int, bytes, list[tuple[str, str]]]:
    headers = sorted((name, value) for name, value in answer.headers.items()
                     if name not in PER_ANSWER)
    return answer.status_code, answer.get_data(), headers


@pytest.mark.parametrize("query", ["", "?order=oldest&limit=1&replies=1", "?replies=0"])
@pytest.mark.parametrize("origin", [None, ORIGIN])
@pytest.mark.parametrize("encodings", [None, "gzip, deflate, br"])
def test_a_page_built_cached_and_a_304_are_the_views_answers_header_for_header(
        clients, flask_served, query, origin, encodings):
    front, behind = clients
    headers = {"Origin": origin} if origin else {}
    if encodings:
        headers["Accept-Encoding"] = encodings
    expected = behind.get(ARTICLE + query, headers=headers)  # the view's, built
    flask_served.clear()
    built = front.get(ARTICLE + query, headers=headers)  # built and kept in front
    assert comparable(built) == comparable(expected)
    etag = built.headers["ETag"]
    for asked in (headers, {**headers, "If-None-Match": etag}):  # cached, then a 304
        fast = front.get(ARTICLE + query, headers=asked)
        assert flask_served == []  # answered in front of Flask
        assert comparable(fast) == comparable(behind.get(ARTICLE + query, headers=asked))
        flask_served.clear()
    assert fast.status_code == 304
    assert fast.headers["ETag"].endswith('-gzip"') == bool(encodings)
    assert fast.headers["Vary"] == "Accept-Encoding, Origin"  # CORS origins are configured
    if origin:
        assert fast.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_a_page_of_an_article_not_seen_yet_is_built_never_kept(clients, flask_served,
                                                              service):
    front, behind = clients
    path = "/v1/articles/noch-unbekannt/comments"
    fast = front.get(path)
    assert flask_served == [] and fast.get_json()["article"] is None
    assert comparable(fast) == comparable(behind.get(path))
    cache = page_cache_of_app(service)
    assert isinstance(cache, MemoryCache) and all(b"noch-unbekannt" not in page
                                                  for page in cache._pages.values())


def test_the_request_id_is_echoed_logged_and_the_answer_counted(clients, flask_served, caplog):
    front, _ = clients
    front.get(ARTICLE)
    answered = metrics.http_requests.labels("GET", ROUTE, "200")
    before = answered._value.get()
    with caplog.at_level(logging.INFO, logger="moderation.access"):
        fast = front.get(ARTICLE, headers={"X-Request-ID": "widget-4711-abcdef"})
    assert fast.headers["X-Request-ID"] == "widget-4711-abcdef"
    assert answered._value.get() == before + 1
    [line] = [r for r in caplog.records if r.name == "moderation.access"]
    assert line.route == ROUTE and line.status == 200
    assert len(front.get(ARTICLE).headers["X-Request-ID"]) == 32  # a new one otherwise


def test_a_changed_thread_is_never_answered_from_the_old_page(clients, editor, flask_served):
    front, _ = clients
    old = front.get(ARTICLE)
    approve(front, editor, "Und noch ein Gedanke aus Dresden.")
    flask_served.clear()
    new = front.get(ARTICLE, headers={"If-None-Match": old.headers["ETag"]})
    assert new.status_code == 200
    assert b"Dresden" in new.get_data() and new.headers["ETag"] != old.headers["ETag"]
    assert front.get(ARTICLE, headers={"If-None-Match": new.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize("query", ["?limit=0", "?order=seitwärts", "?limit=2&limit=3",
                                   "?sprache=de", "?cursor=kaputt"])
def test_what_the_view_must_judge_goes_to_flask(clients, flask_served, query):
    front, _ = clients
    answer = front.get(ARTICLE + query)
    assert flask_served == [ARTICLE + query]
    if query in ("?limit=2&limit=3", "?sprache=de"):  # the view reads these leniently
        assert answer.status_code == 200
    else:
        assert_error(answer, 422, "validation_failed")


def test_a_foreign_origin_goes_to_flask_which_remembers_it(clients, flask_served, service):
    front, _ = clients
    front.get(ARTICLE)
    flask_served.clear()
    answer = front.get(ARTICLE, headers={"Origin": "https://fremd.example.com"})
    assert flask_served == [ARTICLE] and answer.status_code == 200
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert [seen.origin for seen in refused_origins(service).latest()] == [
        "https://fremd.example.com"]


def test_other_requests_pass_by(clients, flask_served):
    front, _ = clients
    for path in ("/v1/articles/ki-im-alltag/comments/",
                 "/v1/articles//comments"):
        flask_served.clear()
        front.get(path)
        assert flask_served, path
    front.get(ARTICLE)
    flask_served.clear()
    front.head(ARTICLE)
    assert flask_served == [ARTICLE]


def test_an_article_key_with_umlauts_and_slashes_is_read_as_flask_reads_it(clients, editor,
                                                                         flask_served):
    front, behind = clients
    path = "/v1/articles/politik/gr%C3%BC%C3%9Fe-aus-k%C3%B6ln/comments"
    answer = front.post(path, json={"author_name": "Jürgen", "body": "Moin aus Köln!"})
    assert front.post(f"/v1/moderation/comments/{answer.get_json()['id']}/approve",
                      headers=editor).status_code == 200
    built = front.get(path)
    assert built.get_json()["article"]["key"] == "politik/grüße-aus-köln"
    flask_served.clear()
    fast = front.get(path)
    assert flask_served == []
    assert comparable(fast) == comparable(behind.get(path))
    not_utf8 = "/v1/articles/%FF/comments"  # read as U+FFFD by both
    assert comparable(front.get(not_utf8)) == comparable(behind.get(not_utf8))


@pytest.fixture
def limited(config: Config, database, clock, editor) -> Iterator[tuple[Client, list[str]]]:
    app = create_app(config.replace(cache_url="memory://", rate_limits_enabled=True,
                                    limit_reads_per_address="3/minute"), clock=clock)
    seen: list[str] = []
    app.before_request(lambda: _record(seen))
    client = Client(app.wsgi_app, Response)
    answer = client.post(ARTICLE, json={"author_name": "Jürgen", "body": "Grüße aus Ulm!"})
    assert client.post(f"/v1/moderation/comments/{answer.get_json()['id']}/approve",
                       headers=editor).status_code == 200
    yield client, seen
    app.extensions["moderation"].database.dispose()


def test_the_read_limit_counts_each_read_once_in_front_or_behind(limited):
    client, flask_served = limited
    assert client.get(ARTICLE + "?sprache=de").status_code == 200  # Flask's, counted there
    assert client.get(ARTICLE).status_code == 200  # built in front
    assert client.get(ARTICLE).status_code == 200  # from the cache
    assert flask_served == [ARTICLE + "?sprache=de"]
    refused = client.get(ARTICLE)
    assert_error(refused, 429, "too_many_requests")
    assert int(refused.headers["Retry-After"]) >= 1
    assert flask_served == [ARTICLE + "?sprache=de", ARTICLE]  # Flask answered the refusal


def test_without_cors_origins_any_origin_goes_to_flask(config: Config, database, clock, editor):
    app = create_app(config.replace(cache_url="memory://", cors_origins=[]), clock=clock)
    seen: list[str] = []
    app.before_request(lambda: _record(seen))
    client = Client(app.wsgi_app, Response)
    approve(client, editor, "Grüße aus Kiel!")
    client.get(ARTICLE)
    seen.clear()
    assert client.get(ARTICLE).headers["Vary"] == "Accept-Encoding" and seen == []
    client.get(ARTICLE, headers={"Origin": "https://irgendwo.example"})
    assert seen == [ARTICLE]
    app.extensions["moderation"].database.dispose()


class BrokenCache(MemoryCache):
    """A page cache that fails: in front of Flask as behind it."""

    def get(self, key: str) -> bytes | None:
        raise RuntimeError("Seitenspeicher kaputt")


def test_a_failure_in_front_is_logged_and_flask_answers_in_our_error_shape(
        clients, flask_served, service, caplog):
    front, _ = clients
    service.extensions[PAGE_CACHE] = BrokenCache(2**20)
    answer = front.get(ARTICLE)
    assert flask_served == [ARTICLE]  # handed on, not a bare crash
    assert_error(answer, 500, "internal_error")
    assert "fast path for thread pages failed" in caplog.text
