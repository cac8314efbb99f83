"""``moderation db backup``: a SQLite copy taken while comments keep arriving is a whole
database; PostgreSQL is told its pg_dump command."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from moderation import create_app, jobs, migrate
from moderation.cli import main
from moderation.config import Config
from tests.support.http import post_comment


def moderation(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"MODERATION_DATABASE_URL": database_url})


def comments_and_their_jobs(path: Path) -> tuple[int, int]:
    with closing(sqlite3.connect(path)) as copy:
        comments = copy.execute("SELECT count(*) FROM comments").fetchone()[0]
        jobs_of_comments = copy.execute(
            "SELECT count(*) FROM jobs JOIN comments ON comments.id = jobs.subject_id "
            "WHERE jobs.kind = ?", (jobs.SCORE_COMMENT,)).fetchone()[0]
    return comments, jobs_of_comments


def test_a_backup_taken_while_comments_arrive_is_consistent(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    migrate.upgrade(url)
    app = create_app(Config(database_url=url, instance_path=tmp_path, embedded_worker=False,
                            rate_limits_enabled=False))
    client = app.test_client()
    posted: list[int] = []
    writing = threading.Event()
    stop = threading.Event()

    def write() -> None:
        while not stop.is_set():
            response = post_comment(client, f"Grüße aus Köln, Kommentar Nr. {len(posted)}",
                                    article_path="/v1/articles/größe/comments")
            assert response.status_code == 202, response.get_data(as_text=True)
            posted.append(1)
            writing.set()

    writer = threading.Thread(target=write, name="writer")
    writer.start()
    try:
        assert writing.wait(timeout=30)
        backups = [tmp_path / f"sicherung-{number}.db" for number in range(3)]
        for target in backups:
            result = moderation(url, "db", "backup", "--out", str(target))
            assert result.exit_code == 0, result.output
            assert f"Backup written to {target}" in result.output
    finally:
        stop.set()
        writer.join(timeout=30)
        app.extensions["moderation"].database.dispose()

    counts = [comments_and_their_jobs(target) for target in backups]
    for comments, jobs_of_comments in counts:
        # Each comment came in one transaction with its scoring job: a copy from one
        # snapshot holds both or neither.
        assert 0 < comments == jobs_of_comments <= len(posted)
    assert [comments for comments, _ in counts] == sorted(comments for comments, _ in counts)
    # The copy is a database the service runs on: migrations find it current, the text intact.
    copy_url = f"sqlite:///{backups[-1]}"
    assert moderation(copy_url, "db", "upgrade").exit_code == 0
    with closing(sqlite3.connect(backups[-1])) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        first = copy.execute("SELECT body FROM comments ORDER BY id LIMIT 1").fetchone()
    assert first == ("Grüße aus Köln, Kommentar Nr. 0",)


def test_a_backup_never_overwrites_a_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    migrate.upgrade(url)
    existing = tmp_path / "sicherung.db"
    existing.write_bytes(b"alte Sicherung")
    result = moderation(url, "db", "backup", "--out", str(existing))
    assert result.exit_code == 1
    assert "exists; a backup never overwrites a file" in result.output
    assert existing.read_bytes() == b"alte Sicherung"
    # Nothing half-written beside them (the writers' lock file belongs to the database).
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "live.db", "live.db-writers.lock", "sicherung.db"]


def test_a_missing_database_is_named(tmp_path):
    result = moderation(f"sqlite:///{tmp_path / 'nirgends.db'}", "db", "backup",
                        "--out", str(tmp_path / "sicherung.db"))
    assert result.exit_code == 1 and "There is no database at" in result.output
    assert not (tmp_path / "sicherung.db").exists()


@pytest.mark.parametrize("driver", ["postgresql+psycopg", "postgresql"])
def test_postgresql_is_told_the_pg_dump_command(tmp_path, driver):
    target = tmp_path / "moderation.dump"
    result = moderation(f"{driver}://moderation:geheim@db:5432/moderation",
                        "db", "backup", "--out", str(target))
    assert result.exit_code == 1
    assert (f"pg_dump --format=custom --file={target} "
            "--dbname=postgresql://moderation@db:5432/moderation\n") in result.output
    assert "geheim" not in result.output
    assert "pg_restore" in result.output and "docker-compose run --rm backup" in result.output
    assert not target.exists()
