"""Factories that write a reader's records straight into the database, for service tests of
privacy and retention that must not depend on how the records came about; and readers of
what the service recorded."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.db import Database
from moderation.domain import CommentStatus, Resolution
from moderation.models import (
    Appeal,
    Base,
    Comment,
    ModerationEvent,
    Report,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from moderation.services.articles import get_or_create_article
from moderation.tokens import hash_token

ARTICLE_KEY = "ki-im-alltag"


def add_comment(session: Session, now: datetime, *, body: str = "Schöner Artikel!",
                author_name: str = "Jürgen Müller", author_email: str | None = None,
                token: str | None = None, status: CommentStatus = CommentStatus.APPROVED,
                parent: Comment | None = None, reason: str | None = None,
                details: dict[str, Any] | None = None, public_id: str | None = None,
                article_key: str = ARTICLE_KEY, **fields: Any) -> Comment:
    """A comment with the event that gave it its status."""
    comment = Comment(
        public_id=public_id or secrets.token_urlsafe(16),
        article=get_or_create_article(session, article_key, now),
        parent_id=parent.id if parent else None,
        root_id=(parent.root_id or parent.id) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        author_name=author_name, author_email=author_email,
        author_token_hash=hash_token(token or secrets.token_urlsafe(24)), body=body,
        status=status, status_reason_code="editor_decision", status_reason=reason,
        created_at=now, updated_at=now,
        rejected_at=now if status is CommentStatus.REJECTED else None, **fields)
    session.add(comment)
    session.flush()
    session.add(ModerationEvent(comment_id=comment.id, actor="key:anna", from_status=None,
                                to_status=status, reason_code="editor_decision",
                                reason=reason, details=details, created_at=now))
    session.flush()
    return comment


def new_comment(session: Session, now: datetime, *, body: str = "Schöner Artikel!",
                article_key: str = ARTICLE_KEY, **fields: Any) -> Comment:
    """A comment as intake has it before it is received: transient, its columns set."""
    article = get_or_create_article(session, article_key, now)
    return Comment(public_id=secrets.token_urlsafe(16), article=article, article_id=article.id,
                   depth=0, author_name="Jürgen Müller",
                   author_token_hash=hash_token(secrets.token_urlsafe(24)), body=body,
                   created_at=now, updated_at=now, **fields)


def add_appeal(session: Session, comment: Comment, now: datetime, *,
               explanation: str = "Das war doch sachlich.",
               status: str = Resolution.OPEN.value) -> Appeal:
    appeal = Appeal(public_id=secrets.token_urlsafe(16), comment_id=comment.id,
                    explanation=explanation, rejected_by="key:anna", status=status,
                    created_at=now)
    session.add(appeal)
    session.flush()
    return appeal


def add_report(session: Session, comment: Comment, now: datetime, *,
               explanation: str = "Beleidigend.", reporter_name: str | None = None,
               reporter_email: str | None = None, **fields: Any) -> Report:
    report = Report(public_id=secrets.token_urlsafe(16), comment_id=comment.id,
                    category="hate", explanation=explanation, reporter_name=reporter_name,
                    reporter_email=reporter_email, good_faith=True,
                    token_hash=hash_token(secrets.token_urlsafe(24)),
                    status=Resolution.OPEN.value, created_at=now, **fields)
    session.add(report)
    session.flush()
    return report


def add_endpoint(session: Session, now: datetime) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(public_id=f"ep_{secrets.token_urlsafe(12)}",
                               url="https://cms.example.de/hooks", event_types=[],
                               secret="whsec_test", enabled=True, created_at=now,
                               updated_at=now)
    session.add(endpoint)
    session.flush()
    return endpoint


def add_delivery(session: Session, endpoint: WebhookEndpoint, now: datetime, *,
                 data: dict[str, Any], comment: Comment | None = None,
                 status: str = "succeeded", response: str | None = None,
                 attempted_at: datetime | None = None) -> WebhookDelivery:
    """A message to ``endpoint`` with one delivery and, unless pending, one attempt."""
    message = WebhookMessage(event_type="comment.approved", comment_id=comment.id if comment
                             else None, created_at=now,
                             payload={"type": "comment.approved", "timestamp": now.isoformat(),
                                      "data": data})
    session.add(message)
    session.flush()
    delivery = WebhookDelivery(public_id=f"msg_{secrets.token_urlsafe(12)}",
                               message_id=message.id, endpoint_id=endpoint.id, status=status,
                               attempts=0 if status == "pending" else 1, created_at=now,
                               updated_at=now)
    session.add(delivery)
    session.flush()
    if status != "pending":
        session.add(WebhookAttempt(delivery_id=delivery.id, attempted_at=attempted_at or now,
                                   status_code=200, latency_ms=3.0, response_excerpt=response))
        session.flush()
    return delivery


def comment_by_id(session: Session, public_id: str) -> Comment:
    return session.scalars(select(Comment).where(Comment.public_id == public_id)).one()


def tables_mentioning(session: Session, *needles: str) -> list[tuple[str, str]]:
    """Every (table, needle) where a row of any table holds ``needle`` (case-insensitively)
    in any column, JSON documents included."""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            text = json.dumps(list(row), ensure_ascii=False, default=str).casefold()
            found.extend((table.name, needle) for needle in needles
                         if needle.casefold() in text)
    return found


def webhook_data(database: Database, event_type: str) -> list[dict[str, Any]]:
    """The ``data`` of every outbox message of ``event_type``, oldest first."""
    with database.transaction() as session:
        return [message.payload["data"] for message in session.scalars(
            select(WebhookMessage).where(WebhookMessage.event_type == event_type)
            .order_by(WebhookMessage.id))]
