"""Intake benchmark: POST a 330-character German comment at fixed rates, side by side with Isso.

Each server runs as deployed on one machine: gunicorn with ``--workers`` sync worker
processes (2 by default), started as a subprocess on a fresh database of its own and
stopped after. All of them are started together and measured **side by side**: each rate
runs for every server in turn, so that the host's swings (a 2-core VM's speed moves by
half within minutes) fall on all of them alike instead of on whichever ran in a slow patch;
the servers not being measured sit idle.
Ours runs with the rate limiter on (limits set so high that no figure reaches them: the
limiter's cost is measured, not its refusals), counters in memory and, with ``--redis``, in
Redis on 127.0.0.1:6379 (``--redis-url``); no embedded worker (intake only); on SQLite and,
with ``--database-url``, on a fresh PostgreSQL database made on that server and dropped
after. ``--isso`` runs Isso 0.14 the same way (SQLite, its guard off, moderation on so that
comments wait like ours), installed with pip into a virtual environment kept under
``--cache`` on first use.

Load is open-loop, made here: requests are sent at their scheduled times whatever the
server does, each on a connection of its own when none is idle (gunicorn's sync workers
close every connection), and latency counts from the scheduled send time, so queueing in
the server shows up (no coordinated omission); the client's garbage collector is paused
during a run (``latency.steady_client``). Each rate of ``--rates`` runs ``--seconds``;
a rate is kept up when every request was answered with success, the answers kept pace
(answered within the run plus ``--drain-seconds``) and p99 stayed under ``--slo-ms``. A
rate not kept (at ``--at``: or with p99 at or over ``--at-p99-ms``) runs once more, for
every server alike (``--tries``; the last try counts). Each server goes up the rates until
one is not kept; each run (and the closed loop) starts once the server
answers at once again, so that what an earlier rate left queued does not count against
it. Reported per server: the highest rate kept, p50/p99 at ``--at`` per second (350), and
with ``--closed-loop`` the throughput of ``--connections`` clients sending back to back
and what a POST cost there in CPU (``cpu_use``): the server's processes, the database's
(every PostgreSQL and Redis process on the machine), and the whole machine's but the load
generator's, which compares servers better than a p99 on a shared host.

    .venv/bin/python bench/intake.py --isso --redis \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    nice .venv/bin/python bench/intake.py --rates 20,40 --seconds 2 --at 40   # smoke test

Loopback only (plus pip, once, for Isso); bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cpu_use  # noqa: E402  (bench/ is on the path)
from latency import percentile, steady_client  # noqa: E402
from loopback import HOST, answers, free_port, stop, wait_until  # noqa: E402
from machine import describe  # noqa: E402  (bench/ is on the path)
from scratch_db import drop_postgres, make_postgres  # noqa: E402

from moderation import migrate  # noqa: E402

ISSO_VERSION = "0.14.0"
PG_DATABASE = "moderation_bench_intake"
# 330 characters of German, umlauts and ß included; a counter goes in front of it so that
# no two comments are the same text (ours would hold duplicates for review).
COMMENT = (
    "Ich finde den Artikel über die Verkehrswende in München gelungen, aber die Pendler "
    "aus dem Umland dürfen nicht vergessen werden. Für viele ist das Auto keine Wahl, "
    "sondern Notwendigkeit, weil Busse nur stündlich fahren. Größere Park-and-Ride-Plätze "
    "und eine dichtere Taktung wären ein Anfang. Grüße aus Dachau, danke für die Mühe!")
assert len(COMMENT) == 330, len(COMMENT)
HIGH_LIMIT = "100000000/minute"  # never reached: the limiter runs, refuses nobody
DEFAULT_RATES = (200, 250, 300, 350, 400, 450, 500, 600, 700, 800, 1000)


# --- servers ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Server:
    """A running server: where to POST and which answers mean "accepted"."""

    name: str
    port: int
    make_request: Callable[[int], bytes]
    accepted: frozenset[int]
    pid: int  # gunicorn's master


def _post(port: int, path: str, payload: dict[str, object]) -> bytes:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\n\r\n").encode() + body


def _comment(number: int) -> str:
    return f"{number}: {COMMENT}"[:330]


@contextmanager
def gunicorn(name: str, command: list[str], env: dict[str, str], folder: Path, port: int,
             ready_path: str) -> Iterator[int]:
    """``command`` (gunicorn) started, answering ``ready_path``; stopped at the end. Yields
    its process id."""
    log = folder / f"{name}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until(lambda: answers(port, ready_path), [process], 60, name, log)
        yield process.pid
    finally:
        stop([process])


@contextmanager
def ours(database_url: str, folder: Path, workers: int, limit_storage: str,
         label: str) -> Iterator[Server]:
    """Our service under gunicorn as docker-compose.yml runs it, the limiter on."""
    port = free_port()
    env = {**os.environ, "MODERATION_DATABASE_URL": database_url,
           "MODERATION_INSTANCE_PATH": str(folder), "MODERATION_EMBEDDED_WORKER": "0",
           "MODERATION_RATE_LIMITS": "1", "MODERATION_RATE_LIMIT_STORAGE_URL": limit_storage,
           "PROMETHEUS_MULTIPROC_DIR": str(folder / f"metrics-{port}"),
           **{f"MODERATION_LIMIT_{name}": HIGH_LIMIT for name in (
               "COMMENTS_PER_ADDRESS", "COMMENTS_PER_EMAIL", "COMMENTS_PER_ARTICLE",
               "READS_PER_ADDRESS")}}
    command = [sys.executable, "-m", "gunicorn", "-c", "python:moderation.gunicorn_config",
               "--bind", f"{HOST}:{port}", "--workers", str(workers), "--backlog", "2048",
               "--log-level", "warning", "moderation:create_app()"]
    path = "/v1/articles/verkehrswende-muenchen/comments"

    def request(number: int) -> bytes:
        return _post(port, path, {"author_name": "Jürgen Müller", "body": _comment(number),
                                  "author_email": f"leser{number}@example.de"})

    with gunicorn(label, command, env, folder, port, "/healthz") as pid:
        yield Server(label, port, request, frozenset({202}), pid)


def isso_python(cache: Path) -> Path:
    """Isso's interpreter: a virtual environment under ``cache``, made with pip on first use."""
    venv = cache / f"isso-{ISSO_VERSION}"
    python = venv / "bin" / "python"
    if not (venv / ".installed").exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                        f"isso=={ISSO_VERSION}", "gunicorn", "setuptools<81"], check=True)
        (venv / ".installed").touch()
    return python


