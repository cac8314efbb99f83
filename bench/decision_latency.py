"""Decision latency: from submitting a comment to its decision, and on to its webhook.

As deployed, with the shipped compact-de scorer (``MODERATION_SCORER=compact``) and the
service's default poll interval (1 s, the fallback behind the wake-ups):

- SQLite: ``moderation serve`` (waitress, workers in-process) on a fresh file;
- PostgreSQL: ``moderation serve`` without its workers plus a separate ``moderation worker``
  process, on a fresh database (made, and dropped afterwards).

One webhook endpoint, subscribed to the decision events, points at a receiver on loopback
(its own process, 204 at once, arrival noted per comment). Comments are posted open-loop at
``--rate`` per second for ``--seconds``, each on a new connection, as a reader's browser
would. Per comment:

- submit → decision: the decision's time (the worker's clock in the transaction that
  records it, from its moderation event) − the moment the POST was sent;
- decision → webhook: the arrival at the receiver − the decision's time.

    .venv/bin/python bench/decision_latency.py [--databases sqlite,postgresql] [--seconds 60]

Prints the settings, the figures and the machine they ran on. Loopback only; bounded in time.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sized
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench.latency import percentile  # noqa: E402
from bench.loopback import HOST, Receiver, answers, free_port, stop, wait_until  # noqa: E402
from bench.machine import describe  # noqa: E402
from bench.scale_out import post_comment, subscribe  # noqa: E402
from bench.scratch_db import drop_postgres, fresh_database  # noqa: E402
from moderation import migrate  # noqa: E402
from moderation.db import Database  # noqa: E402
from moderation.domain import CommentStatus  # noqa: E402
from moderation.models import Comment, ModerationEvent  # noqa: E402

ARTICLE = "entscheidung-bench"
PG_DATABASE = "moderation_bench_decisions"
WARM_UP = 3
# Readers' comments of several lengths, mostly harmless, some rude: decisions of every kind.
BODIES = [
    "Danke für den Überblick! Grüße aus Köln.",
    "Spannender Artikel – ich hätte mir aber mehr Zahlen zur Größe der Modelle gewünscht. "
    "Wie viel Strom braucht so ein Rechenzentrum eigentlich im Jahr, und wer bezahlt das "
    "am Ende? Vielleicht ein Thema für einen Folgeartikel, gern mit Grafiken.",
    "Ich sehe das anders: die Digitalisierung der Ämter scheitert nicht am Geld, sondern an "
    "Zuständigkeiten. Jede Behörde baut ihr eigenes Portal, keines spricht mit dem anderen, "
    "und am Ende druckt man doch wieder alles aus und schickt es per Post. Das müsste der "
    "Bund endlich einheitlich regeln.",
    "So ein dummer Artikel, schlecht recherchiert und einseitig.",
    "Halt die Klappe, du Idiot, niemand will deine Meinung lesen.",
    "Könnt ihr bitte auch über Datenschutz und die DSGVO schreiben? Das betrifft uns alle.",
]


# --- the service --------------------------------------------------------------------------

def moderation(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """``moderation <command>`` from this checkout, its output into ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", "from moderation.cli import main; main()", *command],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


@contextmanager
def service(kind: str, database_url: str, folder: Path, poll_seconds: float
            ) -> Iterator[int]:
    """The service as deployed for ``kind``; yields the API's port."""
    port = free_port()
    separate_worker = kind == "postgresql"
    env = {**os.environ, "MODERATION_DATABASE_URL": database_url,
           "MODERATION_INSTANCE_PATH": str(folder), "MODERATION_SCORER": "compact",
           "MODERATION_RATE_LIMITS": "0", "MODERATION_WEBHOOK_ALLOWED_HOSTS": HOST,
           "MODERATION_WORKER_POLL_SECONDS": str(poll_seconds),
           "MODERATION_EMBEDDED_WORKER": "0" if separate_worker else "1"}
    log = folder / "service.log"
    processes = [moderation(["serve", "--port", str(port)], env, log)]
    if separate_worker:
        processes.append(moderation(["worker"], env, log))
    try:
        wait_until(lambda: answers(port), processes, 60, "the service", log)
        yield port
    finally:
        stop(processes, 60)


# --- load ---------------------------------------------------------------------------------

def post(port: int, number: int) -> tuple[float, str]:
    """Post one comment on a new connection: (the wall-clock time it was sent, its id)."""
    sent, _answered, public_id = post_comment(
        port, f"{BODIES[number % len(BODIES)]} ({secrets.token_hex(3)})", ARTICLE, timeout=30)
    return sent, public_id


