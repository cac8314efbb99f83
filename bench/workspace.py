"""Workspace benchmark: the queue page with 10,000 held comments, and a decision's round
trip, measured on the server (Flask's test client: everything but the network).

A fresh database (SQLite in a temporary folder by default; with ``--database-url`` a
database ``moderation_bench_workspace`` made on that PostgreSQL server and dropped
afterwards) is filled with ``--held`` comments held for review and as many published ones
on 100 articles, with scores and word-list evidence like the worker writes. An editor signs
in, then:

- the queue page (50 rows, riskiest first) is drawn ``--requests`` times, and so are the
  oldest-first order, the second page, a text search and the poll of counts;
- ``--requests`` decisions go through the page's JSON endpoint, each on another comment.

    .venv/bin/python bench/workspace.py [--database-url postgresql+psycopg://…] [--held 10000]

Prints the machine, then p50/p95/max per figure (goal: page < 300 ms p95, decision
< 100 ms p95).
"""

from __future__ import annotations

import argparse
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine import describe  # noqa: E402  (bench/ is on the path)
from scratch_db import drop_postgres, make_postgres  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from moderation import create_app, migrate  # noqa: E402
from moderation.accounts import manage  # noqa: E402
from moderation.config import Config  # noqa: E402
from moderation.db import Database  # noqa: E402
from moderation.domain import CommentStatus, Role  # noqa: E402
from moderation.models import Article, Comment  # noqa: E402
from moderation.services import audit  # noqa: E402

BENCH_DATABASE = "moderation_bench_workspace"
EMAIL, PASSWORD = "bench@zeitung.example.de", "Bench-Passwort-2026"
WORDS = ("Idiot", "Depp", "Schwachkopf")
BODIES = [
    "Ich sehe das anders: Die Größe des Modells ist nicht alles. {word}!",
    "Wer so etwas schreibt, ist ein {word} und sollte endlich den Mund halten.",
    "Spannender Artikel – danke! Aber der Kommentar über mir ist von einem {word}. 🙄",
    "Die Gewerkschaft hat recht. Wer nachts Züge fährt, verdient mehr, du {word}.",
]


def fresh_database(server_url: str | None, folder: Path) -> str:
    if server_url is None:
        return f"sqlite:///{folder / 'workspace.db'}"
    return make_postgres(server_url, BENCH_DATABASE)


def _comment(article_id: int, n: int, status: CommentStatus, now: datetime) -> dict:
    rng = random.Random(n)
    word = rng.choice(WORDS)
    body = rng.choice(BODIES).format(word=word)
    start = body.index(word)
    score = round(rng.uniform(0.3, 0.99), 4)
    created = now - timedelta(seconds=n * 7)
    return {
        "public_id": secrets.token_urlsafe(16), "article_id": article_id, "depth": 0,
        "author_name": f"Leserin {n}", "author_email": None,
        "author_token_hash": secrets.token_hex(32), "body": body, "status": status,
        "status_reason_code": "suspect_word" if status is CommentStatus.REVIEW
        else "score_below_thresholds",
        "explanation": {"reasons": [{"code": "suspect_word", "level": "review",
                                     "detail": f"zu prüfender Begriff „{word}“"}],
                        "words": [{"term": word.lower(), "kind": "suspect", "start": start,
                                   "end": start + len(word), "matched": word}],
                        "sentences": [{"start": 0, "end": len(body), "category": "insult",
                                       "score": score}]},
        "scores": {"toxicity": score, "insult": round(score * 0.8, 4), "threat": 0.01},
        "max_score": score, "scored_by": "compact-de@bench", "open_reports": 0,
        "created_at": created, "updated_at": created,
    }