@contextmanager
def isso(cache: Path, folder: Path, workers: int) -> Iterator[Server]:
    """Isso under gunicorn on its own SQLite file, the guard off."""
    port = free_port()
    settings = folder / "isso.cfg"
    settings.write_text(
        f"[general]\ndbpath = {folder / 'isso.db'}\nhost = http://{HOST}:{port}/\n"
        "[moderation]\nenabled = true\n"
        "[guard]\nenabled = false\n")
    python = isso_python(cache)
    env = {**os.environ, "ISSO_SETTINGS": str(settings)}
    command = [str(python), "-m", "gunicorn", "--bind", f"{HOST}:{port}", "--workers",
               str(workers), "--backlog", "2048", "--log-level", "warning",
               "isso.run:application"]

    def request(number: int) -> bytes:
        # The title goes with the comment: Isso would fetch it from the page otherwise.
        return _post(port, "/new?uri=%2Fverkehrswende-muenchen", {
            "author": "Jürgen Müller", "email": f"leser{number}@example.de",
            "text": _comment(number), "title": "Verkehrswende in München"})

    with gunicorn("isso", command, env, folder, port, "/config") as pid:
        yield Server("Isso", port, request, frozenset({201, 202}), pid)


# --- load -------------------------------------------------------------------------------------

