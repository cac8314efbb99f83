"""The public read path: GET of an article with 200 comments, cached, uncached and as a 304,
on a small site and on a big one.

For each database (a fresh SQLite file; PostgreSQL with ``--database-url``) it fills one
article with 200 approved comments (50 threads of a comment and 3 replies, through the
service), then for each number in ``--others`` adds that many more comments on 10,000 other
articles by SQL (one INSERT ... SELECT; on PostgreSQL with foreign-key triggers off for the
seed), gathers the planner's statistics as the service does after bulk changes (and on
PostgreSQL vacuums, as autovacuum would within a minute; ``--stale-statistics`` leaves them
as the seed left them: PostgreSQL then runs the replies query with parallel workers, ~7 ms
instead of 0.3)
and measures, against the real service under gunicorn (``--workers`` sync workers, the
read limit on, set out of reach: its cost counts, not its refusals), open loop at each
rate: requests scheduled at a fixed rate, latency from the scheduled send time (a stalled
server cannot hide its queue); the client's own garbage collector is paused during a row
(``latency.steady_client``: its stalls would count as the server's).

- ``warm``: the page cache on (``--cache-url``, default memory://), warmed first;
- ``cold``: the cache off (MODERATION_CACHE_URL=none): every page built from the rows;
- ``304``: ``If-None-Match`` with the current ETag.

Every request asks as a browser does (``Accept-Encoding: gzip, deflate, br, zstd``: the page
comes gzipped, about 7 KB instead of 61); ``--identity`` asks for the plain bytes.

Each row: the rate asked, the rate served (over the run and the backlog it left), p50/p99
latency, errors, whether it kept up (served ≥ 95 % of the rate asked, no errors, median
below 50 ms: no standing queue), the CPU spent per request (``cpu_use``: all gunicorn
processes; every PostgreSQL and Redis process; the whole machine but the load generator)
and the client's CPU share (near 100 %: the client, not the server, is the
limit).

    .venv/bin/python bench/read_path.py                            # SQLite, 0 and 1,000,000 others
    .venv/bin/python bench/read_path.py --database-url postgresql+psycopg://postgres@127.0.0.1/postgres
    .venv/bin/python bench/read_path.py --others 0,20000 --rates 200 --cold-rates 50 --seconds 2

Loopback only; bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cpu_use
from http_api import (
    ARTICLE,
    BROWSER_ENCODINGS,
    Connection,
    Result,
    get_request,
    seed_thread,
    start_server,
)
from latency import steady_client
from loopback import HOST, free_port, stop
from machine import describe
from scratch_db import drop_postgres, make_postgres
from sqlalchemy import bindparam, text

from moderation import migrate
from moderation.db import Database
from moderation.models import Comment

OTHER_ARTICLES = 10_000
PG_DATABASE = "moderation_bench_reads"  # made afresh, dropped afterwards
PAGE = f"/v1/articles/{ARTICLE}/comments"  # the widget's default: 50 threads, 3 replies each
KEPT_UP = 0.95  # of the rate asked, served over the run and its backlog
STANDING_QUEUE_MS = 50  # a median latency above this: requests wait in a queue

_ARTICLES = """
WITH RECURSIVE s(i) AS (SELECT CAST(:first AS INTEGER)
                        UNION ALL SELECT i + 1 FROM s WHERE i < :last)
INSERT INTO articles (id, key, title, comments_open, moderation_mode, public_revision,
                      created_at, updated_at)
SELECT i, 'anderer-artikel-' || i, 'Artikel ' || i, :yes, 'auto', 1, :at, :at FROM s"""
# Four in five top-level, every fifth a reply to the one before it, one in five rejected;
# five by five on each of the other articles in turn.
_COMMENTS = """
WITH RECURSIVE s(i) AS (SELECT CAST(:first AS INTEGER)
                        UNION ALL SELECT i + 1 FROM s WHERE i < :last)
INSERT INTO comments (id, public_id, article_id, parent_id, root_id, depth, author_name,
                      author_token_hash, body, status, status_reason_code, open_reports,
                      created_at, updated_at)
SELECT i, 'x' || i, :article + ((i - 1) / 5) % :articles,
       CASE WHEN i % 5 = 0 AND i > :first THEN i - 1 END,
       CASE WHEN i % 5 = 0 AND i > :first THEN i - 1 END,
       CASE WHEN i % 5 = 0 AND i > :first THEN 1 ELSE 0 END, 'Jürgen', :token,
       'Schöner Beitrag über Größe und Straßenbahnen, Grüße aus Köln!',
       CASE WHEN i % 5 = 1 THEN 'rejected' ELSE 'approved' END, 'policy.ok', 0, :at, :at
