"""The audit log of admin actions: API keys, policy, webhooks, data requests and purges.

Append-only. It names who acted and what changed, never a secret and never a data
subject's email (data requests are logged by request id and counts). Editors' decisions on
comments are not repeated here: they are the comments' moderation events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from moderation.domain import SYSTEM_ACTOR
from moderation.models import ApiKey, AuditEvent
from moderation.pagination import decode_time_cursor, one_page

CLI = "cli"


def record(session: Session, action: str, *, actor: str, api_key_id: int | None = None,
           target: str | None = None, details: dict[str, Any] | None = None,
           now: datetime) -> AuditEvent:
    """Append one admin action to the log, in the caller's transaction."""
    event = AuditEvent(actor=actor, api_key_id=api_key_id, action=action, target=target,
                       details=details, created_at=now)
    session.add(event)
    return event


def by_key(api_key: ApiKey | None) -> dict[str, Any]:
    """``actor`` and ``api_key_id`` for an action taken with ``api_key`` (None: the system),
    named as in moderation events."""
    if api_key is None:
        return {"actor": SYSTEM_ACTOR, "api_key_id": None}
    return {"actor": f"key:{api_key.name}", "api_key_id": api_key.id}


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    next_cursor: str | None


def audit_log(session: Session, *, action: str | None, since: datetime | None,
              until: datetime | None, cursor: str | None, limit: int,
              actor: str | None = None) -> AuditPage:
    """The log newest first, optionally of one action, one actor and a time range
    [since, until)."""
    query = select(AuditEvent)
    if actor is not None:
        query = query.where(AuditEvent.actor == actor)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    if until is not None:
        query = query.where(AuditEvent.created_at < until)
    if cursor:
        query = query.where(tuple_(AuditEvent.created_at, AuditEvent.id)
                            < decode_time_cursor(cursor))
    events = list(session.scalars(
        query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit + 1)))
    return AuditPage(*one_page(events, limit, lambda e: (e.created_at.isoformat(), e.id)))
