"""Events reach a real receiver in the order things happened to each comment, with
timestamps that increase, also when an earlier message has to be retried."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from moderation import jobs
from moderation.models import Job, WebhookDelivery
from moderation.workers.delivery import DeliveryWorker
from tests.support.http import QUEUE, json_of, post_comment, submit_comment
from tests.support.receiver import receiver

ARTICLE_SETTINGS = "/v1/moderation/articles/ki-im-alltag"


@pytest.fixture
def hook(client, admin):
    with receiver() as endpoint:
        json_of(client.post("/v1/webhooks", headers=admin, json={"url": endpoint.url}), 201)
        yield endpoint


@pytest.fixture
def deliverer(database, config, clock):
    return DeliveryWorker(database, config, clock, worker_id="zusteller")


def deliver_all(deliverer: DeliveryWorker, clock) -> None:
    """Run the worker until nothing is left; a second passes between rounds (a delivery
    that waits for an earlier one is looked at again a second later)."""
    for _ in range(50):
        if deliverer.run_once() == 0 and deliverer.run_once() == 0:
            return
        clock.advance(seconds=1)
    raise AssertionError("deliveries never ran out")


def heard(hook, comment_id: str) -> list[tuple[str, datetime]]:
    """(type, timestamp) of each message about the comment, in the order they arrived."""
    payloads = [json.loads(arrived.body) for arrived in hook.received]
    return [(p["type"], datetime.fromisoformat(p["timestamp"])) for p in payloads
            if p["data"].get("comment_id") == comment_id]


def types_and_rising_times(events: list[tuple[str, datetime]]) -> list[str]:
    times = [at for _, at in events]
    assert times == sorted(times) and len(set(times)) == len(times), times
    return [kind for kind, _ in events]


def test_a_comments_whole_life_arrives_in_order(client, editor, admin, worker, hook,
                                                 deliverer, clock):
    clock.now = datetime.now(UTC)
    json_of(client.patch(ARTICLE_SETTINGS, headers=editor, json={"moderation_mode": "post"}))
    comment = submit_comment(client, "Was für ein Idiot, dieser Autor.")
    worker.run_once()  # published at once, then held by the classifier
    json_of(client.post(f"{QUEUE}/{comment['id']}/reject", headers=editor, json={}))
    json_of(client.post(f"/v1/comments/{comment['id']}/appeal",
                        headers={"X-Author-Token": comment["author_token"]},
                        json={"explanation": "Das war Satire, bitte noch einmal prüfen."}), 202)
    json_of(client.post(f"{QUEUE}/{comment['id']}/approve", headers=admin, json={}))
    deliver_all(deliverer, clock)

    assert types_and_rising_times(heard(hook, comment["id"])) == [
        "comment.created", "comment.approved", "comment.review_requested", "comment.rejected",
        "comment.review_requested", "comment.appealed", "comment.approved", "appeal.decided"]


def test_a_honeypot_catch_is_created_before_it_is_rejected(client, hook, deliverer, clock):
    clock.now = datetime.now(UTC)
    caught = json_of(post_comment(client, "Billige Uhren!", website="https://uhren.example"), 202)
    deliver_all(deliverer, clock)

    assert types_and_rising_times(heard(hook, caught["id"])) == [
        "comment.created", "comment.rejected"]


def due_times(database) -> list[datetime]:
    """When the delivery jobs are due, in the order of their deliveries."""
    with database.transaction() as session:
        return list(session.scalars(select(Job.run_at).where(Job.kind == jobs.DELIVER_WEBHOOK)
                                    .order_by(Job.subject_id)))


def attempts(database) -> list[int]:
    with database.transaction() as session:
        return list(session.scalars(select(WebhookDelivery.attempts)
                                    .order_by(WebhookDelivery.id)))


def test_a_later_event_waits_while_an_earlier_one_is_retried(client, editor, hook, deliverer,
                                                              clock, database):
    clock.now = datetime.now(UTC)
    comment = submit_comment(client, "Grüße aus Görlitz!")
    json_of(client.post(f"{QUEUE}/{comment['id']}/approve", headers=editor, json={}))
    hook.answers.append((503, {}))  # comment.created fails once

    assert deliverer.run_once() == 1  # only comment.created is in turn: it fails
    clock.advance(seconds=1)
    assert deliverer.run_once() == 0  # comment.approved waits for its retry
    created_due, approved_due = due_times(database)
    assert approved_due >= created_due > clock()  # it is not looked at every second
    assert attempts(database) == [1, 0]  # waiting is no attempt
    clock.advance(seconds=10)
    deliver_all(deliverer, clock)

    arrived = [json.loads(a.body)["type"] for a in hook.received]
    assert arrived == ["comment.created", "comment.created", "comment.approved"]
    assert types_and_rising_times(heard(hook, comment["id"])[1:]) == [
        "comment.created", "comment.approved"]


def test_events_of_other_comments_do_not_wait_for_each_other(client, editor, hook, deliverer,
                                                              clock):
    clock.now = datetime.now(UTC)
    first, second = submit_comment(client, "Erster!"), submit_comment(client, "Zweiter!")
    for comment in (first, second):
        json_of(client.post(f"{QUEUE}/{comment['id']}/approve", headers=editor, json={}))

    assert deliverer.run_once() == 2  # each comment's comment.created, side by side
    clock.advance(seconds=1)
    assert deliverer.run_once() == 2  # then each one's comment.approved
    clock.advance(seconds=1)
    assert deliverer.run_once() == 0
    assert [types_and_rising_times(heard(hook, c["id"])) for c in (first, second)] == [
        ["comment.created", "comment.approved"]] * 2
