"""With counters in Redis, a comment's three limits are counted in one round trip, under the
keys Flask-Limiter uses (one budget whoever counts), and all or nothing: a refused request
counts against none of them in front."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import redis
from limits import parse
from werkzeug.test import Client
from werkzeug.wrappers import Response

from moderation import create_app
from moderation.api import redis_limits
from moderation.api.limits import limiter
from moderation.config import Config
from tests.support.http import ARTICLE, assert_error

REDIS_URL = "redis://127.0.0.1:6379/14"
COMMENT = {"author_name": "Jürgen Müller", "body": "Grüße aus Görlitz!",
           "author_email": "juergen@example.de"}


@pytest.fixture
def limited(config: Config, database, clock) -> Iterator[Callable[..., Client]]:
    """An app counting in a Redis database of its own, emptied before and after."""
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    apps = []

    def make(**limits: str) -> Client:
        settings = {"limit_comments_per_address": "1000/hour",
                    "limit_comments_per_email": "1000/hour",
                    "limit_comments_per_article": "1000/hour", **limits}
        app = create_app(config.replace(rate_limits_enabled=True,
                                        rate_limit_storage_url=REDIS_URL, **settings),
                         clock=clock)
        apps.append(app)
        return Client(app.wsgi_app, Response)

    yield make
    for app in apps:
        app.extensions["moderation"].database.dispose()
    connection.flushdb()


def post(client: Client, body: str, address: str = "198.51.100.7", **fields: str) -> Response:
    return client.post(ARTICLE, json={**COMMENT, "body": body, **fields},
                       environ_base={"REMOTE_ADDR": address})


def test_the_three_limits_are_one_round_trip_to_redis(limited, monkeypatch):
    client = limited()
    calls: list[int] = []
    acquire = redis_limits.acquire_all

    def counted(storage, limits):  # type: ignore[no-untyped-def]
        calls.append(len(limits))
        return acquire(storage, limits)

    monkeypatch.setattr(redis_limits, "acquire_all", counted)
    assert redis_limits.can_count(limiter.limiter.storage)
    assert post(client, "Erster Kommentar").status_code == 202
    assert calls == [3]


def test_front_and_flask_count_in_one_budget(limited):
    client = limited(limit_comments_per_address="2/hour")
    # Flask's (an origin the fast path leaves to it), then one in front, then refused.
    assert client.post(ARTICLE, json=COMMENT, headers={"Origin": "https://fremd.example"},
                       environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 202
    assert post(client, "Zweiter Kommentar").status_code == 202
    assert_error(post(client, "Dritter Kommentar"), 429, "too_many_requests")
    assert post(client, "Anderes Netz", address="203.0.113.9").status_code == 202


def test_a_refused_request_counts_against_no_other_limit_in_front(limited):
    client = limited(limit_comments_per_address="1/hour", limit_comments_per_article="3/hour")
    assert post(client, "Eins").status_code == 202
    # Refused by the network's limit: in front nothing is counted, Flask counts as
    # Flask-Limiter does (the network's limit first, refused there).
    for attempt in range(3):
        assert_error(post(client, f"Zu viel {attempt}"), 429, "too_many_requests")
    # The article's budget is still there for other readers.
    for number, address in enumerate(("203.0.113.9", "192.0.2.1")):
        assert post(client, f"Leser {number}", address=address,
                    author_email=f"leser{number}@example.de").status_code == 202


def test_the_script_counts_like_limits_own_sliding_window_all_or_nothing(limited):
    """The same counters whoever counts them: limits' own script sees the script's counts,
    and a full limit leaves the others of the request uncounted."""
    limited()
    rate_limiter = limiter.limiter
    storage = rate_limiter.storage
    three, ten = parse("3/minute"), parse("10/minute")
    network = ("moderation", f"net:{uuid.uuid4().hex}", "limit_comments_per_address")
    article = ("moderation", f"article:{uuid.uuid4().hex}", "limit_comments_per_article")
    assert redis_limits.acquire_all(storage, [(three, network), (ten, article)])
    assert redis_limits.acquire_all(storage, [(three, network), (ten, article)])
    assert rate_limiter.hit(three, *network)  # the third, counted by limits itself
    assert not redis_limits.acquire_all(storage, [(three, network), (ten, article)])
    assert not rate_limiter.hit(three, *network)
    # Two counted on the article, not the refused third.
    assert rate_limiter.get_window_stats(ten, *article).remaining == 8
