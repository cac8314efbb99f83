"""The fast path in front of Flask takes a widget's comment exactly as the view does (the
same answer header for header, the same rows), counts the three limits once, and hands
Flask, with the body as it came, everything it must judge: nothing is stored twice."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from flask import Flask, request
from sqlalchemy import func, select
from werkzeug.test import Client
from werkzeug.wrappers import Response

from moderation import create_app, metrics
from moderation.api.cors import refused_origins
from moderation.api.fast_intake import FastIntake
from moderation.api.front import ROUTE
from moderation.config import Config
from moderation.models import Comment, Job, ModerationEvent
from tests.support.http import ARTICLE, assert_error

ORIGIN = "https://blog.example.de"  # the test configuration's widget origin
PER_ANSWER = {"Date", "X-Request-ID", "Content-Length"}  # ids and tokens differ per comment
COMMENT = {"author_name": "Jürgen Müller", "body": "Grüße aus Görlitz – schöner Artikel!",
           "author_email": "juergen@example.de"}


def build(config: Config, clock, **settings) -> tuple[Flask, Client, Client, list[str]]:
    """An app as deployed: a client through the fast path, one of Flask's view behind it,
    and the POSTs Flask's request cycle saw."""
    app = create_app(config.replace(**settings), clock=clock)
    intake = app.wsgi_app.flask_wsgi  # the reads' fast path is outermost
    assert isinstance(intake, FastIntake)
    seen: list[str] = []
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: _record(seen))
    return app, Client(app.wsgi_app, Response), Client(intake.flask_wsgi, Response), seen


def _record(seen: list[str]) -> None:
    """First of the hooks: whatever a later one answers, the request was Flask's."""
    if request.method == "POST":
        seen.append(request.path)


@pytest.fixture
def service(config: Config, database, clock) -> Iterator[tuple[Client, Client, list[str]]]:
    app, front, behind, seen = build(config, clock)
    yield front, behind, seen
    app.extensions["moderation"].database.dispose()


def comparable(answer: Response) -> tuple[int, list[str], list[tuple[str, str]]]:
    headers = sorted((name, value) for name, value in answer.headers.items()
                     if name not in PER_ANSWER)
    return answer.status_code, sorted(answer.get_json()), headers


def count(database, model: type) -> int:
    with database.session(read_only=True) as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("origin", [None, ORIGIN])
def test_a_comment_is_taken_in_front_as_the_view_takes_it(service, database, origin):
    front, behind, seen = service
    headers = {"Origin": origin} if origin else {}
    expected = behind.post(ARTICLE, json={**COMMENT, "body": "Erster Kommentar, über Flask"},
                           headers=headers)
    seen.clear()
    fast = front.post(ARTICLE, json=COMMENT, headers=headers)
    assert seen == []  # taken in front of Flask
    assert comparable(fast) == comparable(expected)
    assert fast.get_json()["status"] == "pending"
    assert fast.get_data().endswith(b"\n")
    with database.session(read_only=True) as session:
        comments = session.scalars(select(Comment).order_by(Comment.id)).all()
        assert [c.public_id for c in comments] == [expected.get_json()["id"],
                                                  fast.get_json()["id"]]
        stored = comments[1]
        assert (stored.author_name, stored.body, stored.author_email) == (
            "Jürgen Müller", COMMENT["body"], "juergen@example.de")
        assert stored.client_hash == comments[0].client_hash  # the same reader's address
    # Each the same rows: its event on record and its scoring job.
    assert count(database, ModerationEvent) == 2 and count(database, Job) == 2


def test_the_request_id_goes_with_the_scoring_job_and_the_answer_is_counted(
        service, database, caplog):
    front, _, seen = service
    answered = metrics.http_requests.labels("POST", ROUTE, "202")
    before = answered._value.get()
    with caplog.at_level(logging.INFO, logger="moderation.access"):
        fast = front.post(ARTICLE, json=COMMENT, headers={"X-Request-ID": "widget-4711-abcdef"})
    assert seen == [] and fast.status_code == 202
    assert fast.headers["X-Request-ID"] == "widget-4711-abcdef"
    assert answered._value.get() == before + 1
    [line] = [r for r in caplog.records if r.name == "moderation.access"]
    assert line.route == ROUTE and line.status == 202
    with database.session(read_only=True) as session:
        assert session.scalar(select(Job.request_id)) == "widget-4711-abcdef"


@pytest.mark.parametrize(("body", "content_type", "status", "code"), [
    (b'{"author_name": "J\xc3\xbcrgen"}', "application/json", 422, "validation_failed"),
    ('{"author_name": "Jürgen", "body": "Hallo", "unbekannt": 1}'.encode(),
     "application/json", 422, "validation_failed"),
    (b'{"author_name": "J\xc3\xbcrgen", "body": ', "application/json", 400, "bad_request"),
    (b'[1, 2]', "application/json", 422, "validation_failed"),
    (b"author_name=J%C3%BCrgen&body=Hallo", "application/x-www-form-urlencoded", 415,
     "unsupported_media_type"),
])
def test_what_the_view_must_judge_goes_to_flask_with_the_body_as_it_came(
        service, database, body, content_type, status, code):
    front, _, seen = service
    answer = front.post(ARTICLE, data=body, content_type=content_type)
    assert seen == [ARTICLE]
    assert_error(answer, status, code)
    assert count(database, Comment) == 0


