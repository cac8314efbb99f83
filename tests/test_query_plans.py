"""The public read path uses indexes however big the site and however old the planner's
statistics: a page of one article must not walk every comment of the site. Checked on a
database seeded with many comments of other articles, through the real app's statements,
with the plans the database itself reports (SQLite's and PostgreSQL's EXPLAIN)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, bindparam, event, insert, text
from sqlalchemy.engine import Engine

from moderation import create_app, migrate
from moderation.config import Config
from moderation.db import Database, gather_statistics
from moderation.models import Article, Comment
from tests.conftest import drop_database, fresh_database_url

OTHER_ARTICLES = 400
OTHER_COMMENTS = 40_000
START = datetime(2026, 11, 1, 8, tzinfo=UTC)


def _article(key: str, i: int) -> dict:
    return {"id": i + 1, "key": key, "title": f"Artikel {i}", "comments_open": True,
            "moderation_mode": "auto", "public_revision": 1, "created_at": START,
            "updated_at": START}


def _comment(i: int, article_id: int, *, parent: int | None = None,
             status: str = "approved") -> dict:
    return {"id": i, "public_id": f"k{i:08d}", "article_id": article_id, "parent_id": parent,
            "root_id": parent, "depth": 1 if parent else 0, "author_name": "Jürgen",
            "author_token_hash": "0" * 64, "body": f"Schöner Beitrag über Größe Nr. {i}",
            "status": status, "status_reason_code": "policy.ok", "open_reports": 0,
            "created_at": START + timedelta(seconds=i), "updated_at": START}


# Comments on other articles, made by the database itself (quick on both): four in five
# top-level, every fifth a reply to the one before it, one in five not published.
_OTHERS = """
WITH RECURSIVE s(i) AS (SELECT 1001 UNION ALL SELECT i + 1 FROM s WHERE i < :last)
INSERT INTO comments (id, public_id, article_id, parent_id, root_id, depth, author_name,
                      author_token_hash, body, status, status_reason_code, open_reports,
                      created_at, updated_at)
SELECT i, 'k' || i, 2 + (CASE WHEN i % 5 = 0 THEN i - 1 ELSE i END) % :articles,
       CASE WHEN i % 5 = 0 THEN i - 1 END, CASE WHEN i % 5 = 0 THEN i - 1 END,
       CASE WHEN i % 5 = 0 THEN 1 ELSE 0 END, 'Jürgen', :token, 'Schöner Beitrag über Größe',
       CASE WHEN i % 5 = 1 THEN 'rejected' ELSE 'approved' END, 'policy.ok', 0, :at, :at
FROM s"""


def _seed(engine: Engine) -> None:
    """One article with 60 threads of two replies each, and many comments on others."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # The seeded rows are consistent; checked row by row, each reply's parent would be
            # looked up with a plan made while the table was empty: a scan per row.
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        connection.execute(insert(Article), [_article("debatte-ueber-groesse", 0)] + [
            _article(f"anderer-artikel-{i}", i) for i in range(1, OTHER_ARTICLES + 1)])
        ours = []
        for root in range(1, 181, 3):
            ours += [_comment(root, 1), _comment(root + 1, 1, parent=root),
                     _comment(root + 2, 1, parent=root)]
        connection.execute(insert(Comment), ours)
        connection.execute(text(_OTHERS).bindparams(
            bindparam("at", type_=Comment.__table__.c.created_at.type)),
            {"token": "0" * 64, "at": START, "last": 1000 + OTHER_COMMENTS,
             "articles": OTHER_ARTICLES})
        if connection.dialect.name == "postgresql":  # ids given: new rows take the next
            connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('articles', 'id'), "
                "(SELECT max(id) FROM articles)), "
                "setval(pg_get_serial_sequence('comments', 'id'), (SELECT max(id) FROM comments))")


def _young_site(engine: Engine) -> None:
    """The first day of a site: a few top-level comments, no replies yet; its statistics
    gathered then (at a restart, or by the workers after a purge)."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # statistics change only when we say
            connection.exec_driver_sql("ALTER TABLE comments SET (autovacuum_enabled = false)")
        connection.execute(insert(Article), [_article("erster-artikel", OTHER_ARTICLES + 1)])
        connection.execute(insert(Comment), [
            _comment(i, OTHER_ARTICLES + 2) for i in range(900, 930)])
        gather_statistics(connection)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A big site whose planner statistics are those of its first day."""
    url = fresh_database_url("query_plans", tmp_path_factory.mktemp("plans"))
    migrate.upgrade(url)
    database = Database(url)
    _young_site(database.engine)
    _seed(database.engine)
    database.dispose()
    yield url
    drop_database(url)


