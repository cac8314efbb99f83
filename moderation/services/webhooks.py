"""Webhook subscriptions and the outbox: events are written in the transaction of the change
they tell of, one delivery per subscribed endpoint, each queued as a job."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, insert, literal, select
from sqlalchemy.orm import Session, joinedload, selectinload

from moderation import jobs
from moderation.errors import Invalid, NotFound
from moderation.models import (
    ApiKey,
    Comment,
    Job,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from moderation.services import audit
from moderation.services.subscriptions import enabled_subscribers
from moderation.webhooks.signing import new_message_id, new_secret
from moderation.webhooks.ssrf import UnsafeTarget, check_url

PENDING, FAILED = "pending", "failed"


def subscribed(session: Session, event_type: str) -> list[int]:
    """The enabled endpoints that subscribe to ``event_type``."""
    return [subscriber.endpoint_id for subscriber in enabled_subscribers(session)
            if subscriber.wants(event_type)]


def emit(session: Session, event_type: str, data: dict[str, Any], now: datetime,
         comment_id: int | None = None, endpoint_ids: list[int] | None = None) -> int:
    """Record an event for every endpoint that subscribes to it (``endpoint_ids``, where the
    caller read them already); returns how many.

    Runs inside the caller's transaction: the deliveries exist exactly when the change does.
    ``comment_id`` names the comment the event tells of, so that erasure can redact it, and
    orders its events: each one's timestamp is later than the one before (two events of
    one moment, such as ``comment.created`` and the decision taken on arrival, are a
    microsecond apart), and the delivery worker sends them to each endpoint in that order.
    """
    if endpoint_ids is None:
        endpoint_ids = subscribed(session, event_type)
    if not endpoint_ids:
        return 0
    at = _after_earlier_events(session, comment_id, now) if comment_id is not None else now
    payload = {"type": event_type, "timestamp": at.isoformat(), "data": data}
    message = WebhookMessage(event_type=event_type, payload=payload, comment_id=comment_id,
                             created_at=at)
    session.add(message)
    session.flush()
    delivered = 0
    for endpoint_id in endpoint_ids:
        delivery_id = _deliver_if_enabled(session, message.id, endpoint_id, now)
        if delivery_id is not None:
            jobs.enqueue(session, jobs.DELIVER_WEBHOOK, delivery_id, now)
            delivered += 1
    return delivered


def comment_links(comment: Comment) -> dict[str, str]:
    """Where a subscriber finds the comment and its thread."""
    return {"comment": f"/v1/moderation/comments/{comment.public_id}",
            "thread": f"/v1/articles/{comment.article.key}/comments"}


def _after_earlier_events(session: Session, comment_id: int, now: datetime) -> datetime:
    latest = session.scalar(select(func.max(WebhookMessage.created_at))
                            .where(WebhookMessage.comment_id == comment_id))
    if latest is None:
        return now
    return max(now, latest + timedelta(microseconds=1))


def _deliver_if_enabled(session: Session, message_id: int, endpoint_id: int,
                        now: datetime) -> int | None:
    """A delivery to the endpoint if it is still there and enabled (the list of subscribers
    may be a moment old): its id, else None."""
    chosen = select(literal(new_message_id()), literal(message_id), WebhookEndpoint.id,
                    literal(PENDING), literal(0), literal(now), literal(now)) \
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.enabled.is_(True))
    return session.scalar(
        insert(WebhookDelivery)
        .from_select(["public_id", "message_id", "endpoint_id", "status", "attempts",
                      "created_at", "updated_at"], chosen)
        .returning(WebhookDelivery.id))


def _deliver(session: Session, message: WebhookMessage, endpoint: WebhookEndpoint,
             now: datetime) -> WebhookDelivery:
    delivery = WebhookDelivery(public_id=new_message_id(), message_id=message.id,
                               endpoint_id=endpoint.id, status=PENDING, attempts=0,
                               created_at=now, updated_at=now)
    session.add(delivery)
    session.flush()
    jobs.enqueue(session, jobs.DELIVER_WEBHOOK, delivery.id, now)
    return delivery


def checked_url(url: str, allowed_hosts: frozenset[str]) -> str:
    """Refuse URLs that point into private networks (checked again at every send)."""
    try:
        check_url(url, allowed_hosts=allowed_hosts)
    except UnsafeTarget as error:
        raise Invalid("The webhook URL is not allowed.", errors={"url": [str(error)]}) from None
    return url


def create_endpoint(session: Session, *, url: str, event_types: list[str],
                    description: str | None, allowed_hosts: frozenset[str],
                    now: datetime, api_key: ApiKey | None = None,
                    actor: str | None = None) -> WebhookEndpoint:
    """Subscribe an endpoint; its signing secret is in the result, and nowhere else later."""
    endpoint = WebhookEndpoint(
        public_id=f"ep_{secrets.token_urlsafe(12)}", url=checked_url(url, allowed_hosts),
        description=description, event_types=sorted(set(event_types)), secret=new_secret(),
        enabled=True, created_at=now, updated_at=now)
    session.add(endpoint)
    session.flush()
    _audit(session, "webhook.created", endpoint, api_key, actor, now,
           {"url_host": _host(endpoint.url), "event_types": endpoint.event_types})
    return endpoint


def _audit(session: Session, action: str, endpoint: WebhookEndpoint, api_key: ApiKey | None,
           actor: str | None, now: datetime, details: dict[str, Any] | None = None) -> None:
    """``actor`` names a person signed in to the workspace (``user:<email>``); without one
    the action is the key's (or the system's)."""
    # Never a secret: not the signing secret, and of a URL (which may carry a token, as
    # chat webhooks' do) only the host.
    who = audit.by_key(api_key) if actor is None else {"actor": actor, "api_key_id": None}
    audit.record(session, action, **who, target=endpoint.public_id, details=details, now=now)


def _host(url: str) -> str | None:
    return urlsplit(url).hostname


def get_endpoint(session: Session, public_id: str) -> WebhookEndpoint:
    endpoint = session.scalar(select(WebhookEndpoint)
                              .where(WebhookEndpoint.public_id == public_id))
    if endpoint is None:
        raise NotFound(f"No webhook endpoint {public_id!r}.")
    return endpoint


def list_endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def update_endpoint(session: Session, public_id: str, changes: dict[str, Any], *,
                    allowed_hosts: frozenset[str], now: datetime,
                    api_key: ApiKey | None = None, actor: str | None = None
                    ) -> WebhookEndpoint:
    """Change URL, events, description, or switch the endpoint on or off."""
    endpoint = get_endpoint(session, public_id)
    if "url" in changes:
        endpoint.url = checked_url(changes["url"], allowed_hosts)
    if "event_types" in changes:
        endpoint.event_types = sorted(set(changes["event_types"]))
    if "description" in changes:
        endpoint.description = changes["description"]
    if "enabled" in changes:
        endpoint.enabled = changes["enabled"]
        endpoint.disabled_reason = None if endpoint.enabled else "disabled by an admin"
    endpoint.updated_at = now
    logged = {**changes, "url_host": _host(changes["url"])} if "url" in changes else changes
    _audit(session, "webhook.updated", endpoint, api_key, actor, now,
           {"changes": {k: v for k, v in logged.items() if k != "url"}})
    return endpoint


def delete_endpoint(session: Session, public_id: str, *, now: datetime,
                    api_key: ApiKey | None = None, actor: str | None = None) -> None:
    endpoint = get_endpoint(session, public_id)
    _audit(session, "webhook.deleted", endpoint, api_key, actor, now,
           {"url_host": _host(endpoint.url)})
    session.delete(endpoint)


def rotate_secret(session: Session, public_id: str, *, overlap: timedelta,
                  now: datetime, api_key: ApiKey | None = None,
                  actor: str | None = None) -> WebhookEndpoint:
    """A new signing secret; the old one keeps signing beside it for ``overlap``."""
    endpoint = get_endpoint(session, public_id)
    endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, now + overlap
    endpoint.secret = new_secret()
    endpoint.updated_at = now
    _audit(session, "webhook.secret_rotated", endpoint, api_key, actor, now,
           {"previous_secret_until": endpoint.previous_secret_until.isoformat()})
    return endpoint


RETRYING = "retrying"  # a filter, not a status: pending after at least one failed try


def deliveries(session: Session, public_id: str, *, status: str | None,
               limit: int) -> list[WebhookDelivery]:
    """An endpoint's delivery log, newest first, each with its attempts. ``status`` is a
    delivery's status or ``retrying``: still pending after a failed try."""
    endpoint = get_endpoint(session, public_id)
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if status == RETRYING:
        query = query.where(WebhookDelivery.status == PENDING, WebhookDelivery.attempts > 0)
    elif status is not None:
        query = query.where(WebhookDelivery.status == status)
    query = query.options(joinedload(WebhookDelivery.message),
                          selectinload(WebhookDelivery.log))
    return list(session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)))


