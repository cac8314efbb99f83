"""HTTP benchmark: posting a comment and listing an article's approved comments.

Starts the API under gunicorn against a fresh SQLite file and a fresh PostgreSQL database,
fills one article with 200 approved comments (50 threads of a comment and 3 replies), and
drives each endpoint from this process over loopback:

- closed loop: ``--connections`` clients send back to back for ``--seconds``: the most the
  server sustains (requests/s), with latency percentiles at that load;
- open loop: requests scheduled at a fixed ``--rate``; latency counts from the scheduled
  send time, so a stalled server cannot hide its queueing (no coordinated omission).

    .venv/bin/python bench/http_api.py [--databases sqlite,postgresql] [--seconds 10]

Prints the figures and the machine they ran on. Loopback only; bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from latency import percentile  # noqa: E402
from loopback import HOST, answers, free_port, stop, wait_until  # noqa: E402
from machine import describe  # noqa: E402  (bench/ is on the path)
from scratch_db import fresh_database  # noqa: E402

from moderation import migrate  # noqa: E402
from moderation.config import Config  # noqa: E402
from moderation.db import Database  # noqa: E402
from moderation.domain import CommentStatus, Reason  # noqa: E402
from moderation.services import decisions  # noqa: E402
from moderation.services.comments import NewComment, submit_comment  # noqa: E402
from moderation.statements import PublisherTerms  # noqa: E402

ARTICLE = "ki-im-alltag"
BODIES = [
    "Spannender Artikel – danke für die Übersicht! Grüße aus München.",
    "Ich sehe das anders: die Größe des Modells ist nicht alles. 🤔",
    "Könnt ihr einen Folgeartikel über Datenschutz und DSGVO schreiben?",
    "Sehr gut erklärt, auch für Nicht-Informatiker verständlich.",
]


# --- fixtures ---------------------------------------------------------------------------------

def seed_thread(database_url: str, threads: int = 50, replies: int = 3) -> int:
    """One article with ``threads`` approved comments, each with ``replies`` approved replies."""
    database = Database(database_url)
    now = datetime.now(UTC) - timedelta(days=1)
    count = 0
    with database.transaction() as session:
        for t in range(threads):
            parent = None
            for r in range(replies + 1):
                now += timedelta(seconds=7)
                body = f"{BODIES[(t + r) % len(BODIES)]} (#{t}.{r})"
                new = NewComment(author_name=f"Leser {t}", body=body,
                                 parent_id=parent.public_id if parent else None)
                comment = submit_comment(session, ARTICLE, new, now,
                                         terms=PublisherTerms.of(Config())).comment
                approval = decisions.Change(CommentStatus.APPROVED, Reason.EDITOR_DECISION)
                decisions.apply(comment, approval, decisions.AUTOMATION, now)
                session.flush()
                parent = parent or comment
                count += 1
    database.dispose()
    return count


# --- server -----------------------------------------------------------------------------------

# One client address would hit the per-address limits at once: --rate-limits keeps the
# limiter in the path (memory storage) with limits no figure reaches, to measure its cost.
UNREACHABLE_LIMITS = {f"MODERATION_LIMIT_{name}": "100000000/minute" for name in (
    "COMMENTS_PER_ADDRESS", "COMMENTS_PER_EMAIL", "COMMENTS_PER_ARTICLE", "READS_PER_ADDRESS")}


def start_server(workers: int, port: int, settings: dict[str, str],
                 stderr: int | None = None) -> subprocess.Popen:
    """gunicorn with ``workers`` sync workers on ``port`` as docker-compose.yml runs it
    (its config, metrics of every process in a folder of their own), ``settings`` added to
    its environment, answering /healthz."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    metrics = tempfile.mkdtemp(prefix="moderation-bench-metrics-")
    atexit.register(shutil.rmtree, metrics, ignore_errors=True)  # gone with the bench
    server = subprocess.Popen(
        [str(gunicorn), "-c", "python:moderation.gunicorn_config", "--workers", str(workers),
         "--bind", f"{HOST}:{port}", "--log-level", "warning", "moderation:create_app()"],
        cwd=ROOT, env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": metrics, **settings},
        start_new_session=True, stderr=stderr)
    try:
        wait_until(lambda: answers(port), [server], 30, "the server")
    except RuntimeError:
        stop([server])
        raise
    return server


# --- load -------------------------------------------------------------------------------------

@dataclass
class Result:
    sent: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    def percentile(self, p: float) -> float:
        return percentile(self.latencies_ms, p)

    def row(self, label: str) -> str:
        return (f"{label:<44} {self.sent / self.seconds:>8.0f} req/s"
                f"  p50 {self.percentile(50):6.1f} ms  p99 {self.percentile(99):6.1f} ms"
                f"  errors {self.errors}")


