"""SQLite writers side by side: one and then several processes POST comments back to back,
in-process (Flask's test client, rate limits off), into one fresh SQLite file; prints each
setting's POSTs per second and latency percentiles. Shows what the writers' queue
(``moderation/sqlite_writers.py``) is for: without it, a second process added next to
nothing, its writers napping in SQLite's busy handler.

    .venv/bin/python bench/sqlite_writers.py [--processes 1,2] [--seconds 8] [--without-queue]

``--without-queue`` measures the service as it was before the queue (SQLite's own busy
handler and checkpoints), for comparison.

Local files only; bounded in time.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from latency import percentile  # noqa: E402
from machine import describe  # noqa: E402  (bench/ is on the path)

from moderation import migrate  # noqa: E402

BODY = ("Ich finde den Artikel über die Verkehrswende in München gelungen, aber die Pendler "
        "aus dem Umland dürfen nicht vergessen werden. Für viele ist das Auto keine Wahl.")


def post_for(number: int, seconds: float, folder: str, queue: bool,
             results: multiprocessing.Queue) -> None:
    """One process: POST for ``seconds``, then hand back each POST's latency."""
    if not queue:
        from moderation import db

        db.queue_writers = lambda *_args: None  # SQLite's busy handler, as before
    os.environ.update({"MODERATION_DATABASE_URL": f"sqlite:///{folder}/bench.db",
                       "MODERATION_INSTANCE_PATH": folder, "MODERATION_EMBEDDED_WORKER": "0",
                       "MODERATION_RATE_LIMITS": "0"})
    logging.disable(logging.INFO)  # no access log lines
    from moderation import create_app

    client = create_app().test_client()
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        sent = len(latencies)
        started = time.perf_counter()
        answer = client.post("/v1/articles/verkehrswende/comments", json={
            "author_name": "Jürgen Müller", "body": f"{number}-{sent} {BODY}",
            "author_email": f"leser{number}-{sent}@example.de"},
            environ_base={"REMOTE_ADDR": f"203.0.{number}.7"})
        assert answer.status_code == 202, answer.get_data(as_text=True)
        latencies.append((time.perf_counter() - started) * 1000)
    results.put(latencies)


def run(processes: int, seconds: float, queue: bool) -> str:
    with tempfile.TemporaryDirectory() as folder:
        migrate.upgrade(f"sqlite:///{folder}/bench.db")
        results: multiprocessing.Queue = multiprocessing.Queue()
        workers = [multiprocessing.Process(target=post_for,
                                           args=(n, seconds, folder, queue, results))
                   for n in range(processes)]
        for worker in workers:
            worker.start()
        latencies = sorted(value for _ in workers for value in results.get())
        for worker in workers:
            worker.join()
    return (f"{processes} process(es): {len(latencies) / seconds:6.0f} POSTs/s  "
            f"p50 {percentile(latencies, 50):5.2f}  p90 {percentile(latencies, 90):5.2f}  "
            f"p99 {percentile(latencies, 99):6.2f}  worst {latencies[-1]:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", default="1,2",
                        type=lambda value: [int(n) for n in value.split(",")])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--without-queue", action="store_true")
    args = parser.parse_args()
    print(f"Machine: {describe('sqlalchemy', 'flask')}")
    print("writers " + ("in SQLite's busy handler (no queue)" if args.without_queue
                        else "queued (moderation/sqlite_writers.py)") + "\n")
    for processes in args.processes:
        print(run(processes, args.seconds, not args.without_queue), flush=True)


if __name__ == "__main__":
    main()