def next_tries(session: Session, delivery_ids: list[int]) -> dict[int, datetime]:
    """When each of these deliveries (by row id) is tried next; those not queued are
    missing."""
    if not delivery_ids:
        return {}
    return dict(session.execute(select(Job.subject_id, Job.run_at).where(
        Job.kind == jobs.DELIVER_WEBHOOK, Job.subject_id.in_(delivery_ids))).all())


def get_delivery(session: Session, public_id: str, delivery_id: str) -> WebhookDelivery:
    """One delivery to the endpoint ``public_id``, by its ``webhook-id``."""
    endpoint = get_endpoint(session, public_id)
    delivery = session.scalar(select(WebhookDelivery).where(
        WebhookDelivery.public_id == delivery_id, WebhookDelivery.endpoint_id == endpoint.id)
        .options(joinedload(WebhookDelivery.message), selectinload(WebhookDelivery.log)))
    if delivery is None:
        raise NotFound(f"No delivery {delivery_id!r} to this endpoint.")
    return delivery


def redeliver(session: Session, public_id: str, delivery_id: str,
              now: datetime, api_key: ApiKey | None = None,
              actor: str | None = None) -> WebhookDelivery:
    """Send one delivery again, with its original ``webhook-id``."""
    delivery = get_delivery(session, public_id, delivery_id)
    _queue_again(session, delivery, now)
    _audit(session, "webhook.redelivered", get_endpoint(session, public_id), api_key, actor,
           now, {"delivery_id": delivery_id})
    session.flush()
    session.refresh(delivery, ["message", "log"])
    return delivery