@dataclass
class Run:
    rate: float | None  # None: closed loop
    seconds: float
    sent: int
    failed: int
    late: int  # not answered by the end of the drain time
    latencies_ms: list[float]
    # Closed loop: CPU per answered POST in ms (``cpu_use.Usage.per_request_ms``).
    cpu_ms: dict[str, float] | None = None
    # Open loop: each answered request's scheduled time, in seconds from the start.
    scheduled_s: list[float] = field(default_factory=list)

    def slow_windows(self, slower_ms: float, window_s: float = 0.1) -> int:
        """How many ``window_s`` windows of the run (by scheduled time) had an answer slower
        than ``slower_ms``: a few episodes of falling behind, or slowness all along."""
        return len({int(at / window_s) for at, latency
                    in zip(self.scheduled_s, self.latencies_ms, strict=True)
                    if latency > slower_ms})

    def percentile(self, p: float) -> float:
        return percentile(self.latencies_ms, p)

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def kept_up(self, slo_ms: float) -> bool:
        return self.failed == 0 and self.late == 0 and self.percentile(99) < slo_ms

    def line(self) -> str:
        load = "closed loop" if self.rate is None else f"{self.rate:6.0f}/s"
        line = (f"{load:>12}: {self.throughput:7.1f} answered/s  p50 {self.percentile(50):7.1f}"
                f" ms  p99 {self.percentile(99):7.1f} ms  failed {self.failed}  late {self.late}")
        if self.cpu_ms is not None:
            line += "  CPU/POST " + "  ".join(f"{part} {ms:.2f} ms"
                                              for part, ms in self.cpu_ms.items())
        return line


async def _send(port: int, raw: bytes) -> int:
    """One request on a connection of its own; the status (0: no answer)."""
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
    except OSError:
        return 0
    try:
        writer.write(raw)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), None)
        if length is None:
            await reader.read()
        else:
            await reader.readexactly(length)
        return status
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
        return 0
    finally:
        writer.close()


async def open_loop(server: Server, rate: float, seconds: float, drain: float,
                    numbers: Iterator[int]) -> Run:
    """Send at ``rate`` per second for ``seconds``, each at its scheduled time."""
    latencies: list[float] = []
    scheduled_s: list[float] = []
    failed = 0
    start = time.perf_counter()
    count = int(rate * seconds)

    async def one(scheduled: float, raw: bytes) -> None:
        nonlocal failed
        status = await _send(server.port, raw)
        if status in server.accepted:
            latencies.append((time.perf_counter() - scheduled) * 1000)
            scheduled_s.append(scheduled - start)
        else:
            failed += 1

    tasks = []
    for index in range(count):
        scheduled = start + index / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled, server.make_request(next(numbers)))))
    _done, pending = await asyncio.wait(tasks, timeout=max(0.1, start + seconds + drain
                                                           - time.perf_counter()))
    for task in pending:
        task.cancel()
    return Run(rate, seconds, count, failed, len(pending), latencies,
               scheduled_s=scheduled_s)


async def closed_loop(server: Server, connections: int, seconds: float,
                      numbers: Iterator[int]) -> Run:
    """``connections`` clients, each sending its next request when the last is answered."""
    latencies: list[float] = []
    failed = sent = 0
    start = time.perf_counter()

    async def client() -> None:
        nonlocal failed, sent
        while time.perf_counter() - start < seconds:
            sent += 1
            began = time.perf_counter()
            status = await _send(server.port, server.make_request(next(numbers)))
            if status in server.accepted:
                latencies.append((time.perf_counter() - began) * 1000)
            else:
                failed += 1

    await asyncio.gather(*(client() for _ in range(connections)))
    return Run(None, time.perf_counter() - start, sent, failed, 0, latencies)


# --- what one server is asked -----------------------------------------------------------------

@dataclass
class Figures:
    name: str
    runs: list[Run]
    highest_kept: float | None
    at: Run | None
    closed: Run | None


def idle(server: Server, within: float = 0.05, most_seconds: float = 120.0) -> None:
    """Wait until the server answers a request at once: requests a rate it could not keep
    left in its queue would otherwise count against the next run."""
    deadline = time.monotonic() + most_seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        if answers(server.port, "/") and time.monotonic() - started < within:
            return
        time.sleep(0.5)
    raise RuntimeError(f"{server.name} stayed busy for {most_seconds:.0f} s")


