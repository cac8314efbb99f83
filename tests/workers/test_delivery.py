"""The delivery worker against a real receiver on loopback: signed, retried, never lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from moderation import jobs
from moderation.config import Config
from moderation.models import Job, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from moderation.workers.delivery import DeliveryWorker
from tests.support.http import post_comment
from tests.support.receiver import receiver

SCHEDULE = [timedelta(seconds=s) for s in Config().webhook_retry_seconds]


@pytest.fixture
def hook(client, admin):
    with receiver() as endpoint:
        created = client.post("/v1/webhooks", headers=admin, json={
            "url": endpoint.url, "event_types": ["comment.created"]}).get_json()
        endpoint.secret = created["secret"]
        endpoint.id = created["id"]
        yield endpoint


@pytest.fixture
def deliverer(database, config, clock):
    return DeliveryWorker(database, config, clock, worker_id="zusteller")


def delivery_state(database):
    with database.transaction() as session:
        delivery = session.scalars(select(WebhookDelivery)).one()
        attempts = session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)).all()
        job = session.scalar(select(Job).where(Job.kind == jobs.DELIVER_WEBHOOK))
        endpoint = session.scalars(select(WebhookEndpoint)).one()
        return delivery, attempts, job, endpoint


def test_a_delivery_arrives_signed_per_standard_webhooks(
        client, hook, deliverer, database, clock):
    clock.now = datetime.now(UTC)  # receivers refuse signatures older than 5 minutes
    comment = post_comment(client, "Grüße aus Köln!", author_email="x@example.de").get_json()
    assert deliverer.run_once() == 1

    [arrived] = hook.received
    payload = Webhook(hook.secret).verify(arrived.body, arrived.headers)
    assert payload["type"] == "comment.created"
    assert payload["data"]["comment_id"] == comment["id"]
    assert "x@example.de" not in arrived.body.decode()
    assert arrived.headers["content-type"] == "application/json"
    delivery, attempts, job, _endpoint = delivery_state(database)
    assert (delivery.status, delivery.attempts, job) == ("succeeded", 1, None)
    assert arrived.headers["webhook-id"] == delivery.public_id
    assert attempts[0].status_code == 204
    assert deliverer.run_once() == 0


def test_a_failing_receiver_is_retried_on_schedule_with_the_same_id(
        client, hook, deliverer, database, clock):
    hook.answers = [(500, {}), (500, {})]
    post_comment(client)
    deliverer.run_once()
    delivery, attempts, job, _ = delivery_state(database)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    wait = job.run_at - clock()
    assert SCHEDULE[0] * 0.9 <= wait <= SCHEDULE[0] * 1.1
    assert deliverer.run_once() == 0  # not due yet

    clock.advance(seconds=6)
    deliverer.run_once()
    clock.advance(minutes=6)
    deliverer.run_once()
    delivery, attempts, job, endpoint = delivery_state(database)
    assert [a.status_code for a in attempts] == [500, 500, 204]
    assert delivery.status == "succeeded" and endpoint.failing_since is None
    assert len({r.headers["webhook-id"] for r in hook.received}) == 1


def test_retry_after_is_honoured(client, hook, deliverer, database, clock):
    hook.answers = [(429, {"Retry-After": "120"})]
    post_comment(client)
    deliverer.run_once()
    _, _, job, _ = delivery_state(database)
    assert job.run_at - clock() == timedelta(seconds=120)


def test_410_gone_disables_the_endpoint(client, hook, deliverer, database, admin):
    hook.answers = [(410, {})]
    post_comment(client)
    deliverer.run_once()
    delivery, _, job, endpoint = delivery_state(database)
    assert (delivery.status, job) == ("failed", None)
    assert endpoint.enabled is False and "410" in endpoint.disabled_reason
    shown = client.get(f"/v1/webhooks/{hook.id}", headers=admin).get_json()
    assert shown["enabled"] is False


def test_a_delivery_is_dead_lettered_when_the_schedule_runs_out(
        client, hook, deliverer, database, clock):
    hook.answers = [(500, {})] * (len(SCHEDULE) + 1)
    post_comment(client)
    for _ in range(len(SCHEDULE) + 1):
        deliverer.run_once()
        clock.advance(hours=12)
    delivery, attempts, job, _ = delivery_state(database)
    assert (delivery.status, len(attempts), job) == ("failed", len(SCHEDULE) + 1, None)


def test_an_unreachable_receiver_is_recorded_and_retried(client, admin, deliverer, database):
    client.post("/v1/webhooks", headers=admin, json={"url": "http://127.0.0.1:1/zu"})
    post_comment(client)
    deliverer.run_once()
    _delivery, attempts, job, endpoint = delivery_state(database)
    assert attempts[0].status_code is None and attempts[0].error
    assert job is not None and endpoint.failing_since is not None


def test_a_worker_killed_after_sending_loses_nothing(
        client, hook, database, config, clock):
    """Sent but not recorded: after the lease another worker sends it again, same id."""
    post_comment(client)
    crashed = DeliveryWorker(database, config, clock, worker_id="abgestuerzt")
    for work in crashed._claim():
        crashed._attempt(work)  # sent ... and the process dies before recording
    clock.advance(seconds=config.job_lease_seconds + 1)
    survivor = DeliveryWorker(database, config, clock, worker_id="ueberlebend")
    assert survivor.run_once() == 1

    assert len(hook.received) == 2
    assert hook.received[0].headers["webhook-id"] == hook.received[1].headers["webhook-id"]
    delivery, _, job, _ = delivery_state(database)
    assert (delivery.status, job) == ("succeeded", None)


def test_a_rotated_secret_signs_beside_the_old_one(client, hook, deliverer, admin, clock):
    clock.now = datetime.now(UTC)  # receivers refuse signatures older than 5 minutes
    rotated = client.post(f"/v1/webhooks/{hook.id}/rotate-secret", headers=admin).get_json()
    post_comment(client)
    deliverer.run_once()
    [arrived] = hook.received
    assert len(arrived.headers["webhook-signature"].split()) == 2
    for secret in (hook.secret, rotated["secret"]):
        assert Webhook(secret).verify(arrived.body, arrived.headers)["type"] == "comment.created"


def test_a_url_that_now_points_inside_is_refused_at_send_time(
        client, admin, database, config, clock):
    client.post("/v1/webhooks", headers=admin, json={"url": "http://127.0.0.1:9/hook"})
    post_comment(client)
    strict = DeliveryWorker(database, config.replace(webhook_allowed_hosts=frozenset()), clock)
    strict.run_once()
    _, attempts, _, _ = delivery_state(database)
    assert attempts[0].error.startswith("refused:") and attempts[0].status_code is None


def test_the_delivery_log_and_manual_redelivery(client, hook, deliverer, admin, clock):
    hook.answers = [(410, {})]
    post_comment(client)
    deliverer.run_once()  # 410: endpoint disabled, delivery failed
    log = client.get(f"/v1/webhooks/{hook.id}/deliveries", headers=admin).get_json()
    [failed] = log["deliveries"]
    assert (failed["status"], failed["event_type"]) == ("failed", "comment.created")
    assert failed["log"][0]["status_code"] == 410

    client.patch(f"/v1/webhooks/{hook.id}", headers=admin, json={"enabled": True})
    again = client.post(f"/v1/webhooks/{hook.id}/deliveries/{failed['id']}/redeliver",
                        headers=admin).get_json()
    assert again["status"] == "pending"
    deliverer.run_once()
    assert hook.received[-1].headers["webhook-id"] == failed["id"]
    succeeded = client.get(f"/v1/webhooks/{hook.id}/deliveries?status=succeeded",
                           headers=admin).get_json()["deliveries"]
    assert [d["id"] for d in succeeded] == [failed["id"]]
    assert [a["status_code"] for a in succeeded[0]["log"]] == [410, 204]
    missing = client.post(f"/v1/webhooks/{hook.id}/deliveries/msg_gibtsnicht/redeliver",
                          headers=admin)
    assert missing.status_code == 404


def test_all_failed_deliveries_since_a_time_are_sent_again(
        client, hook, deliverer, admin, clock):
    hook.answers = [(410, {})]
    post_comment(client, "Erster")
    deliverer.run_once()
    client.patch(f"/v1/webhooks/{hook.id}", headers=admin, json={"enabled": True})
    queued = client.post(f"/v1/webhooks/{hook.id}/redeliver", headers=admin,
                         json={"since": "2026-11-25T00:00:00+01:00"}).get_json()
    assert queued == {"queued": 1}
    deliverer.run_once()
    assert len(hook.received) == 2
    later = client.post(f"/v1/webhooks/{hook.id}/redeliver", headers=admin,
                        json={"since": "2026-11-26T00:00:00Z"}).get_json()
    assert later == {"queued": 0}
    bad = client.post(f"/v1/webhooks/{hook.id}/redeliver", headers=admin,
                      json={"since": "2026-11-26T00:00:00"})
    assert bad.status_code == 422


def test_ping_reaches_the_endpoint_signed(client, hook, deliverer, admin, clock):
    clock.now = datetime.now(UTC)  # receivers refuse signatures older than 5 minutes
    response = client.post(f"/v1/webhooks/{hook.id}/ping", headers=admin)
    assert response.status_code == 202
    deliverer.run_once()
    [arrived] = hook.received
    payload = Webhook(hook.secret).verify(arrived.body, arrived.headers)
    assert payload == {"type": "ping", "timestamp": payload["timestamp"],
                       "data": {"endpoint_id": hook.id}}


def test_a_failing_endpoint_does_not_hold_up_a_healthy_one(client, admin, database, config,
                                                            clock):
    with receiver() as healthy:
        client.post("/v1/webhooks", headers=admin, json={"url": "http://127.0.0.1:1/kaputt"})
        client.post("/v1/webhooks", headers=admin, json={"url": healthy.url})
        small_batches = config.replace(worker_batch_size=2)
        deliverer = DeliveryWorker(database, small_batches, clock)
        for i in range(4):
            post_comment(client, f"Kommentar {i}")
        while deliverer.run_once():
            pass
        # the broken endpoint was tried once; its other deliveries wait for its retry
        assert len(healthy.received) == 4
        with database.transaction() as session:
            attempts = session.scalars(select(WebhookAttempt)).all()
            assert sum(a.status_code is None for a in attempts) == 1


def test_the_retry_schedule_is_configurable(client, hook, database, config, clock):
    hook.answers = [(500, {})] * 3
    post_comment(client)
    quick = DeliveryWorker(database, config.replace(webhook_retry_seconds=(1, 1)), clock)
    for _ in range(3):
        quick.run_once()
        clock.advance(seconds=2)
    delivery, attempts, job, _ = delivery_state(database)
    assert (delivery.status, len(attempts), job) == ("failed", 3, None)


def test_a_receiver_that_does_not_answer_in_time_is_retried(client, hook, database, config,
                                                            clock):
    hook.stalls = [1.5]
    post_comment(client)
    impatient = DeliveryWorker(database, config.replace(webhook_timeout_seconds=0.5), clock)
    impatient.run_once()
    delivery, attempts, job, _ = delivery_state(database)
    assert attempts[0].error == "timeout" and attempts[0].status_code is None
    assert delivery.status == "pending" and job is not None
    clock.advance(seconds=6)
    impatient.run_once()
    delivery, attempts, _, _ = delivery_state(database)
    assert delivery.status == "succeeded" and attempts[-1].status_code == 204


def test_an_endpoint_failing_for_five_days_is_disabled(client, hook, deliverer, database, clock):
    hook.answers = [(500, {})] * 20
    post_comment(client)
    deliverer.run_once()
    _, _, _, endpoint = delivery_state(database)
    assert endpoint.enabled and endpoint.failing_since == clock()
    clock.advance(days=5)
    post_comment(client, "Noch einer")  # a fresh delivery, due now
    deliverer.run_once()
    with database.transaction() as session:
        endpoint = session.scalars(select(WebhookEndpoint)).one()
        statuses = sorted(d.status for d in session.scalars(select(WebhookDelivery)))
    assert endpoint.enabled is False
    assert endpoint.disabled_reason == "every delivery failed for 5 days"
    assert statuses == ["failed", "failed"]
