"""Webhook subscriptions, and the outbox that every status change writes for them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from moderation import jobs
from moderation.models import Job, WebhookDelivery, WebhookMessage
from tests.support.http import assert_error, post_comment

HOOKS = "/v1/webhooks"
RECEIVER = "http://127.0.0.1:9/cms-hook"  # allowed for tests in the config fixture


def subscribe(client, admin, **fields):
    response = client.post(HOOKS, headers=admin, json={"url": RECEIVER, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def outbox(database):
    with database.transaction() as session:
        messages = session.scalars(select(WebhookMessage).order_by(WebhookMessage.id)).all()
        deliveries = session.scalars(select(WebhookDelivery)).all()
        queued = session.scalars(select(Job).where(Job.kind == jobs.DELIVER_WEBHOOK)).all()
        return messages, deliveries, queued


def test_the_secret_is_shown_once_at_creation(client, admin):
    created = subscribe(client, admin, description="CMS Redaktion – Benachrichtigung")
    assert created["secret"].startswith("whsec_") and created["id"].startswith("ep_")
    assert created["event_types"] == [] and created["enabled"] is True
    shown = client.get(f"{HOOKS}/{created['id']}", headers=admin).get_json()
    assert "secret" not in shown and shown["description"] == "CMS Redaktion – Benachrichtigung"
    listed = client.get(HOOKS, headers=admin).get_json()["endpoints"]
    assert [e["id"] for e in listed] == [created["id"]] and "secret" not in listed[0]


@pytest.mark.parametrize(("url", "reason"), [
    ("http://10.0.0.5/hook", "private"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://[::1]:8080/hook", "loopback"),
    ("http://2130706433/hook", ""),
])
def test_urls_into_private_networks_are_refused(client, admin, url, reason):
    body = assert_error(client.post(HOOKS, headers=admin, json={"url": url}), 422,
                        "validation_failed")
    assert reason in body["errors"]["url"][0]
    assert client.get(HOOKS, headers=admin).get_json()["endpoints"] == []


@pytest.mark.parametrize("payload", [{"url": "ftp://example.de/x"}, {"url": "kein url"},
                                     {"url": RECEIVER, "event_types": ["comment.deleted"]},
                                     {"url": RECEIVER, "secret": "whsec_selbstgemacht"}])
def test_invalid_subscriptions_are_refused(client, admin, payload):
    assert_error(client.post(HOOKS, headers=admin, json=payload), 422, "validation_failed")


def test_only_admins_manage_webhooks(client, editor):
    assert_error(client.get(HOOKS, headers=editor), 403, "forbidden")
    assert_error(client.post(HOOKS, headers=editor, json={"url": RECEIVER}), 403, "forbidden")
    assert_error(client.get(HOOKS), 401, "unauthorized")


def test_endpoints_can_be_changed_disabled_and_deleted(client, admin):
    endpoint = subscribe(client, admin)["id"]
    changed = client.patch(f"{HOOKS}/{endpoint}", headers=admin, json={
        "event_types": ["comment.rejected", "comment.approved"], "enabled": False}).get_json()
    assert changed["event_types"] == ["comment.approved", "comment.rejected"]
    assert (changed["enabled"], changed["disabled_reason"]) == (False, "disabled by an admin")
    assert_error(client.patch(f"{HOOKS}/{endpoint}", headers=admin, json={}), 422,
                 "validation_failed")
    assert_error(client.patch(f"{HOOKS}/{endpoint}", headers=admin,
                              json={"url": "http://192.168.1.1/"}), 422, "validation_failed")
    assert client.delete(f"{HOOKS}/{endpoint}", headers=admin).status_code == 204
    assert_error(client.get(f"{HOOKS}/{endpoint}", headers=admin), 404, "not_found")
    assert_error(client.delete(f"{HOOKS}/{endpoint}", headers=admin), 404, "not_found")


def test_rotating_keeps_the_old_secret_for_the_overlap(client, admin, clock):
    created = subscribe(client, admin)
    rotated = client.post(f"{HOOKS}/{created['id']}/rotate-secret", headers=admin).get_json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    assert rotated["previous_secret_until"].startswith("2026-11-26T09:30:00")


def test_every_status_change_is_written_to_the_outbox_for_subscribers(
        client, admin, editor, database, worker):
    subscribe(client, admin)
    subscribe(client, admin, event_types=["comment.rejected"])
    comment = post_comment(client, "Ziemlich dumm, dieser Vergleich.",
                           author_email="geheim@example.de").get_json()["id"]
    worker.run_once()
    client.post(f"/v1/moderation/comments/{comment}/reject", headers=editor,
                json={"reason_code": "beleidigung", "reason": "Persönlicher Angriff"})

    messages, deliveries, queued = outbox(database)
    assert [m.event_type for m in messages] == [
        "comment.created", "comment.review_requested", "comment.rejected"]
    rejected = messages[-1].payload
    assert rejected["type"] == "comment.rejected"
    assert rejected["data"]["comment_id"] == comment
    assert rejected["data"]["actor"] == {"type": "editor", "key": "anna"}
    assert rejected["data"]["reason"] == "Persönlicher Angriff"
    assert rejected["data"]["previous_status"] == "review"
    assert "geheim@example.de" not in str([m.payload for m in messages])
    # three events for the first endpoint, one for the one that only wants rejections
    assert len(deliveries) == 4 and {d.status for d in deliveries} == {"pending"}
    assert len({d.public_id for d in deliveries}) == 4
    assert sorted(j.subject_id for j in queued) == sorted(d.id for d in deliveries)


def test_without_subscribers_nothing_is_written(client, admin, database, worker):
    endpoint = subscribe(client, admin)["id"]
    client.patch(f"{HOOKS}/{endpoint}", headers=admin, json={"enabled": False})
    post_comment(client)
    worker.run_once()
    assert outbox(database) == ([], [], [])
