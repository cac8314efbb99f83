"""The ``moderation`` command: database schema and API keys, against a fresh SQLite file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import create_engine, inspect, select

from moderation import create_app
from moderation.accounts.manage import find_account
from moderation.accounts.passwords import check_password
from moderation.cli import main
from moderation.clock import utcnow
from moderation.config import Config
from moderation.db import Database
from moderation.domain import CommentStatus, Role
from moderation.models import AuditEvent
from tests.support.records import add_comment, comment_by_id

TABLES = {"articles", "comments", "moderation_events", "api_keys", "jobs", "worker_heartbeats"}
QUEUE = "/v1/moderation/comments"


@pytest.fixture
def cli_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


@pytest.fixture
def moderation(cli_url: str, tmp_path: Path):
    """Run ``moderation ...`` with the database (and nothing else) from the environment."""
    runner = CliRunner()
    env = {"MODERATION_DATABASE_URL": cli_url,
           "MODERATION_INSTANCE_PATH": str(tmp_path / "instance")}

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(main, list(args), env=env, input=input)

    return run


@pytest.fixture
def migrated(moderation) -> None:
    result = moderation("db", "upgrade")
    assert result.exit_code == 0, result.output


@pytest.fixture
def api_app(cli_url: str, tmp_path: Path) -> Iterator[Flask]:
    api_app = create_app(Config(database_url=cli_url, instance_path=tmp_path, testing=True,
                                embedded_worker=False))
    yield api_app
    api_app.extensions["moderation"].database.dispose()


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def assert_clean_refusal(result: Result, *words: str) -> None:
    """Exits non-zero with a one-line message: no traceback, no exception escaping."""
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error: ")
    for word in words:
        assert word in result.stderr


def authorization(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


# --- db -----------------------------------------------------------------------------------

def test_db_upgrade_creates_the_schema(moderation, cli_url):
    assert tables(cli_url) == set()

    result = moderation("db", "upgrade")

    assert result.exit_code == 0, result.output
    assert "Database at head." in result.stdout
    assert tables(cli_url) >= TABLES
    assert "alembic_version" in tables(cli_url)


def test_db_upgrade_twice_is_harmless(moderation, migrated, cli_url):
    result = moderation("db", "upgrade")

    assert result.exit_code == 0, result.output
    assert tables(cli_url) >= TABLES


def test_db_downgrade_base_removes_the_tables(moderation, migrated, cli_url):
    assert moderation("keys", "create", "anna").exit_code == 0

    result = moderation("db", "downgrade", "base")

    assert result.exit_code == 0, result.output
    assert "Database at base." in result.stdout
    assert not tables(cli_url) & TABLES
    # And back up again, empty.
    assert moderation("db", "upgrade").exit_code == 0
    assert "anna" not in moderation("keys", "list").stdout


def test_db_downgrade_needs_a_revision(moderation, migrated):
    result = moderation("db", "downgrade")

    assert result.exit_code == 2
    assert "REVISION" in result.stderr


# --- keys ---------------------------------------------------------------------------------

def test_keys_create_prints_a_secret_that_authenticates(moderation, migrated, api_app):
    result = moderation("keys", "create", "anna", "--role", "editor")

    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert result.stdout == f"{secret}\n"  # only the secret on stdout: scripts can capture it
    assert secret.startswith("mod_") and len(secret) == 53
    assert "anna" in result.stderr and "editor" in result.stderr
    assert secret not in result.stderr

    client = api_app.test_client()
    assert client.get(QUEUE, headers=authorization(secret)).status_code == 200
    assert client.get(QUEUE, headers=authorization(secret + "x")).status_code == 401
    assert client.get(QUEUE).status_code == 401


def test_keys_create_defaults_to_the_editor_role(moderation, migrated):
    assert moderation("keys", "create", "jürgen").exit_code == 0

    assert "jürgen\teditor\t" in moderation("keys", "list").stdout


def test_an_admin_key_made_on_the_command_line_works(moderation, migrated, api_app):
    result = moderation("keys", "create", "chefin", "--role", "admin")

    assert result.exit_code == 0, result.output
    response = api_app.test_client().patch("/v1/moderation/articles/ki-im-alltag",
                                       headers=authorization(result.stdout.strip()),
                                       json={"title": "Künstliche Intelligenz – Größe"})
    assert response.status_code == 200
    assert "chefin\tadmin\t" in moderation("keys", "list").stdout


def test_keys_create_refuses_an_unknown_role(moderation, migrated):
    result = moderation("keys", "create", "anna", "--role", "chefredakteurin")

    assert result.exit_code == 2
    assert "chefredakteurin" in result.stderr
    assert "anna" not in moderation("keys", "list").stdout


def test_keys_create_refuses_a_name_taken(moderation, migrated, api_app):
    first = moderation("keys", "create", "anna", "--role", "editor")
    assert first.exit_code == 0

    result = moderation("keys", "create", "anna", "--role", "admin")

    assert_clean_refusal(result, "anna", "exists")
    assert result.stdout == ""  # no secret printed for a key that was not made
    assert moderation("keys", "list").stdout.count("anna\t") == 1
    assert "anna\teditor\t" in moderation("keys", "list").stdout
    # The first key still works.
    response = api_app.test_client().get(QUEUE, headers=authorization(first.stdout.strip()))
    assert response.status_code == 200


def test_keys_list_shows_every_key_but_never_a_secret(moderation, migrated, api_app):
    anna = moderation("keys", "create", "anna", "--role", "editor").stdout.strip()
    chefin = moderation("keys", "create", "chefin", "--role", "admin").stdout.strip()
    assert moderation("keys", "revoke", "chefin").exit_code == 0
    api_app.test_client().get(QUEUE, headers=authorization(anna))

    result = moderation("keys", "list")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    name, role, prefix, state, last_used = lines[0].split("\t")
    assert (name, role, state) == ("anna", "editor", "active")
    assert prefix == f"{anna[:12]}…"
    assert last_used.startswith("last used 20")
    name, role, prefix, state, last_used = lines[1].split("\t")
    assert (name, role, state, last_used) == ("chefin", "admin", "revoked", "last used never")
    assert prefix == f"{chefin[:12]}…"
    for secret in (anna, chefin):
        assert secret not in result.output
        assert secret[12:24] not in result.output


def test_keys_list_of_no_keys_is_empty(moderation, migrated):
    result = moderation("keys", "list")

    assert result.exit_code == 0
    assert result.stdout == ""


def test_keys_revoke_locks_the_key_out(moderation, migrated, api_app):
    anna = moderation("keys", "create", "anna").stdout.strip()
    bernd = moderation("keys", "create", "bernd").stdout.strip()
    client = api_app.test_client()
    assert client.get(QUEUE, headers=authorization(anna)).status_code == 200

    result = moderation("keys", "revoke", "anna")

    assert result.exit_code == 0, result.output
    assert "anna" in result.stdout and "revoked" in result.stdout
    response = client.get(QUEUE, headers=authorization(anna))
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"
    # Only anna's key.
    assert client.get(QUEUE, headers=authorization(bernd)).status_code == 200
    # Revoking again is harmless and keeps the key revoked.
    assert moderation("keys", "revoke", "anna").exit_code == 0
    assert client.get(QUEUE, headers=authorization(anna)).status_code == 401
    assert "anna\teditor\t" in moderation("keys", "list").stdout
    assert "\trevoked\t" in moderation("keys", "list").stdout


def test_keys_revoke_of_an_unknown_name_fails_cleanly(moderation, migrated):
    result = moderation("keys", "revoke", "nobody")

    assert_clean_refusal(result, "nobody")


def test_an_unmigrated_database_is_a_clean_error(tmp_path):
    env = {"MODERATION_DATABASE_URL": f"sqlite:///{tmp_path / 'leer.db'}"}
    result = CliRunner().invoke(main, ["keys", "list"], env=env)
    assert result.exit_code == 1
    assert "moderation db upgrade" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(("setting", "value", "says"), [
    ("MODERATION_APPEAL_DAYS", "30", "at least 183"),
    ("MODERATION_JOB_LEASE_SECONDS", "zwei Minuten", "must be a number"),
    ("MODERATION_WEBHOOK_LOG_RETENTION_DAYS", "0", "at least one day"),
    ("MODERATION_WEBHOOK_RETRY_SECONDS", "5,später", "comma-separated"),
    ("MODERATION_THRESHOLDS", '{"insult": 0.5}', "must be JSON like"),
])
def test_a_setting_the_service_cannot_run_with_is_a_clean_error(tmp_path, setting, value, says):
    env = {"MODERATION_DATABASE_URL": f"sqlite:///{tmp_path / 'leer.db'}", setting: value}
    result = CliRunner().invoke(main, ["keys", "list"], env=env)
    assert result.exit_code == 1
    assert setting in result.output and says in result.output
    assert "Traceback" not in result.output


# --- audit, privacy, purge ------------------------------------------------------------------

READER = "lieselotte@example.de"


def audit_entries(api_app: Flask, moderation) -> list[dict]:
    admin = moderation("keys", "create", "prüferin", "--role", "admin").stdout.strip()
    response = api_app.test_client().get("/v1/admin/audit", headers=authorization(admin))
    return [e for e in response.get_json()["events"] if e["target"] != "key:prüferin"]


def test_key_changes_are_audited_without_the_secret(moderation, migrated, api_app):
    secret = moderation("keys", "create", "anna", "--expires-in-days", "30").stdout.strip()
    moderation("keys", "revoke", "anna")

    entries = audit_entries(api_app, moderation)

    assert [(e["action"], e["actor"], e["target"]) for e in entries] == [
        ("key.revoked", "cli", "key:anna"), ("key.created", "cli", "key:anna")]
    assert entries[1]["details"]["role"] == "editor"
    assert entries[1]["details"]["expires_at"].startswith("20")
    assert secret[4:] not in json.dumps(entries)


def test_privacy_export_prints_the_readers_data_as_json(moderation, migrated, api_app):
    posted = api_app.test_client().post("/v1/articles/ki-im-alltag/comments", json={
        "author_name": "Lieselotte", "author_email": READER,
        "body": "Grüße aus Görlitz!"}).get_json()

    result = moderation("privacy", "export", "--email", READER.upper())

    assert result.exit_code == 0, result.output
    assert "Grüße aus Görlitz!" in result.stdout  # not \u00fc
    exported = json.loads(result.stdout)
    assert [c["id"] for c in exported["comments"]] == [posted["id"]]
    by_token = json.loads(moderation("privacy", "export", "--author-token",
                                     posted["author_token"]).stdout)
    assert by_token["comments"] == exported["comments"]
    assert [e["actor"] for e in audit_entries(api_app, moderation)] == ["cli", "cli"]


@pytest.mark.parametrize("command", [["export"], ["erase"], ["erase", "--yes"]])
def test_privacy_requests_must_name_the_reader(moderation, migrated, command):
    assert_clean_refusal(moderation("privacy", *command), "email")


def test_privacy_erase_asks_before_it_erases(moderation, migrated, api_app):
    client = api_app.test_client()
    posted = client.post("/v1/articles/ki-im-alltag/comments", json={
        "author_name": "Lieselotte", "author_email": READER, "body": "Bitte löschen"}).get_json()
    anonymous = client.post("/v1/articles/ki-im-alltag/comments", json={
        "author_name": "L.", "body": "Auch das"}).get_json()

    declined = moderation("privacy", "erase", "--email", READER, input="n\n")

    assert declined.exit_code == 1 and "Aborted" in declined.output
    assert READER in declined.output and "cannot be undone" in declined.output
    assert json.loads(moderation("privacy", "export", "--email", READER).stdout)["comments"]

    confirmed = moderation("privacy", "erase", "--email", READER, input="y\n")

    assert confirmed.exit_code == 0, confirmed.output
    assert "Erased 1 comments" in confirmed.stdout
    assert json.loads(moderation("privacy", "export", "--email", READER).stdout)[
        "comments"] == []
    unasked = moderation("privacy", "erase", "--author-token", anonymous["author_token"],
                         "--yes")
    assert unasked.exit_code == 0 and "[y/N]" not in unasked.output
    assert "Erased 1 comments" in unasked.stdout
    mine = client.get(f"/v1/comments/{posted['id']}",
                      headers={"X-Author-Token": posted["author_token"]})
    assert mine.status_code == 404


def test_privacy_requests_find_an_email_with_non_ascii_capitals_in_either_spelling(
        moderation, migrated, api_app):
    client = api_app.test_client()
    written = [client.post("/v1/articles/ki-im-alltag/comments", json={
        "author_name": "Jürgen", "author_email": "JÜRGEN.Müller@Example.DE",
        "body": f"Mein {n}. Kommentar."}).get_json()["id"] for n in range(1, 4)]

    for spelling in ("JÜRGEN.Müller@Example.DE", "jürgen.müller@example.de"):
        exported = json.loads(moderation("privacy", "export", "--email", spelling).stdout)
        assert [c["id"] for c in exported["comments"]] == written, spelling
    erased = moderation("privacy", "erase", "--email", "jürgen.müller@example.de", "--yes")

    assert erased.exit_code == 0, erased.output
    assert "Erased 3 comments" in erased.stdout


def test_a_reporter_known_by_the_report_token_alone(moderation, migrated, cli_url, api_app):
    with Database(cli_url) as database, database.transaction() as session:
        published = add_comment(session, utcnow(), body="Eine steile These.").public_id
    client = api_app.test_client()
    filed = client.post(f"/v1/comments/{published}/reports", json={
        "category": "other", "good_faith": True,
        "explanation": "Ich, Käthe aus Görlitz, halte das für falsch."}).get_json()

    exported = json.loads(moderation("privacy", "export", "--report-token",
                                     filed["report_token"]).stdout)
    assert [r["id"] for r in exported["reports"]] == [filed["id"]]
    erased = moderation("privacy", "erase", "--report-token", filed["report_token"],
                        input="y\n")

    assert erased.exit_code == 0, erased.output
    assert "1 report token(s)" in erased.output and "1 reports" in erased.stdout
    lookup = client.get(f"/v1/reports/{filed['id']}",
                        headers={"X-Report-Token": filed["report_token"]})
    assert lookup.status_code == 404


def test_purge_for_cron_with_a_dry_run_first(moderation, migrated, cli_url, api_app):
    with Database(cli_url) as database, database.transaction() as session:
        expired = add_comment(session, utcnow() - timedelta(days=200), body="Längst abgelehnt",
                              status=CommentStatus.REJECTED).public_id

    dry = moderation("purge", "--dry-run")

    assert dry.exit_code == 0, dry.output
    assert "rejected_comments\t1\n" in dry.stdout and "dry run" in dry.stderr
    with Database(cli_url) as database, database.transaction() as session:
        assert comment_by_id(session, expired).body == "Längst abgelehnt"

    done = moderation("purge")

    assert done.exit_code == 0, done.output
    assert "rejected_comments\t1\n" in done.stdout and "address_hashes\t0\n" in done.stdout
    with Database(cli_url) as database, database.transaction() as session:
        assert comment_by_id(session, expired).erased_reason == "retention"
    assert "rejected_comments\t0\n" in moderation("purge").stdout
    purges = [e for e in audit_entries(api_app, moderation) if e["action"] == "retention.purged"]
    assert [(e["actor"], e["details"]["rejected_comments"]) for e in purges] == [
        ("cli", 0), ("cli", 1)]



@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["worker"]])
def test_thresholds_the_policy_cannot_use_stop_the_start(tmp_path, command):
    env = {"MODERATION_DATABASE_URL": f"sqlite:///{tmp_path / 'leer.db'}",
           "MODERATION_THRESHOLDS": '{"insult": {"review": 0.9, "reject": 0.5}}'}
    result = CliRunner().invoke(main, command, env=env)
    assert result.exit_code == 1
    assert "MODERATION_THRESHOLDS cannot be used" in result.output
    assert "reject threshold must lie between" in result.output
    assert "Traceback" not in result.output


# --- users --------------------------------------------------------------------------------

ADMIN_PASSWORD = "Grüße an die Chefredaktion"


def stored_account(cli_url: str, email: str):
    with Database(cli_url) as database, database.transaction() as session:
        return find_account(session, email)


def test_users_create_an_admin_with_the_password_typed_twice(moderation, migrated, cli_url):
    result = moderation("users", "create", "--email", "Chefin@Zeitung.de", "--name",
                        "Petra Chefin", "--role", "admin",
                        input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "Account chefin@zeitung.de (admin) created." in result.stdout
    assert ADMIN_PASSWORD not in result.output
    account = stored_account(cli_url, "chefin@zeitung.de")
    assert (account.name, account.role, account.locale) == ("Petra Chefin", Role.ADMIN, "de")
    assert check_password(account.password_hash, ADMIN_PASSWORD).matches


def test_users_create_refuses_two_passwords_that_differ(moderation, migrated, cli_url):
    result = moderation("users", "create", "--email", "chefin@zeitung.de", "--name", "Petra",
                        input=f"{ADMIN_PASSWORD}\nanders\n")

    assert result.exit_code != 0
    assert stored_account(cli_url, "chefin@zeitung.de") is None


def test_users_create_reads_the_password_from_stdin(moderation, migrated, cli_url):
    result = moderation("users", "create", "--email", "anna@zeitung.de", "--name", "Anna",
                        "--locale", "en", "--password-stdin", input=f"{ADMIN_PASSWORD}\n")

    assert result.exit_code == 0, result.output
    account = stored_account(cli_url, "anna@zeitung.de")
    assert (account.role, account.locale) == (Role.EDITOR, "en")
    assert check_password(account.password_hash, ADMIN_PASSWORD).matches


@pytest.mark.parametrize(("password", "says"), [("kurz", "too short"),
                                                 ("anna@zeitung.de", "email")])
def test_users_create_refuses_a_weak_password_cleanly(moderation, migrated, password, says):
    result = moderation("users", "create", "--email", "anna@zeitung.de", "--name", "Anna",
                        "--password-stdin", input=f"{password}\n")

    assert_clean_refusal(result, says)


def test_users_create_refuses_an_email_taken(moderation, migrated):
    for _ in range(2):
        result = moderation("users", "create", "--email", "anna@zeitung.de", "--name", "Anna",
                            "--password-stdin", input=f"{ADMIN_PASSWORD}\n")

    assert_clean_refusal(result, "exists")


def test_users_list_disable_reset_and_require_totp(moderation, migrated, cli_url):
    for email, role in [("chefin@zeitung.de", "admin"), ("anna@zeitung.de", "editor")]:
        moderation("users", "create", "--email", email, "--name", email.split("@")[0],
                   "--role", role, "--password-stdin", input=f"{ADMIN_PASSWORD}\n")

    assert moderation("users", "require-totp", "ANNA@zeitung.de").exit_code == 0
    reset = moderation("users", "reset-password", "anna@zeitung.de")
    assert reset.exit_code == 0, reset.output
    one_time = reset.stdout.strip()
    assert reset.stdout == f"{one_time}\n" and len(one_time) == 20
    assert moderation("users", "disable", "anna@zeitung.de").exit_code == 0

    lines = moderation("users", "list").stdout.splitlines()
    assert [line.split("\t")[:6] for line in lines] == [
        ["anna@zeitung.de", "anna", "editor", "disabled", "totp required",
         "last sign-in never"],
        ["chefin@zeitung.de", "chefin", "admin", "active", "password only",
         "last sign-in never"]]
    anna = stored_account(cli_url, "anna@zeitung.de")
    assert check_password(anna.password_hash, one_time).matches
    assert anna.password_change_required
    assert ADMIN_PASSWORD not in "\n".join(lines)


def test_users_commands_name_an_unknown_email_cleanly(moderation, migrated):
    for command in ("disable", "reset-password", "require-totp"):
        assert_clean_refusal(moderation("users", command, "niemand@zeitung.de"), "niemand")


def test_users_changes_are_on_the_audit_log_as_the_command_line(moderation, migrated, cli_url):
    moderation("users", "create", "--email", "anna@zeitung.de", "--name", "Anna",
               "--password-stdin", input=f"{ADMIN_PASSWORD}\n")
    moderation("users", "reset-password", "anna@zeitung.de")

    with Database(cli_url) as database, database.transaction() as session:
        logged = [(e.action, e.actor, e.target) for e in session.scalars(
            select(AuditEvent).order_by(AuditEvent.id))]
    assert logged == [("account.created", "cli", "user:anna@zeitung.de"),
                      ("account.password_reset", "cli", "user:anna@zeitung.de")]
