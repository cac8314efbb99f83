"""Scale-out: several API processes and several worker processes on one database, one
worker killed midway; every comment must be decided exactly once and every webhook arrive.

The deployment of docker-compose.yml, on one machine: gunicorn with ``--api-processes``
sync workers (``-c python:moderation.gunicorn_config``, its metrics folder set) and
``--workers`` separate ``moderation worker`` processes, all on a fresh PostgreSQL database
(made, and dropped afterwards), the shipped compact-de scorer, rate limits off. One webhook
endpoint for the decision events points at a receiver on loopback (its own process, 204 at
once, every arrival noted by ``webhook-id``). ``--comments`` comments are posted open-loop at
``--rate`` per second, each on a new connection; when ``--kill-at`` of them have been sent
one worker gets SIGKILL: what it had claimed waits for its lease
(``--lease-seconds``, MODERATION_JOB_LEASE_SECONDS) and is then done by another.

Checked at the end (exit 1 if any fails): every comment has exactly one automatic decision
(one moderation event from ``pending``), none is still pending, every webhook delivery of
the endpoint succeeded and its ``webhook-id`` reached the receiver (repeats are allowed
after a kill and counted). Reported: the POST rate kept and POST latency from the scheduled
send time, decisions per second, submit → decision and decision → webhook latency, and the
machine.

    .venv/bin/python bench/scale_out.py [--comments 20000] [--rate 100] [--workers 2]

Loopback only; bounded in time (``--settle-seconds`` after the last POST).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.latency import percentile  # noqa: E402
from bench.loopback import HOST, Receiver, answers, free_port, stop, wait_until  # noqa: E402
from bench.machine import describe  # noqa: E402
from bench.scratch_db import drop_postgres, make_postgres  # noqa: E402
from moderation import migrate  # noqa: E402
from moderation.db import Database  # noqa: E402
from moderation.domain import CommentStatus, Role  # noqa: E402
from moderation.models import (  # noqa: E402
    Comment,
    ModerationEvent,
    WebhookDelivery,
    WebhookMessage,
    WorkerHeartbeat,
)
from moderation.services import keys  # noqa: E402

ARTICLE = "skalierung-bench"
PG_DATABASE = "moderation_bench_scale_out"
DECISION_EVENTS = ["comment.approved", "comment.rejected", "comment.review_requested"]
BODIES = [
    "Danke für den Überblick! Grüße aus Köln.",
    "Spannender Artikel – ich hätte mir aber mehr Zahlen zur Größe der Rechenzentren "
    "gewünscht. Wer bezahlt den Strom am Ende? Vielleicht ein Thema für einen Folgeartikel.",
    "So ein dummer Artikel, schlecht recherchiert und einseitig.",
    "Halt die Klappe, du Idiot, niemand will deine Meinung lesen.",
    "Könnt ihr bitte auch über Datenschutz und die DSGVO schreiben? Das betrifft uns alle.",
]


# --- the service: gunicorn and the worker processes ------------------------------------------

@dataclass
class Cluster:
    api_port: int
    workers: list[subprocess.Popen]
    log: Path


@contextmanager
def cluster(database_url: str, folder: Path, *, api_processes: int, workers: int,
            lease_seconds: int) -> Iterator[Cluster]:
    """gunicorn with ``api_processes`` workers and ``workers`` worker processes, started and
    ready (the API answers, every worker's scorer is loaded); stopped at the end."""
    port = free_port()
    env = {**os.environ, "MODERATION_DATABASE_URL": database_url,
           "MODERATION_INSTANCE_PATH": str(folder), "MODERATION_SCORER": "compact",
           "MODERATION_RATE_LIMITS": "0", "MODERATION_WEBHOOK_ALLOWED_HOSTS": HOST,
           "MODERATION_EMBEDDED_WORKER": "0",
           "MODERATION_JOB_LEASE_SECONDS": str(lease_seconds)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    # gunicorn's processes only, as in docker-compose.yml: gunicorn empties it at start.
    api_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics")}
    log = folder / "service.log"
    with log.open("ab") as out:
        api = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:moderation.gunicorn_config",
             "--bind", f"{HOST}:{port}", "--workers", str(api_processes), "--backlog", "2048",
             "moderation:create_app()"],
            cwd=ROOT, env=api_env, stdout=out, stderr=subprocess.STDOUT)
        processes = [subprocess.Popen(
            [sys.executable, "-c", "from moderation.cli import main; main()", "worker"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT) for _ in range(workers)]
    everything = [api, *processes]
    try:
        wait_until(lambda: answers(port) and _scorers_ready(database_url) >= workers,
                   everything, 120, "the service", log, pause=0.3)
        yield Cluster(port, processes, log)
    finally:
        stop(everything, 60)


def _scorers_ready(database_url: str) -> int:
    with Database(database_url) as database, database.session(read_only=True) as session:
        return session.scalar(select(func.count()).select_from(WorkerHeartbeat)
                              .where(WorkerHeartbeat.scorer_state == "ready")) or 0


def subscribe(database_url: str, port: int, receiver_url: str) -> None:
    """An admin key, and with it one endpoint for the decision events."""
    with Database(database_url) as database, database.transaction() as session:
        secret = keys.create_key(session, "bench", Role.ADMIN, datetime.now(UTC)).secret
    request = urllib.request.Request(
        f"http://{HOST}:{port}/v1/webhooks", method="POST",
        data=json.dumps({"url": receiver_url, "event_types": DECISION_EVENTS}).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - http only
        assert response.status == 201, response.status


# --- load ------------------------------------------------------------------------------------

@dataclass
class Posted:
    """Wall-clock times of the POSTs by comment id, and how many were refused or failed."""

    scheduled: dict[str, float] = field(default_factory=dict)
    sent: dict[str, float] = field(default_factory=dict)
    answered: dict[str, float] = field(default_factory=dict)
    failures: Counter[str] = field(default_factory=Counter)
    started: float = 0.0
    finished: float = 0.0


def post_comment(port: int, text: str, article: str = ARTICLE,
                 timeout: float = 60) -> tuple[float, float, str]:
    """One comment on a new connection: (sent, answered, its id), wall-clock times."""
    body = json.dumps({"author_name": "Jürgen Müller", "body": text},
                      ensure_ascii=False).encode()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        sent = time.time()
        connection.request("POST", f"/v1/articles/{article}/comments", body=body,
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        answer = json.loads(response.read())
        if response.status != 202:
            raise RuntimeError(f"{response.status} {answer.get('code')}")
        return sent, time.time(), answer["id"]
    finally:
        connection.close()


def post_at_rate(port: int, count: int, rate: float, kill_after: int,
                 kill: threading.Event) -> Posted:
    """``count`` comments scheduled at ``rate`` per second; ``kill`` is set once
    ``kill_after`` have been sent."""
    posted = Posted()
    lock = threading.Lock()

    def one(number: int, scheduled: float) -> None:
        try:
            sent, answered, public_id = post_comment(
                port, f"{BODIES[number % len(BODIES)]} ({secrets.token_hex(4)})")
        except (OSError, RuntimeError) as error:
            with lock:
                posted.failures[str(error)[:80]] += 1
            return
        with lock:
            posted.scheduled[public_id] = scheduled
            posted.sent[public_id] = sent
            posted.answered[public_id] = answered

    posted.started = time.time()
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=32) as pool:
        for number in range(count):
            time.sleep(max(0.0, start + number / rate - time.monotonic()))
            if number == kill_after:
                kill.set()
            pool.submit(one, number, posted.started + number / rate)
    posted.finished = time.time()
    return posted


# --- what the database and the receiver say --------------------------------------------------

@dataclass
class Outcome:
    decisions_per_comment: Counter[int]  # comment id -> automatic decisions
    decided_at: dict[str, float]  # public id -> the (first) automatic decision's time
    statuses: Counter[str]
    still_pending: int
    deliveries: dict[str, str]  # webhook-id -> delivery status
    delivery_of_comment: dict[str, str]  # webhook-id -> public id of the comment


def outcome(database_url: str) -> Outcome:
    with Database(database_url) as database, database.session(read_only=True) as session:
        events = session.execute(
            select(Comment.id, Comment.public_id, ModerationEvent.created_at,
                   ModerationEvent.to_status)
            .join(ModerationEvent, ModerationEvent.comment_id == Comment.id)
            .where(ModerationEvent.from_status == CommentStatus.PENDING)
            .order_by(ModerationEvent.id)).all()
        pending = session.scalar(select(func.count()).select_from(Comment)
                                 .where(Comment.status == CommentStatus.PENDING)) or 0
        comments = session.execute(select(Comment.id, Comment.public_id)).all()
        deliveries = session.execute(
            select(WebhookDelivery.public_id, WebhookDelivery.status,
                   WebhookDelivery.message_id)).all()
        message_comment = dict(session.execute(
            select(WebhookMessage.id, WebhookMessage.comment_id)).all())
    per_comment: Counter[int] = Counter({comment_id: 0 for comment_id, _ in comments})
    public_of = dict(comments)
    decided_at: dict[str, float] = {}
    statuses: Counter[str] = Counter()
    for comment_id, public_id, at, status in events:
        per_comment[comment_id] += 1
        if public_id not in decided_at:
            moment = at if at.tzinfo else at.replace(tzinfo=UTC)
            decided_at[public_id] = moment.timestamp()
            statuses[status.value] += 1
    return Outcome(
        per_comment, decided_at, statuses, pending,
        {webhook_id: status for webhook_id, status, _ in deliveries},
        {webhook_id: public_of.get(message_comment.get(message_id), "")
         for webhook_id, _, message_id in deliveries})


def settled(result: Outcome, received: set[str], posted: int) -> bool:
    return (len(result.decided_at) >= posted and result.still_pending == 0
            and all(status != "pending" for status in result.deliveries.values())
            and set(result.deliveries) <= received)


# --- the run ---------------------------------------------------------------------------------

@dataclass
class Report:
    posted: Posted
    outcome: Outcome
    arrivals: list[tuple[str, float]]
    killed_pid: int
    settle_seconds: float

    @property
    def received(self) -> Counter[str]:
        return Counter(webhook_id for webhook_id, _ in self.arrivals)

    @property
    def decided_more_than_once(self) -> int:
        return sum(1 for n in self.outcome.decisions_per_comment.values() if n > 1)

    @property
    def undecided(self) -> int:
        return sum(1 for n in self.outcome.decisions_per_comment.values() if n == 0)

    @property
    def missing_webhooks(self) -> int:
        return len(set(self.outcome.deliveries) - set(self.received))

    @property
    def failed_deliveries(self) -> int:
        return sum(1 for s in self.outcome.deliveries.values() if s != "succeeded")

    @property
    def passed(self) -> bool:
        return (not self.posted.failures and self.decided_more_than_once == 0
                and self.undecided == 0 and self.outcome.still_pending == 0
                and len(self.outcome.decisions_per_comment) == len(self.posted.sent)
                and len(self.outcome.deliveries) == len(self.posted.sent)
                and self.missing_webhooks == 0 and self.failed_deliveries == 0)


def run(database_url: str, *, comments: int, rate: float, api_processes: int = 2,
        workers: int = 2, kill_at: float = 0.5, lease_seconds: int = 10,
        settle_seconds: float = 120) -> Report:
    """Everything above on a migrated, empty database at ``database_url``."""
    migrate.upgrade(database_url)
    with tempfile.TemporaryDirectory() as name, Receiver() as receiver, \
            cluster(database_url, Path(name), api_processes=api_processes, workers=workers,
                    lease_seconds=lease_seconds) as service:
        subscribe(database_url, service.api_port, receiver.url)
        kill = threading.Event()
        victim = service.workers[0]

        def kill_midway() -> None:
            kill.wait()
            victim.send_signal(signal.SIGKILL)

        killer = threading.Thread(target=kill_midway, name="killer", daemon=True)
        killer.start()
        posted = post_at_rate(service.api_port, comments, rate,
                              min(comments - 1, int(comments * kill_at)), kill)
        killer.join(timeout=5)
        started = time.monotonic()
        arrived: list[tuple[str, float]] = []
        while True:
            result = outcome(database_url)
            arrived += [(a.webhook_id, a.wall) for a in receiver.take()]
            received = {webhook_id for webhook_id, _ in arrived}
            if settled(result, received, len(posted.sent)) or (
                    time.monotonic() - started > settle_seconds):
                break
            time.sleep(0.5)
        arrived += [(a.webhook_id, a.wall) for a in receiver.take()]
        return Report(posted, result, arrived, victim.pid, time.monotonic() - started)


def figures(label: str, values_ms: list[float]) -> str:
    return (f"{label:<28} n {len(values_ms):6}  p50 {percentile(values_ms, 50):8.1f} ms  "
            f"p95 {percentile(values_ms, 95):8.1f} ms  p99 {percentile(values_ms, 99):8.1f} ms"
            f"  max {max(values_ms, default=0.0):8.1f} ms")


def describe_report(report: Report, rate: float) -> str:
    posted, result = report.posted, report.outcome
    sent = posted.sent
    planned = len(sent) / rate
    took = posted.finished - posted.started
    last_decision = max(result.decided_at.values(), default=posted.started)
    first_arrival: dict[str, float] = {}
    for webhook_id, at in report.arrivals:
        first_arrival.setdefault(webhook_id, at)
    webhook_delay = [(at - result.decided_at[result.delivery_of_comment[webhook_id]]) * 1000
                     for webhook_id, at in first_arrival.items()
                     if result.delivery_of_comment.get(webhook_id) in result.decided_at]
    repeats = sum(n - 1 for n in report.received.values())
    outcomes = ", ".join(f"{status} {n}" for status, n in sorted(result.statuses.items()))
    lines = [
        f"posted: {len(sent)} of {len(sent) + sum(posted.failures.values())} accepted "
        f"in {took:.1f} s (planned {planned:.1f} s): {len(sent) / took:.1f}/s"
        + (f"; failures: {dict(posted.failures)}" if posted.failures else ""),
        f"worker pid {report.killed_pid} killed (SIGKILL) midway",
        f"decided: {len(result.decided_at)} ({outcomes}); "
        f"more than once: {report.decided_more_than_once}; never: {report.undecided}; "
        f"still pending: {result.still_pending}",
        f"throughput: {len(result.decided_at) / max(last_decision - posted.started, 1e-9):.1f} "
        f"decisions/s from the first POST to the last decision; settled "
        f"{report.settle_seconds:.1f} s after the last POST",
        f"webhooks: {len(result.deliveries)} deliveries, {report.failed_deliveries} not "
        f"succeeded, {report.missing_webhooks} webhook-ids never arrived, {repeats} arrived "
        f"again (repeats after the kill)",
        figures("POST (from scheduled send)",
                [(posted.answered[c] - posted.scheduled[c]) * 1000 for c in sent]),
        figures("submit → decision", [(result.decided_at[c] - sent[c]) * 1000
                                      for c in sent if c in result.decided_at]),
        figures("decision → webhook", webhook_delay),
        f"verdict: {'PASS' if report.passed else 'FAIL'}",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=20000)
    parser.add_argument("--rate", type=float, default=100.0, help="comments per second")
    parser.add_argument("--api-processes", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--workers", type=int, default=2, help="moderation worker processes")
    parser.add_argument("--kill-at", type=float, default=0.5,
                        help="share of the comments sent when one worker is killed")
    parser.add_argument("--lease-seconds", type=int, default=10,
                        help="MODERATION_JOB_LEASE_SECONDS (the service's default: 120)")
    parser.add_argument("--settle-seconds", type=float, default=300,
                        help="how long to wait for the last decisions and webhooks")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    print(f"machine: {describe('sqlalchemy', 'psycopg', 'gunicorn')}")
    print(f"shape: gunicorn with {args.api_processes} sync workers, {args.workers} `moderation "
          f"worker` processes, one PostgreSQL; scorer compact-de; rate limits off; lease "
          f"{args.lease_seconds} s; one webhook endpoint on a loopback receiver")
    print(f"load: {args.comments} comments at {args.rate:g}/s, open loop, a new connection "
          f"each; one worker killed after {args.kill_at:.0%} of them\n")
    url = make_postgres(args.pg_url, PG_DATABASE)
    try:
        report = run(url, comments=args.comments, rate=args.rate,
                     api_processes=args.api_processes, workers=args.workers,
                     kill_at=args.kill_at, lease_seconds=args.lease_seconds,
                     settle_seconds=args.settle_seconds)
    finally:
        drop_postgres(args.pg_url, PG_DATABASE)
    print(describe_report(report, args.rate))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