def measure(servers: list[Server], args: argparse.Namespace, numbers: Iterator[int]
            ) -> list[Figures]:
    """Every server up the rates side by side: each rate runs for each server in turn, and a
    server leaves the ladder at its first rate not kept. The host's swings (on a shared
    2-core machine a server's rate moves by half from one run to the next) then fall on
    every server alike, within seconds, instead of on whichever ran in a slow patch."""
    for server in servers:  # warm-up, not counted: each worker has run every statement
        asyncio.run(open_loop(server, min(100.0, args.rates[0]), 3.0, args.drain_seconds,
                              numbers))
    runs: dict[str, list[Run]] = {server.name: [] for server in servers}
    highest: dict[str, float] = {}
    at: dict[str, Run] = {}
    climbing = list(servers)
    for rate in args.rates:
        for server in list(climbing):
            run = _tried(server, rate, args, numbers, runs[server.name])
            if rate == args.at:
                at[server.name] = run
            if run.kept_up(args.slo_ms):
                highest[server.name] = rate
            else:
                climbing.remove(server)
        if not climbing:
            break
    for server in servers:
        if server.name not in at:
            at[server.name] = _tried(server, args.at, args, numbers, runs[server.name])
    closed: dict[str, Run] = {}
    for server in servers if args.closed_loop else []:
        idle(server)
        with steady_client():
            before = cpu_use.usage(server.pid)
            run = asyncio.run(closed_loop(server, args.connections, args.seconds, numbers))
            run.cpu_ms = (cpu_use.usage(server.pid) - before).per_request_ms(
                len(run.latencies_ms) + run.failed)
        closed[server.name] = run
        print(f"  {server.name}: {run.line()}  ({args.connections} connections)", flush=True)
    return [Figures(server.name, runs[server.name], highest.get(server.name),
                    at[server.name], closed.get(server.name)) for server in servers]


def _tried(server: Server, rate: float, args: argparse.Namespace, numbers: Iterator[int],
           runs: list[Run]) -> Run:
    """``rate`` for ``--tries`` at most, until a try is good: kept up, and at ``--at`` with
    p99 under ``--at-p99-ms`` too. The same rule for every server: on a small shared host one
    stall of a few hundred ms decides a 10 s row's p99."""
    for attempt in range(1, args.tries + 1):
        idle(server)
        with steady_client():
            run = asyncio.run(open_loop(server, rate, args.seconds, args.drain_seconds, numbers))
        runs.append(run)
        good = run.kept_up(args.slo_ms) and (
            rate != args.at or run.percentile(99) < args.at_p99_ms)
        verdict = "kept up" if run.kept_up(args.slo_ms) else "NOT kept up"
        slow = run.slow_windows(args.at_p99_ms)
        print(f"  {server.name}: {run.line()}  {verdict} (try {attempt}); {slow} of "
              f"{int(args.seconds * 10)} 100 ms windows with an answer over "
              f"{args.at_p99_ms:.0f} ms", flush=True)
        if good:
            break
    return run


@contextmanager
def postgres_database(server_url: str, name: str) -> Iterator[str]:
    """A fresh database ``name`` on the server of ``server_url``, dropped at the end."""
    url = make_postgres(server_url, name)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        drop_postgres(server_url, name)


def sqlite_database(folder: Path, name: str) -> str:
    url = f"sqlite:///{folder / name}.db"
    migrate.upgrade(url)
    return url


def servers(args: argparse.Namespace, folder: Path) -> Iterator[Callable[[], object]]:
    """Each server to measure, as a context manager factory (all run at once, each on a
    database of its own)."""
    storages = [("memory", "memory://")]
    if args.redis:
        storages.append(("Redis", args.redis_url))
    for kind, storage in storages if args.sqlite else []:
        yield lambda kind=kind, storage=storage: ours(
            sqlite_database(folder, f"ours-{kind}"), folder, args.workers, storage,
            f"ours, SQLite, limiter in {kind}")
    if args.database_url:
        for kind, storage in storages:
            yield lambda kind=kind, storage=storage: _ours_on_postgres(args, folder, kind,
                                                                      storage)
    if args.isso:
        yield lambda: isso(args.cache, folder, args.workers)