def seed(database_url: str, held: int, now: datetime) -> None:
    """``held`` comments in review and as many published, on 100 articles."""
    with Database(database_url) as database, database.transaction() as session:
        articles = [{"key": f"artikel-{n}", "title": f"Artikel {n}", "comments_open": True,
                     "moderation_mode": "auto", "public_revision": 0, "created_at": now,
                     "updated_at": now} for n in range(100)]
        session.execute(insert(Article), articles)
        ids = list(session.scalars(select(Article.id).order_by(Article.id)))
        for status, offset in ((CommentStatus.REVIEW, 0), (CommentStatus.APPROVED, held)):
            rows = [_comment(ids[n % len(ids)], offset + n, status, now) for n in range(held)]
            for start in range(0, len(rows), 2000):
                session.execute(insert(Comment), rows[start:start + 2000])
        manage.create_account(session, email=EMAIL, name="Bench", role=Role.EDITOR,
                              password=PASSWORD, locale="de", actor=audit.CLI, now=now)


def timed(call: Callable[[], object], times: int) -> list[float]:
    """Milliseconds of each of ``times`` calls, after two to warm up."""
    for _ in range(2):
        call()
    found = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        found.append((time.perf_counter() - started) * 1000)
    return found


def row(label: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return (f"| {label} | {len(times)} | {statistics.median(ordered):.1f} | {p95:.1f} | "
            f"{ordered[-1]:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server (a bench database is made on it)")
    parser.add_argument("--held", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    print(f"machine: {describe('flask', 'sqlalchemy', 'psycopg')}", flush=True)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        database_url = fresh_database(args.database_url, Path(folder))
        try:
            migrate.upgrade(database_url)
            started = time.perf_counter()
            seed(database_url, args.held, now)
            print(f"database: {make_url(database_url).get_backend_name()}, {args.held} held "
                  f"and {args.held} published comments seeded in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
            run(database_url, Path(folder), args.requests)
        finally:
            if args.database_url is not None:
                drop_postgres(args.database_url, BENCH_DATABASE)


def run(database_url: str, folder: Path, requests: int) -> None:
    app = create_app(Config(database_url=database_url, instance_path=folder,
                            embedded_worker=False, rate_limits_enabled=False,
                            session_cookie_secure=False))
    client = app.test_client()
    page = client.get("/redaktion/anmelden").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    signed_in = client.post("/redaktion/anmelden", data={
        "csrf_token": token, "email": EMAIL, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.status_code
    queue = client.get("/redaktion/warteschlange")
    html = queue.get_data(as_text=True)
    assert queue.status_code == 200 and html.count('class="queue-item"') == 50
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', html).group(1)
    second = re.search(r'href="([^"]+)" data-more>', html).group(1).replace("&amp;", "&")

    def get(path: str) -> Callable[[], object]:
        def call() -> None:
            answer = client.get(path, headers={"Accept": "application/json"}
                                if "/api/" in path else {})
            assert answer.status_code == 200, (path, answer.status_code)
        return call

    with Database(database_url) as database, database.transaction() as session:
        to_decide = list(session.scalars(select(Comment.public_id).where(
            Comment.status == CommentStatus.REVIEW).order_by(Comment.id).limit(requests + 2)))
    pending = iter(to_decide)

    def decide() -> None:
        answer = client.post(f"/redaktion/api/kommentare/{next(pending)}/entscheidung",
                             json={"action": "approve"},
                             headers={"Accept": "application/json", "X-CSRF-Token": csrf})
        assert answer.status_code == 200, answer.status_code

    since = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    print("\n| request | n | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|")
    for label, call in (
        ("queue page, riskiest first (50 of 10,000 held)", get("/redaktion/warteschlange")),
        ("queue page, oldest first", get("/redaktion/warteschlange?sort=oldest")),
        ("queue page, second page (cursor)", get(second)),
        ("queue page, text search 'schwachkopf'", get("/redaktion/warteschlange?q=schwachkopf")),
        ("poll: counts and arrivals", get(f"/redaktion/api/warteschlange/stand?since={since}")),
        ("decision round trip (approve, JSON)", decide),
    ):
        print(row(label, timed(call, requests)), flush=True)
    app.extensions["moderation"].database.dispose()


if __name__ == "__main__":
    main()