FROM s"""


def add_other_comments(url: str, total: int) -> float:
    """Bring the comments on other articles up to ``total``; seconds it took."""
    started = time.perf_counter()
    database = Database(url)
    with database.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        articles = connection.execute(text("SELECT max(id) FROM articles")).scalar()
        first_comment = connection.execute(text("SELECT max(id) FROM comments")).scalar()
        at = bindparam("at", type_=Comment.__table__.c.created_at.type)
        if articles < 2:  # ours is the only one: the others' articles first
            connection.execute(text(_ARTICLES).bindparams(at), {
                "first": articles + 1, "last": articles + OTHER_ARTICLES, "yes": True,
                "at": _seed_time()})
        already = connection.execute(text(
            "SELECT count(*) FROM comments JOIN articles ON articles.id = article_id "
            "WHERE articles.key <> :ours"), {"ours": ARTICLE}).scalar()
        if total > already:
            start = first_comment + 1
            connection.execute(text(_COMMENTS).bindparams(at), {
                "first": start, "last": start + total - already - 1, "article": 2,
                "articles": OTHER_ARTICLES, "token": "0" * 64, "at": _seed_time()})
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(  # later inserts take ids after the seeded ones
                "SELECT setval(pg_get_serial_sequence('articles', 'id'), "
                "(SELECT max(id) FROM articles)), "
                "setval(pg_get_serial_sequence('comments', 'id'), "
                "(SELECT max(id) FROM comments))")
    database.dispose()
    return time.perf_counter() - started


def _seed_time() -> datetime:
    return datetime.now(UTC) - timedelta(days=2)


async def open_loop(port: int, raw: bytes, expected: int, seconds: float, connections: int,
                    rate: float) -> Result:
    """Requests scheduled ``rate`` per second for ``seconds``, sent over ``connections``;
    latency from the scheduled time. ``Result.seconds`` runs to the last answer: a server
    that fell behind serves its backlog in it."""
    start = time.perf_counter()
    scheduled_count = int(seconds * rate)
    latencies: list[float] = []
    errors, next_index, last_answer = 0, 0, start

    async def client() -> None:
        nonlocal errors, next_index, last_answer
        connection = Connection(port)
        while next_index < scheduled_count:
            scheduled = start + next_index / rate
            next_index += 1
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            try:
                status = await connection.request(raw)
            except (OSError, asyncio.IncompleteReadError):
                status, connection = 0, Connection(port)
            last_answer = time.perf_counter()
            latencies.append((last_answer - scheduled) * 1000)
            errors += status != expected

    await asyncio.gather(*(client() for _ in range(connections)))
    return Result(len(latencies), errors, last_answer - start, latencies)


def measure(server: subprocess.Popen, port: int, label: str, rate: float, seconds: float,
            connections: int, etag: str | None, encodings: str | None) -> str:
    expected = 200 if etag is None else 304
    request = get_request(port, PAGE, etag, encodings=encodings)
    with steady_client():
        before = cpu_use.usage(server.pid)
        result = asyncio.run(open_loop(port, request, expected, seconds, connections, rate))
        used = cpu_use.usage(server.pid) - before
    served = result.sent / result.seconds
    cpu_ms = used.per_request_ms(result.sent)
    client_share = used.client / result.seconds * 100
    kept_up = (served >= KEPT_UP * rate and result.errors == 0
               and result.percentile(50) < STANDING_QUEUE_MS)
    return (f"{label:<6} {rate:>6.0f}/s  served {served:>6.0f}/s  "
            f"p50 {result.percentile(50):7.1f} ms  p99 {result.percentile(99):7.1f} ms  "
            f"errors {result.errors:>4}  {'kept up' if kept_up else 'FELL BEHIND':<11}  "
            f"server CPU {cpu_ms['server']:5.2f} ms/req  database {cpu_ms['database']:4.2f}"
            f"  machine {cpu_ms['machine']:4.2f}  client CPU {client_share:3.0f} %")


def current_page(port: int, encodings: str | None) -> tuple[str, int]:
    """The page's ETag and its size in bytes, as asked with ``encodings``."""
    asked = urllib.request.Request(f"http://{HOST}:{port}{PAGE}",
                                   headers={"Accept-Encoding": encodings} if encodings else {})
    with urllib.request.urlopen(asked) as response:  # noqa: S310 - http on loopback
        assert response.status == 200
        return response.headers["ETag"], len(response.read())


