"""Prometheus metrics: what every process counts, and what a scrape reads from the database.

Counters and histograms live in this process (or, where ``PROMETHEUS_MULTIPROC_DIR`` is
set, as under gunicorn, in files every process of the host writes and a scrape adds up).
The queues, the scorer's workers and the disabled webhook endpoints are read from the
database when scraped, with indexed queries, never per request. Every label takes a
bounded set of values: route templates (never a path with keys or ids), statuses, outcomes,
model versions, limit names.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, SessionTransaction

from moderation.clock import Clock
from moderation.db import Database
from moderation.domain import CommentStatus
from moderation.models import Comment, Job, WebhookEndpoint, WorkerHeartbeat
from moderation.services.status import WORKER_SILENCE

# Not a *_created series beside every counter: half the series, nothing our alerts read.
disable_created_metrics()
CONTENT_TYPE = CONTENT_TYPE_LATEST
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400)

http_requests = Counter("moderation_http_requests", "HTTP requests answered, by route "
                        "template and status.", ["method", "route", "status"])
http_duration = Histogram("moderation_http_request_duration_seconds", "Time to answer an "
                          "HTTP request, by route template.", ["method", "route"],
                          buckets=LATENCY_BUCKETS)
comments_received = Counter("moderation_comments_received", "Comments taken in.")
comments_decided = Counter("moderation_comments_decided", "Status changes of comments after "
                           "intake, by the status they came to and who decided "
                           "(automatic, editor, author).", ["status", "actor"])
scoring_duration = Histogram("moderation_scoring_duration_seconds", "Time to score one "
                             "batch, by model version.", ["model"], buckets=LATENCY_BUCKETS)
scoring_batch_size = Histogram("moderation_scoring_batch_size", "Comments per scored batch, "
                               "by model version.", ["model"],
                               buckets=(1, 2, 4, 8, 16, 32, 64, 128))
webhook_deliveries = Counter("moderation_webhook_deliveries", "Webhook delivery attempts, by "
                             "outcome (succeeded, retry, failed: given up).", ["outcome"])
webhook_lag = Histogram("moderation_webhook_delivery_lag_seconds", "From the event to its "
                        "successful delivery.", buckets=LAG_BUCKETS)
mails = Counter("moderation_mails", "Mail sending attempts, by kind and outcome (sent, "
                "retry, failed).", ["kind", "outcome"])
mail_lag = Histogram("moderation_mail_lag_seconds", "From the notification to the sent mail.",
                     buckets=LAG_BUCKETS)
rate_limited = Counter("moderation_rate_limited", "Requests refused by a rate limit, by the "
                       "limit's setting.", ["limit"])
pool_checked_out = Gauge("moderation_db_pool_checked_out", "Database connections in use, by "
                         "process kind.", ["process"], multiprocess_mode="livesum")
pool_size = Gauge("moderation_db_pool_size", "Connections the pools keep, by process kind.",
                  ["process"], multiprocess_mode="livesum")

_PENDING = "moderation_metrics_pending"
QUEUES = {"scoring": CommentStatus.PENDING, "review": CommentStatus.REVIEW}


def on_commit(session: Session, count: Callable[[], None]) -> None:
    """Count once the session's transaction commits: a rolled-back decision was none."""
    session.info.setdefault(_PENDING, []).append(count)


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    for count in session.info.pop(_PENDING, []):
        count()


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:
        session.info.pop(_PENDING, None)


def actor_of(decider_type: str) -> str:
    """The actor label from how webhooks name a decider: system is ``automatic``."""
    return "automatic" if decider_type == "system" else decider_type


def watch_pool(engine: Engine, process: str) -> None:
    """Keep the connection-pool gauges of ``process`` (api, worker) current: set from the
    pool's own count at every checkout and checkin (a count of events would drift with
    connections detached or invalidated, or checked out before it started)."""
    size = getattr(engine.pool, "size", None)
    if callable(size):
        pool_size.labels(process).set(size())
    in_use = pool_checked_out.labels(process)

    def checked_out(returning: int) -> None:
        count = getattr(engine.pool, "checkedout", None)  # the pool after a dispose
        if callable(count):
            in_use.set(max(0, count() - returning))

    # On the engine, so that the listeners follow it to the new pool after a dispose.
    event.listen(engine, "checkout", lambda *_: checked_out(0))
    event.listen(engine, "checkin", lambda *_: checked_out(1))  # not yet back in the pool


class DatabaseCollector(Collector):
    """What a scrape reads from the database: each a query on an index."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self.clock()
        with self.database.session(read_only=True) as session, session.begin():
            yield from _queues(session, now)
            yield from _workers(session, now)
            jobs = GaugeMetricFamily("moderation_jobs_waiting", "Background jobs waiting or "
                                     "running, by kind.", labels=["kind"])
            for kind, count in session.execute(
                    select(Job.kind, func.count(Job.id)).group_by(Job.kind)):
                jobs.add_metric([kind], count)
            yield jobs
            disabled = session.scalar(select(func.count(WebhookEndpoint.id))
                                      .where(WebhookEndpoint.enabled.is_(False)))
            yield GaugeMetricFamily("moderation_webhook_endpoints_disabled", "Webhook "
                                    "endpoints disabled after failing.", value=disabled or 0)


def _queues(session: Session, now: datetime) -> Iterator[GaugeMetricFamily]:
    depth = GaugeMetricFamily("moderation_queue_comments", "Comments waiting: to be scored "
                              "(scoring) or for an editor (review).", labels=["queue"])
    age = GaugeMetricFamily("moderation_queue_oldest_age_seconds", "How long the oldest "
                            "waiting comment waits (0: none waits).", labels=["queue"])
    found = dict(((status, (count, oldest)) for status, count, oldest in session.execute(
        select(Comment.status, func.count(), func.min(Comment.created_at))
        .where(Comment.status.in_(QUEUES.values())).group_by(Comment.status))))
    for queue, status in QUEUES.items():
        count, oldest = found.get(status, (0, None))
        depth.add_metric([queue], count)
        age.add_metric([queue], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
    yield depth
    yield age


def _workers(session: Session, now: datetime) -> Iterator[GaugeMetricFamily]:
    workers = GaugeMetricFamily("moderation_scoring_workers", "Scoring workers with a fresh "
                                "heartbeat, by the state of their scorer.", labels=["state"])
    states = dict.fromkeys(("ready", "loading", "unavailable"), 0)
    for state in session.scalars(select(WorkerHeartbeat.scorer_state)
                                 .where(WorkerHeartbeat.seen_at >= now - WORKER_SILENCE)):
        states[state] = states.get(state, 0) + 1
    for state, count in states.items():
        workers.add_metric([state], count)
    yield workers


def multiprocess_dir() -> str | None:
    """Where the processes of this host keep their metrics, when they share them."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def scrape(database: Database | None, clock: Clock) -> bytes:
    """The text a scrape reads: this process's (or every process's) metrics, and with a
    ``database`` the figures read from it."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Forward(REGISTRY))
    if database is not None:
        registry.register(DatabaseCollector(database, clock))
    return generate_latest(registry)


class _Forward(Collector):
    """The process's own metrics, inside a registry made for one scrape."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[object]:  # type: ignore[override]
        return self.registry.collect()


def serve_on_port(host: str, port: int) -> None:
    """Serve this process's metrics on ``host:port`` without a key (the worker has no HTTP
    server of its own): bind it where only the scraper reaches it."""
    if multiprocess_dir():
        registry = CollectorRegistry(auto_describe=False)
        multiprocess.MultiProcessCollector(registry)
        start_http_server(port, host, registry=registry)
    else:
        start_http_server(port, host)