def redeliver_failed(session: Session, public_id: str, since: datetime, now: datetime,
                     api_key: ApiKey | None = None, actor: str | None = None) -> int:
    """Send every failed delivery created since ``since`` again; returns how many."""
    endpoint = get_endpoint(session, public_id)
    failed = session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == FAILED,
        WebhookDelivery.created_at >= since)).all()
    for delivery in failed:
        _queue_again(session, delivery, now)
    _audit(session, "webhook.redelivered", endpoint, api_key, actor, now,
           {"failed_since": since.isoformat(), "queued": len(failed)})
    return len(failed)


def _queue_again(session: Session, delivery: WebhookDelivery, now: datetime) -> None:
    queued = session.scalar(select(Job.id).where(Job.kind == jobs.DELIVER_WEBHOOK,
                                                 Job.subject_id == delivery.id))
    if queued is None:
        jobs.enqueue(session, jobs.DELIVER_WEBHOOK, delivery.id, now)
    delivery.status = PENDING
    delivery.attempts = 0  # a fresh retry schedule
    delivery.updated_at = now


def ping(session: Session, public_id: str, now: datetime,
         api_key: ApiKey | None = None, actor: str | None = None) -> WebhookDelivery:
    """Send a ``ping`` event to one endpoint, to check its URL and signature handling."""
    endpoint = get_endpoint(session, public_id)
    message = WebhookMessage(event_type="ping", created_at=now, payload={
        "type": "ping", "timestamp": now.isoformat(), "data": {"endpoint_id": public_id}})
    session.add(message)
    session.flush()
    delivery = _deliver(session, message, endpoint, now)
    _audit(session, "webhook.pinged", endpoint, api_key, actor, now,
           {"delivery_id": delivery.public_id})
    session.refresh(delivery, ["message", "log"])
    return delivery
