"""Webhook delivery benchmark: how fast the outbox drains, and how long a decision waits.

Against a fresh SQLite file and a fresh PostgreSQL database, with one subscribed endpoint on
a local receiver (its own process, answering 204 at once and noting the arrival time of
every ``webhook-id``):

- throughput: ``--decisions`` comments are approved, one transaction each (``decisions.apply``
  writes the ``comment.approved`` outbox row in the same transaction), then delivery workers
  call ``run_once()`` until nothing is due: deliveries/s for one worker, and for two workers
  as threads of one process and as two processes;
- delay: one ``DeliveryWorker.run_forever`` runs in a background thread with
  ``--poll-seconds`` between empty polls while comments are approved at ``--rate`` per
  second for ``--seconds``; the delay is receiver arrival − the moment the deciding
  transaction committed (p50/p99). The poll interval bounds it: a decision committed just
  after an empty poll waits a whole interval.

    .venv/bin/python bench/webhooks.py [--databases sqlite,postgresql] [--decisions 2000]

Prints the settings, the figures and the machine they ran on. Loopback only; bounded in time.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from latency import percentile  # noqa: E402
from loopback import HOST, Receiver  # noqa: E402
from machine import describe  # noqa: E402  (bench/ is on the path)
from scratch_db import drop_postgres, fresh_database  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from moderation import jobs, migrate  # noqa: E402
from moderation.config import Config  # noqa: E402
from moderation.db import Database  # noqa: E402
from moderation.domain import CommentStatus, Reason  # noqa: E402
from moderation.models import Comment, Job, WebhookDelivery  # noqa: E402
from moderation.services import decisions  # noqa: E402
from moderation.services.comments import NewComment, submit_comment  # noqa: E402
from moderation.services.webhooks import create_endpoint  # noqa: E402
from moderation.statements import PublisherTerms  # noqa: E402
from moderation.workers.delivery import DeliveryWorker  # noqa: E402

ARTICLE = "webhook-bench"
PG_DATABASE = "moderation_bench_webhooks"
EVENT = "comment.approved"


# --- an instrumented worker: the same code, with the time of each phase noted --------------

@dataclass
class Phases:
    batches: int = 0
    deliveries: int = 0
    claim: float = 0.0
    send: float = 0.0
    record: float = 0.0
    last_work_end: float = 0.0
    sent_at: dict[str, float] = field(default_factory=dict)  # webhook-id → send started


class TimedWorker(DeliveryWorker):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.phases = Phases()
        self._lock = threading.Lock()
        self._claimed_at = self._last_send_end = 0.0

    def _claim(self):  # type: ignore[no-untyped-def]
        started = time.monotonic()
        batch = super()._claim()
        self._claimed_at = time.monotonic()
        if batch:
            self.phases.claim += self._claimed_at - started
        return batch

    def _attempt(self, work):  # type: ignore[no-untyped-def]
        started = time.monotonic()
        response = super()._attempt(work)
        ended = time.monotonic()
        with self._lock:
            self.phases.sent_at[work.webhook_id] = started
            self._last_send_end = max(self._last_send_end, ended)
        return response

    def run_once(self) -> int:
        done = super().run_once()
        if done:
            ended = time.monotonic()
            self.phases.batches += 1
            self.phases.deliveries += done
            self.phases.send += self._last_send_end - self._claimed_at
            self.phases.record += ended - self._last_send_end
            self.phases.last_work_end = ended
        return done


def drain(worker: TimedWorker) -> None:
    while worker.run_once():
        pass


def drain_in_process(url: str, config: Config, start, results) -> None:  # type: ignore[no-untyped-def]
    """A worker process: ready, wait for the start signal, drain, report its phases."""
    database = Database(url)
    worker = TimedWorker(database, config)
    with database.session() as session:  # open the connection before the clock starts
        session.execute(text("SELECT 1"))
    results.put("ready")
    start.wait(60)
    drain(worker)
    worker.phases.sent_at = {}
    results.put(vars(worker.phases))  # a plain dict: __mp_main__ classes do not unpickle
    database.dispose()


# --- fixtures ---------------------------------------------------------------------------------

def pending_comments(database: Database, count: int) -> list[int]:
    """``count`` pending comments (submitting emits nothing: the endpoint wants approvals)."""
    ids = []
    for start in range(0, count, 500):
        with database.transaction() as session:
            made = [submit_comment(session, ARTICLE, NewComment(
                        author_name=f"Leser {i}", body=f"Kommentar Nummer {i}, grüße!"),
                        datetime.now(UTC), terms=PublisherTerms.of(Config())).comment
                    for i in range(start, min(count, start + 500))]
            session.flush()
            ids += [comment.id for comment in made]
        with database.transaction() as session:  # the scoring jobs are not ours to time
            session.execute(Job.__table__.delete().where(Job.kind == jobs.SCORE_COMMENT))
    return ids


def approve(database: Database, comment_id: int) -> tuple[str, float]:
    """One editor decision in its own transaction; returns the comment and the commit time."""
    with database.transaction() as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        approval = decisions.Change(CommentStatus.APPROVED, Reason.EDITOR_DECISION)
        decisions.apply(comment, approval, decisions.AUTOMATION, datetime.now(UTC))
        public_id = comment.public_id
    return public_id, time.monotonic()


def queue_left(database: Database) -> tuple[int, int]:
    """Delivery jobs still queued, deliveries not succeeded."""
    with database.session(read_only=True) as session:
        queued = session.scalar(select(func.count(Job.id))
                                .where(Job.kind == jobs.DELIVER_WEBHOOK)) or 0
        unsent = session.scalar(select(func.count(WebhookDelivery.id))
                                .where(WebhookDelivery.status != "succeeded")) or 0
    return queued, unsent


# --- scenarios --------------------------------------------------------------------------------

def throughput(url: str, database: Database, config: Config, receiver: Receiver,
               decisions: int, mode: str) -> str:
    ids = pending_comments(database, decisions)
    started = time.monotonic()
    for comment_id in ids:
        approve(database, comment_id)
    decided = time.monotonic() - started
    receiver.take()

    if mode == "1 worker":
        worker = TimedWorker(database, config)
        started = time.monotonic()
        drain(worker)
        all_phases = [worker.phases]
    elif mode == "2 worker threads":
        workers = [TimedWorker(database, config) for _ in range(2)]
        threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        all_phases = [w.phases for w in workers]
    else:
        context = multiprocessing.get_context("spawn")
        start, results = context.Event(), context.Queue()
        processes = [context.Process(target=drain_in_process, args=(url, config, start, results))
                     for _ in range(2)]
        for process in processes:
            process.start()
        for _ in processes:
            if results.get(timeout=60) != "ready":
                raise RuntimeError("a worker process did not start")
        started = time.monotonic()
        start.set()
        all_phases = [Phases(**results.get(timeout=120)) for _ in processes]
        for process in processes:
            process.join(30)

    ended = max(p.last_work_end for p in all_phases)
    delivered = sum(p.deliveries for p in all_phases)
    batches = sum(p.batches for p in all_phases)
    arrivals = receiver.take()
    unique = len({a.webhook_id for a in arrivals})
    queued, unsent = queue_left(database)
    seconds = ended - started
    claim, send, record = (sum(getattr(p, name) for p in all_phases) / batches * 1000
                           for name in ("claim", "send", "record"))
    return (f"  {mode:<18} {delivered / seconds:7.0f} deliveries/s  ({delivered} in "
            f"{seconds:.2f} s, {batches} batches; per batch: claim {claim:.1f} ms, "
            f"send {send:.1f} ms, record {record:.1f} ms)\n"
            f"  {'':<18} received {len(arrivals)} ({unique} distinct webhook-ids), "
            f"left queued {queued}, not succeeded {unsent}; the {decisions} decisions took "
            f"{decided:.1f} s ({decisions / decided:.0f}/s, one transaction each)")


def delay(database: Database, config: Config, receiver: Receiver, rate: float,
          seconds: float) -> str:
    count = int(rate * seconds)
    ids = pending_comments(database, count)
    receiver.take()
    worker = TimedWorker(database, config)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,), name="delivery-worker")
    thread.start()
    committed: dict[str, float] = {}
    late = 0
    try:
        time.sleep(2 * config.worker_poll_seconds)  # the worker's first empty poll
        started = time.monotonic()
        for index, comment_id in enumerate(ids):
            scheduled = started + index / rate
            pause = scheduled - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            else:
                late += pause < -0.01
            public_id, at = approve(database, comment_id)
            committed[public_id] = at
        decided = time.monotonic() - started
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and worker.phases.deliveries < count:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(60)
    arrivals = receiver.take()
    first = {}
    for arrival in arrivals:
        first.setdefault(arrival.webhook_id, arrival)
    delays = [(a.at - committed[a.comment_id]) * 1000 for a in first.values()]
    to_send = [(worker.phases.sent_at[a.webhook_id] - committed[a.comment_id]) * 1000
               for a in first.values() if a.webhook_id in worker.phases.sent_at]
    on_wire = [(a.at - worker.phases.sent_at[a.webhook_id]) * 1000
               for a in first.values() if a.webhook_id in worker.phases.sent_at]
    batches = worker.phases.batches
    return (f"  {count} decisions at {count / decided:.1f}/s ({late} more than 10 ms late), "
            f"{len(first)} delivered in {batches} batches "
            f"({worker.phases.deliveries / max(batches, 1):.1f} per batch)\n"
            f"  commit → arrival:     p50 {percentile(delays, 50):6.1f} ms  "
            f"p99 {percentile(delays, 99):6.1f} ms  max {max(delays, default=0):6.1f} ms\n"
            f"    commit → send start: p50 {percentile(to_send, 50):6.1f} ms  "
            f"p99 {percentile(to_send, 99):6.1f} ms  (waiting for a poll, then the claim)\n"
            f"    send → arrival:      p50 {percentile(on_wire, 50):6.1f} ms  "
            f"p99 {percentile(on_wire, 99):6.1f} ms  (SSRF check, signing, connect, POST)")


# --- report -----------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--decisions", type=int, default=2000, help="per throughput figure")
    parser.add_argument("--modes", default="1 worker,2 worker threads,2 worker processes",
                        help="throughput figures to run, comma-separated")
    parser.add_argument("--rate", type=float, default=50.0, help="decisions/s for the delay")
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of the delay run")
    parser.add_argument("--poll-seconds", type=float, default=0.05,
                        help="worker_poll_seconds for the delay run (the service's default: 1)")
    parser.add_argument("--batch-size", type=int, default=Config.worker_batch_size)
    parser.add_argument("--concurrency", type=int, default=Config.webhook_concurrency)
    args = parser.parse_args()

    print(f"machine: {describe('sqlalchemy', 'psycopg')}")
    print(f"settings: worker_batch_size {args.batch_size}, webhook_concurrency "
          f"{args.concurrency}, worker_poll_seconds {args.poll_seconds} (delay run; the "
          f"throughput runs never wait: run_once in a loop), one endpoint subscribed to "
          f"{EVENT}, receiver in its own process answering 204\n")
    receiver = Receiver()
    try:
        for kind in args.databases.split(","):
            with tempfile.TemporaryDirectory() as folder:
                url = fresh_database(kind, Path(folder), args.pg_url, PG_DATABASE)
                try:
                    migrate.upgrade(url)
                    config = Config(database_url=url, embedded_worker=False,
                                    webhook_allowed_hosts=frozenset({HOST}),
                                    worker_batch_size=args.batch_size,
                                    webhook_concurrency=args.concurrency,
                                    worker_poll_seconds=args.poll_seconds)
                    database = Database(url)
                    try:
                        with database.transaction() as session:
                            create_endpoint(session, url=receiver.url, event_types=[EVENT],
                                            description="bench", now=datetime.now(UTC),
                                            allowed_hosts=config.webhook_allowed_hosts)
                        print(f"[{kind}] throughput: {args.decisions} approvals queued, "
                              f"then drained")
                        for mode in (m.strip() for m in args.modes.split(",") if m.strip()):
                            print(throughput(url, database, config, receiver, args.decisions,
                                             mode), flush=True)
                        print(f"[{kind}] delay: approvals at {args.rate:.0f}/s for "
                              f"{args.seconds:.0f} s, one worker polling every "
                              f"{args.poll_seconds} s")
                        print(delay(database, config, receiver, args.rate, args.seconds))
                        print(flush=True)
                    finally:
                        database.dispose()
                finally:
                    if kind == "postgresql":
                        drop_postgres(args.pg_url, PG_DATABASE)
    finally:
        receiver.close()


if __name__ == "__main__":
    main()