class Connection:
    """A minimal HTTP/1.1 client that reconnects whenever the server closes."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        assert self.reader is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.writer.close()
            self.reader = self.writer = None
        return status


BROWSER_ENCODINGS = "gzip, deflate, br, zstd"  # what Chromium asks for


def get_request(port: int, path: str, etag: str | None = None, *,
                encodings: str | None = None) -> bytes:
    """``encodings``: the Accept-Encoding a browser sends, e.g. ``BROWSER_ENCODINGS``."""
    extra = f"If-None-Match: {etag}\r\n" if etag else ""
    extra += f"Accept-Encoding: {encodings}\r\n" if encodings else ""
    return f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n{extra}\r\n".encode()


def post_request(port: int, path: str) -> bytes:
    body = json.dumps({"author_name": "Jürgen Müller",
                       "body": f"{secrets.choice(BODIES)} {secrets.token_hex(4)}"},
                      ensure_ascii=False).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def drive(port: int, make_request, expected: int, seconds: float, connections: int,
                rate: float | None) -> Result:
    """Closed loop when ``rate`` is None, else requests scheduled at ``rate`` per second."""
    start = time.perf_counter()
    deadline = start + seconds
    latencies: list[float] = []
    errors = 0
    next_index = 0

    async def client() -> None:
        nonlocal errors, next_index
        connection = Connection(port)
        while True:
            if rate is None:
                scheduled = time.perf_counter()
            else:
                scheduled = start + next_index / rate
                next_index += 1
                await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            if scheduled >= deadline:
                return
            try:
                status = await connection.request(make_request())
            except (OSError, asyncio.IncompleteReadError):
                status, connection = 0, Connection(port)
            latencies.append((time.perf_counter() - scheduled) * 1000)
            errors += status != expected

    await asyncio.gather(*(client() for _ in range(connections)))
    return Result(len(latencies), errors, time.perf_counter() - start, latencies)


def scenario(port: int, name: str, seconds: float, connections: int,
             rate: float | None) -> Result:
    path = f"/v1/articles/{ARTICLE}/comments"
    if name == "post":
        return asyncio.run(drive(port, lambda: post_request(port, path), 202, seconds,
                                 connections, rate))
    listing = f"{path}?limit=50&order=oldest"
    if name == "list":
        return asyncio.run(drive(port, lambda: get_request(port, listing), 200, seconds,
                                 connections, rate))
    with urllib.request.urlopen(f"http://{HOST}:{port}{listing}") as response:
        etag = response.headers["ETag"]
    return asyncio.run(drive(port, lambda: get_request(port, listing, etag), 304, seconds,
                             connections, rate))


# --- report -----------------------------------------------------------------------------------



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--rates", default="350,500", help="open-loop rates for posting, req/s")
    parser.add_argument("--rate-limits", action="store_true",
                        help="keep the rate limiter in the path (limits set out of reach)")
    args = parser.parse_args()

    print(f"machine: {describe('sqlalchemy', 'psycopg', 'gunicorn')}")
    print(f"server: gunicorn {args.workers} sync workers; client: this process, "
          f"{args.connections} connections, {args.seconds:.0f} s per figure, rate limiter "
          f"{'on' if args.rate_limits else 'off'}\n")
    for kind in args.databases.split(","):
        with tempfile.TemporaryDirectory() as folder:
            url = fresh_database(kind, Path(folder), args.pg_url, "moderation_bench")
            migrate.upgrade(url)
            seeded = seed_thread(url)
            port = free_port()
            server = start_server(args.workers, port, {
                "MODERATION_DATABASE_URL": url, "MODERATION_EMBEDDED_WORKER": "0",
                "MODERATION_RATE_LIMITS": str(int(args.rate_limits)), **UNREACHABLE_LIMITS})
            try:
                print(f"[{kind}] article with {seeded} approved comments (50 threads)")
                print(scenario(port, "list", args.seconds, args.connections, None).row(
                    "GET list, 200 comments (closed loop)"))
                print(scenario(port, "etag", args.seconds, args.connections, None).row(
                    "GET list, If-None-Match → 304 (closed loop)"))
                print(scenario(port, "post", args.seconds, args.connections, None).row(
                    "POST comment (closed loop)"))
                for rate in (float(r) for r in args.rates.split(",") if r):
                    result = scenario(port, "post", args.seconds, 64, rate)
                    print(result.row(f"POST comment at {rate:.0f}/s (open loop)"))
                print()
            finally:
                stop([server])


if __name__ == "__main__":
    main()