def settle(url: str) -> None:
    """After the bulk load: the planner's statistics, as the service gathers them; on
    PostgreSQL with VACUUM and a checkpoint, as autovacuum and the checkpointer do within
    minutes of such a load (measured while they run, a row would measure the load, not the
    size of the site)."""
    with Database(url) as database:
        if database.is_sqlite:
            database.refresh_statistics()
            return
        with database.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM (ANALYZE)")
            connection.exec_driver_sql("CHECKPOINT")  # the load's pages written now


def run_database(kind: str, url: str, args: argparse.Namespace) -> None:
    migrate.upgrade(url)
    seeded = seed_thread(url)
    for others in args.others:
        took = add_other_comments(url, others) if others else 0.0
        if others and not args.stale_statistics:
            settle(url)
        print(f"\n[{kind}] article with {seeded} approved comments; {others:,} other "
              f"comments on {OTHER_ARTICLES if others else 0:,} other articles"
              + (f" (seeded in {took:.0f} s)" if others else ""))
        for mode, cache_url, rates in (("warm", args.cache_url, args.rates),
                                       ("cold", "none", args.cold_rates),
                                       ("304", args.cache_url, args.rates)):
            port = free_port()
            server = start_server(args.workers, port, {
                "MODERATION_DATABASE_URL": url, "MODERATION_EMBEDDED_WORKER": "0",
                "MODERATION_RATE_LIMITS": "1",
                "MODERATION_LIMIT_READS_PER_ADDRESS": "100000000/minute",
                "MODERATION_CACHE_URL": cache_url, "MODERATION_LOG_FORMAT": "text"},
                stderr=subprocess.DEVNULL)
            try:
                etag, size = current_page(port, args.encodings)
                if mode == "warm":
                    print(f"page: {size:,} bytes, ETag {etag}")
                # Each worker builds (warm) and every connection path is exercised once.
                asyncio.run(open_loop(port, get_request(port, PAGE, encodings=args.encodings),
                                      200, 1.0, args.connections, 50))
                for rate in rates:
                    print(measure(server, port, mode, rate, args.seconds, args.connections,
                                  etag if mode == "304" else None, args.encodings),
                          flush=True)
            finally:
                stop([server])


def numbers(value: str) -> list[int]:
    return [int(float(item)) for item in value.split(",") if item.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL server to measure as well (a database "
                             f"{PG_DATABASE} is made there and dropped afterwards)")
    parser.add_argument("--sqlite", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--others", type=numbers, default=[0, 1_000_000],
                        help="comments on other articles, comma-separated, measured in turn")
    parser.add_argument("--rates", type=numbers, default=[1000, 2000, 3000],
                        help="open-loop rates for the cached page and the 304, req/s")
    parser.add_argument("--cold-rates", type=numbers, default=[250, 500, 750],
                        help="open-loop rates with the cache off, req/s")
    parser.add_argument("--cache-url", default="memory://",
                        help="the page cache measured warm, e.g. redis://127.0.0.1:6379/1")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--identity", dest="encodings", action="store_const", const=None,
                        default=BROWSER_ENCODINGS,
                        help="ask without Accept-Encoding (default: as a browser asks, "
                             f"{BROWSER_ENCODINGS!r}: the page comes gzipped)")
    parser.add_argument("--stale-statistics", action="store_true",
                        help="no ANALYZE after seeding the other comments")
    args = parser.parse_args()

    print(f"machine: {describe('sqlalchemy', 'psycopg', 'gunicorn', 'redis')}")
    print(f"server: gunicorn {args.workers} sync workers, read limit on (out of reach), "
          f"page cache "
          f"{args.cache_url} (warm) / none (cold); client: this process (asyncio), "
          f"{args.connections} connections, open loop, {args.seconds:.0f} s per row; "
          f"GET {PAGE} (the widget's defaults: 50 threads, 3 replies), Accept-Encoding: "
          f"{args.encodings or 'none (identity)'}")
    databases = [("postgresql", args.database_url)] if args.database_url else []
    if args.sqlite:
        databases.insert(0, ("sqlite", None))
    for kind, server_url in databases:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'reads.db'}"
            if server_url:
                url = make_postgres(server_url, PG_DATABASE)
            try:
                run_database(kind, url, args)
            finally:
                if server_url:
                    drop_postgres(server_url, PG_DATABASE)


if __name__ == "__main__":
    main()