@contextmanager
def _ours_on_postgres(args: argparse.Namespace, folder: Path, kind: str,
                      storage: str) -> Iterator[Server]:
    with postgres_database(args.database_url, f"{PG_DATABASE}_{kind.lower()}") as url, \
            ours(url, folder, args.workers, storage,
                 f"ours, PostgreSQL, limiter in {kind}") as server:
        yield server


def report(figures: list[Figures], args: argparse.Namespace) -> None:
    print(f"\n## Intake: POST a 330-character German comment (gunicorn, {args.workers} sync "
          f"workers, open loop)\n")
    print(f"Kept up: every request answered with success, within the run + "
          f"{args.drain_seconds:g} s, p99 < {args.slo_ms:g} ms; {args.seconds:g} s per rate; "
          f"a rate not kept up (at {args.at:g}/s: or p99 ≥ {args.at_p99_ms:g} ms) runs again, "
          f"{args.tries} tries at most, and the last try counts.\n")
    closed = (f" | closed loop, {args.connections} connections | CPU per POST: server / "
              "database / machine without the client" if args.closed_loop else "")
    print(f"| server | highest rate kept up | p50 at {args.at:g}/s | p99 at {args.at:g}/s"
          f"{closed} |")
    print("|---|---|---|---|" + ("---|---|" if args.closed_loop else ""))
    for figure in figures:
        at = figure.at
        row = (f"| {figure.name} | {_rate(figure.highest_kept)} | "
               f"{at.percentile(50):.1f} ms | {at.percentile(99):.1f} ms"
               + ("" if at.kept_up(args.slo_ms) else " (not kept up)"))
        if figure.closed is not None:
            cpu = figure.closed.cpu_ms or {}
            row += (f" | {figure.closed.throughput:.0f} req/s, "
                    f"p99 {figure.closed.percentile(99):.1f} ms | "
                    + " / ".join(f"{ms:.2f}" for ms in cpu.values()) + " ms")
        print(row + " |")
    isso_figure = next((f for f in figures if f.name == "Isso"), None)
    if isso_figure is not None and isso_figure.highest_kept:
        print()
        for figure in figures:
            if figure is not isso_figure and figure.highest_kept:
                print(f"- {figure.name}: {figure.highest_kept / isso_figure.highest_kept:.2f}× "
                      f"Isso's highest rate kept up")
    print(f"\nMachine: {describe('gunicorn', 'sqlalchemy', 'flask-limiter', 'limits')}")
    if args.isso:
        print(f"Isso {ISSO_VERSION} from PyPI in {args.cache}, SQLite, guard off, moderation on")


def _rate(rate: float | None) -> str:
    return f"{rate:g}/s" if rate else "none of the rates"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server: also measure on it "
                        "(a fresh database is made there and dropped)")
    parser.add_argument("--sqlite", action=argparse.BooleanOptionalAction, default=True,
                        help="measure ours on SQLite (--no-sqlite: PostgreSQL only)")
    parser.add_argument("--redis", action="store_true",
                        help="also measure with the limiter's counters in Redis")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--isso", action="store_true", help=f"also measure Isso {ISSO_VERSION}")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "moderation-bench-cache",
                        help="where Isso's virtual environment is kept between runs")
    parser.add_argument("--rates", type=lambda v: [float(r) for r in v.split(",")],
                        default=list(DEFAULT_RATES), help="comma-separated, ascending")
    parser.add_argument("--at", type=float, default=350.0,
                        help="the rate whose p50/p99 are reported (run if not in --rates)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--drain-seconds", type=float, default=2.0)
    parser.add_argument("--slo-ms", type=float, default=100.0)
    parser.add_argument("--tries", type=int, default=2,
                        help="runs of a rate at most, until one is good (1: no second try)")
    parser.add_argument("--at-p99-ms", type=float, default=20.0,
                        help="p99 that makes a try at --at good (the issue's goal)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--closed-loop", action="store_true")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)

    numbers = iter(range(10**9))
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp, ExitStack() as running:
        started = [running.enter_context(start())  # type: ignore[arg-type]
                   for start in servers(args, Path(tmp))]
        figures = measure(started, args, numbers)
    report(figures, args)


if __name__ == "__main__":
    main()