def _statements_of_widget_requests(url: str, folder: Path) -> list[tuple[str, object]]:
    """The SELECTs on comments the widget's requests make: a thread page both ways, the rest
    of a thread's replies, the counts, and a new comment's look for the same text earlier
    (on PostgreSQL read together with its article)."""
    app = create_app(Config(database_url=url, instance_path=folder, testing=True,
                            rate_limits_enabled=False, embedded_worker=False))
    engine = app.extensions["moderation"].database.engine
    seen: list[tuple[str, object]] = []

    def note(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "comments" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    client = app.test_client()
    base = "/v1/articles/debatte-ueber-groesse/comments"
    for order in ("newest", "oldest"):
        page = client.get(f"{base}?order={order}&limit=20&replies=1")
        assert page.status_code == 200
        assert len([c for c in page.json["comments"] if c["parent_id"] is None]) == 20
    first = page.json["comments"][0]
    assert first["more_replies"] == 1
    replies = client.get(f"{base}/{first['id']}/replies?cursor={first['replies_cursor']}")
    assert replies.status_code == 200 and len(replies.json["comments"]) == 1
    counts = client.get("/v1/counts?article=debatte-ueber-groesse&article=anderer-artikel-7")
    assert counts.json["counts"]["debatte-ueber-groesse"] == 180
    posted = client.post(base, json={"author_name": "Jürgen", "body": "Schöner Beitrag!"})
    assert posted.status_code == 202  # not published yet: the counts above stay
    assert any("text_fingerprint" in statement for statement, _ in seen)
    event.remove(engine, "before_cursor_execute", note)
    app.extensions["moderation"].database.dispose()
    return seen


def _full_scans(connection: Connection, statement: str, parameters: object) -> list[str]:
    """The plan steps that read all of the comments table."""
    if connection.dialect.name == "sqlite":
        steps = [row[-1] for row in
                 connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
        return [step for step in steps if step.startswith("SCAN comments")
                and "INDEX" not in step]
    plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}",
                                      parameters).scalar()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return [f"Seq Scan on {node['Relation Name']}" for node in _nodes(plan[0]["Plan"])
            if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == "comments"]


def _nodes(node: dict) -> Iterator[dict]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def _assert_indexed(url: str, folder: Path) -> None:
    statements = _statements_of_widget_requests(url, folder)
    assert len(statements) >= 8
    database = Database(url)
    with database.engine.connect() as connection:
        scans = {statement: _full_scans(connection, statement, parameters)
                 for statement, parameters in statements}
    database.dispose()
    assert {statement: found for statement, found in scans.items() if found} == {}


def test_public_reads_use_indexes_with_statistics_from_the_sites_first_day(
        site: str, tmp_path: Path) -> None:
    """SQLite's statistics change only when we gather them: with the first day's, the
    replies of a page must still come by index (a partial one, which the NULL roots of
    top-level comments cannot make look useless). PostgreSQL's autovacuum gathers its own
    as the table grows, and its planner, given a day's statistics for a site, rightly
    scans: there they are checked as the workers and autovacuum keep them."""
    database = Database(site)
    if not database.is_sqlite:
        database.refresh_statistics()
    database.dispose()
    _assert_indexed(site, tmp_path)


def test_public_reads_use_indexes_after_migrations_gathered_statistics(
        site: str, tmp_path: Path) -> None:
    migrate.upgrade(site)  # every start upgrades: no migration to run, statistics afresh
    _assert_indexed(site, tmp_path)


def _statistics(database: Database) -> dict[str, str]:
    with database.engine.connect() as connection:
        if database.is_sqlite:
            return dict(connection.exec_driver_sql(
                "SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'comments'").all())
        return {"rows": str(connection.exec_driver_sql(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = 'comments'").scalar())}


def test_the_workers_refresh_brings_statistics_up_to_date(tmp_path: Path) -> None:
    url = fresh_database_url("statistics", tmp_path)
    try:
        migrate.upgrade(url)
        database = Database(url)
        _young_site(database.engine)
        first_day = _statistics(database)
        _seed(database.engine)
        assert _statistics(database) == first_day
        database.refresh_statistics()
        now = _statistics(database)
        total = OTHER_COMMENTS + 180 + 30
        if database.is_sqlite:  # a sample: SQLite estimates the counts
            replies = OTHER_COMMENTS // 5 + 120
            assert replies / 2 < int(now["ix_comments_replies"].split()[0]) < replies * 2
            assert total / 2 < int(now["ix_comments_public_roots"].split()[0]) < total * 2
        else:
            assert now == {"rows": str(total)}
        database.dispose()
    finally:
        drop_database(url)
