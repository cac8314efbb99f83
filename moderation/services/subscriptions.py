"""Which webhook endpoints are enabled, as this process last read them: intake writes the
outbox of every comment, and reading the endpoints for each one cost a query per POST.

The list is read again when it is older than ``FRESH_SECONDS``, and dropped at once when
this process changes an endpoint (when the change is flushed, and again when it commits).
So an endpoint subscribed or changed in another process hears the events from at most
``FRESH_SECONDS`` later; one switched off or deleted there gets no delivery even from a
stale list: deliveries are inserted only for endpoints still enabled (``webhooks.emit``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import event, select
from sqlalchemy.orm import Mapper, Session, object_session

from moderation.models import WebhookEndpoint

FRESH_SECONDS = 1.0


@dataclass(frozen=True)
class Subscriber:
    endpoint_id: int
    event_types: frozenset[str]  # empty: every event

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


_lock = threading.Lock()
_read: dict[str, tuple[float, tuple[Subscriber, ...]]] = {}


def enabled_subscribers(session: Session) -> tuple[Subscriber, ...]:
    """The enabled endpoints, from the cache while it is fresh."""
    database = session.get_bind().engine.url.render_as_string(hide_password=True)
    with _lock:
        cached = _read.get(database)
    if cached is not None and time.monotonic() - cached[0] < FRESH_SECONDS:
        return cached[1]
    started = time.monotonic()
    rows = session.execute(select(WebhookEndpoint.id, WebhookEndpoint.event_types)
                           .where(WebhookEndpoint.enabled.is_(True))
                           .order_by(WebhookEndpoint.id)).all()
    subscribers = tuple(Subscriber(id_, frozenset(types or ())) for id_, types in rows)
    with _lock:
        _read[database] = (started, subscribers)
    return subscribers


def forget_subscribers() -> None:
    """Read the endpoints again on the next event."""
    with _lock:
        _read.clear()


@event.listens_for(WebhookEndpoint, "after_insert")
@event.listens_for(WebhookEndpoint, "after_update")
@event.listens_for(WebhookEndpoint, "after_delete")
def _endpoint_changed(_mapper: Mapper, _connection: object, endpoint: WebhookEndpoint) -> None:
    # Dropped now and again after the commit: a request of this process that read the
    # list in between saw the change not yet committed.
    forget_subscribers()
    session = object_session(endpoint)
    if session is not None:
        event.listen(session, "after_commit", _forget_on_commit, once=True)


def _forget_on_commit(_session: Session) -> None:
    forget_subscribers()
