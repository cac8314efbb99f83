"""The delivery worker: claims queued webhook deliveries, signs and sends them outside any
transaction, then records the outcome. At least once: a worker that dies between sending and
recording leaves the job to be claimed again after its lease, with the same ``webhook-id``."""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from moderation import jobs, wakeups
from moderation.clock import Clock, utcnow
from moderation.config import Config
from moderation.db import Database
from moderation.logs import request_context
from moderation.metrics import on_commit, webhook_deliveries, webhook_lag
from moderation.models import (
    Job,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from moderation.webhooks import sender
from moderation.webhooks.signing import headers
from moderation.webhooks.ssrf import UnsafeTarget, check_url
from moderation.workers.loop import new_worker_id, run_until

log = logging.getLogger(__name__)

GIVE_UP_ENDPOINT_AFTER = timedelta(days=5)
IN_TURN_WAIT = timedelta(seconds=1)
SUCCEEDED, FAILED, PENDING = "succeeded", "failed", "pending"

Send = Callable[..., sender.Response]


@dataclass(frozen=True)
class Work:
    job_id: int
    delivery_id: int
    webhook_id: str
    url: str
    secrets: list[str]
    body: bytes
    queued_at: datetime | None = None  # when the event happened: the delivery's lag
    request_id: str | None = None  # of the POST behind the event


def _waiting_for_earlier(session: Session, batch: list[tuple[WebhookDelivery, WebhookMessage]],
                         now: datetime) -> dict[int, datetime]:
    """The deliveries of ``batch`` that must wait, with when to look at them again: an
    earlier delivery of an event about the same comment to the same endpoint is still
    pending. Each receiver thus hears of a comment in the order things happened, retries
    included; a delivery that failed for good no longer holds the later ones back.

    Bounded by the batch: only the events of the batch's comments are read (by index)."""
    about = {delivery.id: (delivery.endpoint_id, message.comment_id)
             for delivery, message in batch if message.comment_id is not None}
    if not about:
        return {}
    pending = session.execute(
        select(WebhookDelivery.id, WebhookDelivery.endpoint_id, WebhookMessage.comment_id)
        .join(WebhookMessage, WebhookMessage.id == WebhookDelivery.message_id)
        .where(WebhookMessage.comment_id.in_({comment for _, comment in about.values()}),
               WebhookDelivery.status == PENDING)).all()
    blocked_by = {delivery_id: [row.id for row in pending
                                if (row.endpoint_id, row.comment_id) == key
                                and row.id < delivery_id]
                  for delivery_id, key in about.items()}
    blocked_by = {delivery_id: earlier for delivery_id, earlier in blocked_by.items() if earlier}
    if not blocked_by:
        return {}
    due = dict(session.execute(select(Job.subject_id, Job.run_at).where(
        Job.kind == jobs.DELIVER_WEBHOOK,
        Job.subject_id.in_({i for earlier in blocked_by.values() for i in earlier}))).all())
    # Not before the earlier one is due again, and not in this very poll.
    soon = now + IN_TURN_WAIT
    return {delivery_id: max([soon, *(due[i] for i in earlier if i in due)])
            for delivery_id, earlier in blocked_by.items()}


def _count(session: Session, work: Work, status: str, now: datetime) -> None:
    """Count an attempt once it is on record; log it under the request id of the POST."""
    outcome = "retry" if status == PENDING else status
    lag = (now - work.queued_at).total_seconds() if work.queued_at else None

    def count() -> None:
        webhook_deliveries.labels(outcome).inc()
        if outcome == SUCCEEDED and lag is not None:
            webhook_lag.observe(lag)

    on_commit(session, count)
    with request_context(work.request_id):
        log.info("webhook %s: %s", work.webhook_id, outcome)


class DeliveryWorker:
    """Sends webhooks; sends run in a small thread pool so one slow endpoint cannot hold
    up the others' deliveries in the same batch."""

    def __init__(self, database: Database, config: Config, clock: Clock = utcnow,
                 send: Send = sender.send, worker_id: str | None = None) -> None:
        self.database = database
        self.config = config
        self.clock = clock
        self.send = send
        self.id = worker_id or new_worker_id()
        self.schedule = [timedelta(seconds=s) for s in config.webhook_retry_seconds]

    def run_once(self) -> int:
        """Claim one batch of due deliveries, send them, record what happened."""
        batch = self._claim()
        if not batch:
            return 0
        with ThreadPoolExecutor(max_workers=min(len(batch), self.config.webhook_concurrency),
                                thread_name_prefix="webhook") as pool:
            responses = list(pool.map(self._attempt, batch))
        with self.database.transaction() as session:
            held = jobs.still_held(session, [work.job_id for work in batch], self.id)
            mine = [(w, r) for w, r in zip(batch, responses, strict=True) if w.job_id in held]
            deliveries = {d.id: d for d in session.scalars(select(WebhookDelivery).where(
                WebhookDelivery.id.in_([work.delivery_id for work, _ in mine])))}
            endpoints = {e.id: e for e in session.scalars(select(WebhookEndpoint).where(
                WebhookEndpoint.id.in_({d.endpoint_id for d in deliveries.values()})))}
            now = self.clock()
            done = []
            for work, response in mine:
                delivery = deliveries[work.delivery_id]
                if self._record(session, work, delivery, endpoints[delivery.endpoint_id],
                                response, now):
                    done.append(work.job_id)
                _count(session, work, delivery.status, now)
            jobs.complete(session, done)
        return len(batch)

    def _claim(self) -> list[Work]:
        lease = timedelta(seconds=self.config.job_lease_seconds)
        with self.database.transaction() as session:
            now = self.clock()
            claimed = jobs.claim(session, jobs.DELIVER_WEBHOOK, self.id,
                                 self.config.worker_batch_size, now, lease)
            rows = session.execute(
                select(WebhookDelivery, WebhookEndpoint, WebhookMessage)
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .join(WebhookMessage, WebhookMessage.id == WebhookDelivery.message_id)
                .where(WebhookDelivery.id.in_([job.subject_id for job in claimed]))
            ).all()
            found = {delivery.id: (delivery, endpoint, message)
                     for delivery, endpoint, message in rows}
            waiting = _waiting_for_earlier(
                session, [(delivery, message) for delivery, _, message in found.values()], now)
            work = []
            for job in claimed:
                if job.subject_id not in found:  # endpoint deleted meanwhile
                    jobs.complete(session, [job.id])
                    continue
                if job.subject_id in waiting:
                    jobs.postpone(session, job.id, waiting[job.subject_id])
                    continue
                delivery, endpoint, message = found[job.subject_id]
                secrets = [endpoint.secret]
                if endpoint.previous_secret and endpoint.previous_secret_until \
                        and endpoint.previous_secret_until > now:
                    secrets.append(endpoint.previous_secret)
                body = json.dumps(message.payload, ensure_ascii=False, sort_keys=True).encode()
                work.append(Work(job.id, delivery.id, delivery.public_id, endpoint.url,
                                 secrets, body, message.created_at, job.request_id))
            return work

    def _attempt(self, work: Work) -> sender.Response:
        # Checked at every send, not only at registration: DNS may have changed.
        try:
            target = check_url(work.url, allowed_hosts=self.config.webhook_allowed_hosts)
        except UnsafeTarget as error:
            return sender.Response(None, {}, "", f"refused: {error}", 0.0)
        timestamp = int(self.clock().timestamp())
        return self.send(target, work.body, headers(work.secrets, work.webhook_id, timestamp,
                                                    work.body),
                         timeout=self.config.webhook_timeout_seconds)

    def _record(self, session, work: Work, delivery: WebhookDelivery,  # type: ignore[no-untyped-def]
                endpoint: WebhookEndpoint, response: sender.Response, now: datetime) -> bool:
        """Log the attempt and decide what follows; True when the job is finished."""
        delivery.attempts += 1
        delivery.updated_at = now
        session.add(WebhookAttempt(
            delivery_id=delivery.id, attempted_at=now, status_code=response.status,
            latency_ms=round(response.elapsed_ms, 1), response_excerpt=response.body_excerpt[:500],
            error=response.error))
        if response.succeeded:
            delivery.status = SUCCEEDED
            endpoint.failing_since = None
            return True
        endpoint.failing_since = endpoint.failing_since or now
        if response.status == 410:
            self._disable(endpoint, "the receiver answered 410 Gone", now)
        elif now - endpoint.failing_since >= GIVE_UP_ENDPOINT_AFTER:
            self._disable(endpoint, "every delivery failed for 5 days", now)
        if not endpoint.enabled or delivery.attempts > len(self.schedule):
            delivery.status = FAILED  # the dead letter: kept, and can be sent again by hand
            return True
        retry_at = now + self._wait(delivery.attempts, response, now)
        jobs.release(session, [work.job_id], response.error or f"HTTP {response.status}",
                     retry_at)
        self._pause_endpoint(session, endpoint, retry_at)
        return False

    def _pause_endpoint(self, session, endpoint: WebhookEndpoint,  # type: ignore[no-untyped-def]
                        until: datetime) -> None:
        """A failing endpoint's other due deliveries wait too: an endpoint that is down or
        slow must not take the workers' time from the healthy ones."""
        pending = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id,
                                                   WebhookDelivery.status == PENDING)
        session.execute(update(Job).where(
            Job.kind == jobs.DELIVER_WEBHOOK, Job.subject_id.in_(pending), Job.run_at < until,
            Job.lease_owner.is_(None)).values(run_at=until))

    def _wait(self, attempts: int, response: sender.Response, now: datetime) -> timedelta:
        """The schedule's wait with ±10 % jitter, or longer if the receiver asked for it."""
        wait = self.schedule[attempts - 1] * random.uniform(0.9, 1.1)  # noqa: S311 - not crypto
        if response.status in (429, 503):
            asked = sender.retry_after(response.headers, now)
            if asked is not None:
                wait = max(wait, asked)
        return wait

    def _disable(self, endpoint: WebhookEndpoint, reason: str, now: datetime) -> None:
        log.warning("webhook endpoint %s disabled: %s", endpoint.public_id, reason)
        endpoint.enabled = False
        endpoint.disabled_reason = reason
        endpoint.updated_at = now

    def run_forever(self, stop: threading.Event) -> None:
        """Deliver until ``stop`` is set."""
        with wakeups.Bell(self.database, wakeups.WEBHOOKS, stop) as bell:
            run_until(stop, self.run_once, self.config.worker_poll_seconds,
                      f"delivery worker {self.id}", bell)