def post_at_rate(port: int, rate: float, seconds: float) -> dict[str, float]:
    """Comments scheduled at ``rate`` per second for ``seconds``: when each was sent."""
    count = round(rate * seconds)
    start = time.monotonic()
    sent: dict[str, float] = {}
    lock = threading.Lock()

    def one(number: int) -> None:
        at, public_id = post(port, number)
        with lock:
            sent[public_id] = at

    with ThreadPoolExecutor(max_workers=8) as pool:
        for number in range(count):
            time.sleep(max(0.0, start + number / rate - time.monotonic()))
            pool.submit(one, number)
    return sent


def decisions_of(database_url: str, public_ids: set[str]) -> dict[str, tuple[float, str]]:
    """The decided ones of these comments: (the decision's wall-clock time, its status)."""
    decided = (select(Comment.public_id, ModerationEvent.created_at, ModerationEvent.to_status)
               .join(ModerationEvent, ModerationEvent.comment_id == Comment.id)
               .where(ModerationEvent.from_status == CommentStatus.PENDING)
               .order_by(ModerationEvent.id))
    with Database(database_url) as database, database.transaction() as session:
        rows = session.execute(decided).all()
    first: dict[str, tuple[float, str]] = {}
    for public_id, at, status in rows:
        if public_id in public_ids and public_id not in first:
            first[public_id] = (_utc(at).timestamp(), status.value)
    return first


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def wait_for(count: int, found: Callable[[], Sized], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while len(found()) < count and time.monotonic() < deadline:
        time.sleep(0.5)


def arrived(receiver: Receiver, into: dict[str, float]) -> dict[str, float]:
    """Add what reached the receiver since the last call (comment id → wall-clock time)."""
    into.update({arrival.comment_id: arrival.wall for arrival in receiver.take()})
    return into


# --- report -------------------------------------------------------------------------------

def figures(label: str, values_ms: list[float]) -> str:
    return (f"{label:<26} n {len(values_ms):4}  p50 {percentile(values_ms, 50):7.1f} ms  "
            f"p95 {percentile(values_ms, 95):7.1f} ms  p99 {percentile(values_ms, 99):7.1f} ms"
            f"  max {max(values_ms, default=0.0):7.1f} ms")


def run(kind: str, args: argparse.Namespace, receiver: Receiver) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        url = fresh_database(kind, folder, args.pg_url, PG_DATABASE)
        try:
            migrate.upgrade(url)
            with service(kind, url, folder, args.poll_seconds) as port:
                subscribe(url, port, receiver.url)
                warm = {post(port, number)[1] for number in range(WARM_UP)}
                wait_for(WARM_UP, lambda: decisions_of(url, warm))  # the scorer is loaded
                wait_for(WARM_UP, lambda: arrived(receiver, {}))
                sent = post_at_rate(port, args.rate, args.seconds)
                wait_for(len(sent), lambda: decisions_of(url, set(sent)))
                decided = decisions_of(url, set(sent))
                arrivals: dict[str, float] = {}
                wait_for(len(decided), lambda: arrived(receiver, arrivals))
        finally:
            if kind == "postgresql":
                drop_postgres(args.pg_url, PG_DATABASE)
    shape = "serve (workers in-process)" if kind == "sqlite" else "serve + worker process"
    outcomes: dict[str, int] = {}
    for _at, status in decided.values():
        outcomes[status] = outcomes.get(status, 0) + 1
    print(f"[{kind}] {shape}: {len(sent)} posted, {len(decided)} decided "
          f"({', '.join(f'{s} {n}' for s, n in sorted(outcomes.items()))}), "
          f"{len(arrivals)} webhooks arrived")
    print(figures("submit → decision", [(decided[c][0] - sent[c]) * 1000 for c in decided]))
    print(figures("decision → webhook", [(arrivals[c] - decided[c][0]) * 1000
                                         for c in arrivals if c in decided]))
    print(figures("submit → webhook", [(arrivals[c] - sent[c]) * 1000
                                       for c in arrivals if c in sent]))
    print(f"load average after: {os.getloadavg()[0]:.2f}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rate", type=float, default=5.0, help="comments per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--poll-seconds", type=float, default=1.0,
                        help="MODERATION_WORKER_POLL_SECONDS (the service's default)")
    args = parser.parse_args()

    print(f"machine: {describe('sqlalchemy', 'psycopg', 'waitress')}")
    print(f"load: {args.rate:g} comments/s for {args.seconds:g} s, open loop, a new connection "
          f"each; scorer compact-de; poll interval {args.poll_seconds:g} s; one webhook "
          f"endpoint on a loopback receiver\n")
    receiver = Receiver()
    try:
        for kind in args.databases.split(","):
            run(kind, args, receiver)
    finally:
        receiver.close()


if __name__ == "__main__":
    main()