def test_a_refusal_of_the_service_is_rolled_back_in_front_and_answered_by_flask(
        service, database, editor):
    front, _, seen = service
    reply = front.post(ARTICLE, json={**COMMENT, "parent_id": "gibt-es-nicht-123456"})
    assert_error(reply, 422, "validation_failed")
    assert seen == [ARTICLE] and count(database, Comment) == 0
    assert front.patch("/v1/moderation/articles/ki-im-alltag", json={"comments_open": False},
                       headers=editor).status_code == 200
    closed = front.post(ARTICLE, json=COMMENT)
    assert_error(closed, 409, "comments_closed")
    assert count(database, Comment) == 0 and count(database, Job) == 0


def test_a_foreign_origin_goes_to_flask_which_remembers_it(config, database, clock):
    app, front, _, seen = build(config, clock)
    answer = front.post(ARTICLE, json=COMMENT, headers={"Origin": "https://fremd.example"})
    assert answer.status_code == 202 and "Access-Control-Allow-Origin" not in answer.headers
    assert seen == [ARTICLE]
    assert [o.origin for o in refused_origins(app).latest()] == ["https://fremd.example"]
    app.extensions["moderation"].database.dispose()


def test_an_oversized_body_is_flasks_413(config, database, clock):
    app, front, _, seen = build(config, clock, max_body_bytes=2000)
    answer = front.post(ARTICLE, json={**COMMENT, "body": "ä" * 1500})
    assert_error(answer, 413, "payload_too_large")
    assert seen == [ARTICLE] and count(database, Comment) == 0
    app.extensions["moderation"].database.dispose()


@pytest.fixture
def limited(config: Config, database, clock) -> Iterator[Callable[..., Client]]:
    apps = []

    def make(**limits: str) -> Client:
        settings = {"limit_comments_per_address": "1000/hour",
                    "limit_comments_per_email": "1000/hour",
                    "limit_comments_per_article": "1000/hour", **limits}
        app, front, _, seen = build(config, clock, rate_limits_enabled=True, **settings)
        apps.append((app, seen))
        return front

    yield make
    for app, _ in apps:
        app.extensions["moderation"].database.dispose()


def test_each_limit_counts_a_comment_once_in_front_or_behind(limited):
    front = limited(limit_comments_per_address="3/hour")
    # Flask's (an origin the fast path leaves to it), then two in front: one budget.
    assert front.post(ARTICLE, json=COMMENT,
                      headers={"Origin": "https://fremd.example"}).status_code == 202
    for number in (1, 2):
        assert front.post(ARTICLE, json={**COMMENT, "body": f"Nummer {number}"}).status_code \
            == 202
    refused = front.post(ARTICLE, json={**COMMENT, "body": "Einer zu viel"})
    assert_error(refused, 429, "too_many_requests")
    assert int(refused.headers["Retry-After"]) >= 1


def test_the_email_limit_reads_the_address_as_flask_does(limited):
    front = limited(limit_comments_per_email="1/hour")
    assert front.post(ARTICLE, json={**COMMENT, "author_email": "Juergen@Example.DE"},
                      environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 202
    # Another network, the same address in another spelling: that author's budget is spent.
    refused = front.post(ARTICLE, json={**COMMENT, "body": "Noch einmal"},
                         environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert_error(refused, 429, "too_many_requests")
    # Without an email nothing counts per email.
    assert front.post(ARTICLE, json={"author_name": "Anonym", "body": "Ohne Adresse"},
                      environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 202


def test_the_article_limit_counts_every_reader_together(limited):
    front = limited(limit_comments_per_article="2/hour")
    for number, address in enumerate(("198.51.100.1", "203.0.113.9")):
        assert front.post(ARTICLE, json={**COMMENT, "body": f"Leser {number}",
                                         "author_email": f"leser{number}@example.de"},
                          environ_base={"REMOTE_ADDR": address}).status_code == 202
    refused = front.post("/v1/articles/ki-im-alltag/comments",
                         json={**COMMENT, "author_email": "dritter@example.de"},
                         environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert_error(refused, 429, "too_many_requests")
    other = front.post("/v1/articles/anderer-artikel/comments", json=COMMENT,
                       environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert other.status_code == 202


class BrokenScreening(Exception):
    pass


def test_a_failure_before_storing_is_logged_and_flask_takes_the_comment(
        service, database, caplog, monkeypatch):
    front, _, seen = service
    import moderation.api.fast_intake as fast_intake

    def broken(*_args, **_kwargs):
        raise BrokenScreening("kaputt")

    monkeypatch.setattr(fast_intake, "receive_comment", broken)
    answer = front.post(ARTICLE, json=COMMENT)
    assert answer.status_code == 202 and seen == [ARTICLE]
    assert count(database, Comment) == 1  # stored once, by Flask
    assert "fast path for comments failed" in caplog.text


class BrokenAnswer:
    def dump(self, _submitted):  # type: ignore[no-untyped-def]
        raise RuntimeError("Antwort kaputt")


def test_a_failure_after_storing_is_answered_in_our_shape_and_never_stored_twice(
        service, database, caplog, monkeypatch):
    front, _, seen = service
    import moderation.api.fast_intake as fast_intake

    monkeypatch.setattr(fast_intake, "SUBMITTED", BrokenAnswer())
    answer = front.post(ARTICLE, json=COMMENT, headers={"Origin": ORIGIN})
    assert_error(answer, 500, "internal_error")
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN  # the widget can read it
    assert seen == [] and count(database, Comment) == 1
    assert "Antwort kaputt" not in answer.get_data(as_text=True)
    assert "the answer to a stored comment failed" in caplog.text


def test_other_requests_pass_by(service):
    front, _, seen = service
    answer = front.post("/v1/articles/ki-im-alltag/comments/abc/replies", json=COMMENT)
    assert answer.status_code == 405 and seen == ["/v1/articles/ki-im-alltag/comments/abc/replies"]
