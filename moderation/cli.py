"""The ``moderation`` command: serve, worker, db, keys, users."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

import click
from click.core import ParameterSource
from marshmallow import ValidationError

from moderation import backup, create_app, migrate, wakeups
from moderation import doctor as doctor_checks
from moderation.accounts import manage as accounts
from moderation.clock import utcnow
from moderation.config import Config, InvalidSetting
from moderation.db import UNAVAILABLE, Database, unavailable_reason
from moderation.domain import CommentStatus, Role
from moderation.errors import Conflict, DomainError
from moderation.logs import configure as configure_logs
from moderation.long_lived import freeze_startup
from moderation.metrics import serve_on_port, watch_pool
from moderation.planner_statistics import keep_current
from moderation.schemas import SuppressionInSchema
from moderation.scoring.factory import load_scorer
from moderation.services import (
    audit,
    decision_data,
    keys,
    model_versions,
    privacy,
    reader_mail,
    retention,
)
from moderation.services.rescoring import RescoreFilter, rescore
from moderation.training.commands import eval_command, train
from moderation.training.finetune_command import finetune
from moderation.workers import health as worker_health
from moderation.workers.delivery import DeliveryWorker
from moderation.workers.digest import DigestWorker
from moderation.workers.mail import MailWorker
from moderation.workers.purge import PurgeWorker
from moderation.workers.scoring import ScoringWorker


class _Cli(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except DomainError as error:  # a refusal, not a crash: no traceback
            raise click.ClickException(error.message) from None
        except InvalidSetting as error:
            raise click.ClickException(str(error)) from None
        except UNAVAILABLE as error:
            raise click.ClickException(
                f"The database is not reachable or not migrated ({unavailable_reason(error)}); "
                "check MODERATION_DATABASE_URL and run `moderation db upgrade`.") from None


@click.group(cls=_Cli)
def main() -> None:
    """Comment moderation service. Settings come from MODERATION_* environment variables."""
    try:
        configure_logs(Config.from_env().log_format)
    except InvalidSetting:  # the command itself reports it
        configure_logs("text")


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--threads", default=8, show_default=True)
def serve(host: str, port: int, threads: int) -> None:
    """Serve the API (waitress); runs the scoring, delivery and purge workers in-process
    unless MODERATION_EMBEDDED_WORKER=0."""
    from waitress.server import create_server

    config = Config.from_env()
    try:
        # Forwarding headers are judged in one place for every server, create_app's ProxyFix
        # (MODERATION_PROXY_COUNT): waitress passes them on where proxies are trusted, and
        # strips them where none are.
        server = create_server(create_app(config), host=host, port=port, threads=threads,
                               clear_untrusted_proxy_headers=config.proxy_count == 0)
    except OSError as error:
        raise click.ClickException(f"Cannot listen on {host}:{port}: {error.strerror}.") from None
    for finding in doctor_checks.widget_findings(config):
        if finding.level is not doctor_checks.Level.HINT:
            logging.getLogger("moderation.doctor").warning("%s: %s", finding.code,
                                                           finding.message)
    freeze_startup()
    stop = threading.Event()
    workers = _start_workers(config, stop) if config.embedded_worker else []
    click.echo(f"Serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        for thread in workers:
            thread.join(timeout=30)


def _start_workers(config: Config, stop: threading.Event, *,
                   keep_statistics: bool = False) -> list[threading.Thread]:
    """A scoring, a delivery and a purge worker, each in its own thread; a mail and a
    digest worker too where an SMTP server is configured; on PostgreSQL the listener that
    wakes them when work is committed elsewhere. ``keep_statistics``: this process has no
    app that keeps the planner's statistics (``planner_statistics``)."""
    database = Database(config.database_url)
    watch_pool(database.engine, "worker")
    if keep_statistics:
        keep_current(database, config.statistics_check_seconds)
    threads = [
        threading.Thread(target=ScoringWorker(database, config, load_scorer).run_forever,
                         args=(stop,), name="scoring-worker", daemon=True),
        threading.Thread(target=DeliveryWorker(database, config).run_forever,
                         args=(stop,), name="delivery-worker", daemon=True),
        threading.Thread(target=PurgeWorker(database, config).run_forever,
                         args=(stop,), name="purge-worker", daemon=True),
    ]
    if config.smtp_host is not None:
        threads += [
            threading.Thread(target=MailWorker(database, config).run_forever,
                             args=(stop,), name="mail-worker", daemon=True),
            threading.Thread(target=DigestWorker(database, config).run_forever,
                             args=(stop,), name="digest-worker", daemon=True),
        ]
    for thread in threads:
        thread.start()
    listener = wakeups.listen(database, stop)
    return [*threads, listener] if listener else threads


@main.command()
@click.option("--page", "pages", multiple=True, metavar="URL",
              help="A page that embeds the widget: is its origin allowed? (repeatable)")
def doctor(pages: tuple[str, ...]) -> None:
    """Check the settings and the database for what would keep the widget from working on
    the publisher's pages (CORS origins, mixed content); exits 1 on an error."""
    config = Config.from_env()
    findings = [*doctor_checks.database_findings(config),
                *doctor_checks.widget_findings(config, pages),
                *doctor_checks.model_findings(config)]
    for finding in findings:
        click.echo(f"{finding.level.upper():7} {finding.code}: {finding.message}")
    errors = sum(finding.level is doctor_checks.Level.ERROR for finding in findings)
    click.echo(f"{errors} error(s), {len(findings) - errors} other finding(s); widget origins: "
               f"{', '.join(config.cors_origins) or 'none'}")
    if errors:
        sys.exit(1)


@main.command()
@click.option("--check", is_flag=True,
              help="Only check: exit 0 when this host's workers have a fresh heartbeat in "
                   "the database, 1 otherwise (a container's health check).")
def worker(check: bool) -> None:
    """Score comments, deliver webhooks and purge expired data until stopped (SIGTERM/SIGINT).
    Several may run against PostgreSQL. Metrics on MODERATION_METRICS_PORT, where set."""
    config = Config.from_env()
    if check:
        alive = worker_health.alive_here(config)
        click.echo(f"{alive} worker(s) alive on this host." if alive
                   else "No worker of this host has a fresh heartbeat.")
        sys.exit(0 if alive else 1)
    stop = _stop_on_signals()
    threads = _start_workers(config, stop, keep_statistics=True)
    if config.metrics_port is not None:  # after the pool gauges exist: no partial scrape
        serve_on_port(config.metrics_host, config.metrics_port)
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=1)


@main.group()
def db() -> None:
    """Database schema."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    migrate.upgrade(Config.from_env().database_url, revision)
    click.echo(f"Database at {revision}.")


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Migrate the database back to REVISION ("base" removes every table)."""
    migrate.downgrade(Config.from_env().database_url, revision)
    click.echo(f"Database at {revision}.")


@db.command(name="backup")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The new file; an existing one is never overwritten.")
def backup_command(out: Path) -> None:
    """Copy the SQLite database into OUT while the service runs (online backup API); for
    PostgreSQL print the pg_dump command and exit 1."""
    pages = backup.backup(Config.from_env().database_url, out)
    click.echo(f"Backup written to {out} ({pages} pages).")


@main.command(name="rescore")
@click.option("--status", "statuses", multiple=True,
              type=click.Choice([s.value for s in CommentStatus]),
              help="Only comments in this status (repeatable). Default: all.")
@click.option("--article", default=None, help="Only this article's comments.")
@click.option("--since", type=click.DateTime(), default=None, help="Created at or after (UTC).")
@click.option("--until", type=click.DateTime(), default=None, help="Created before (UTC).")
@click.option("--dry-run", is_flag=True, help="Only count what would be queued.")
def rescore_command(statuses: tuple[str, ...], article: str | None, since: datetime | None,
                    until: datetime | None, dry_run: bool) -> None:
    """Score comments again after a model or policy change; workers re-decide them.
    Comments an editor has decided are never touched."""
    which = RescoreFilter(
        statuses=tuple(CommentStatus(s) for s in statuses) or tuple(CommentStatus),
        article_key=article,
        created_after=since.replace(tzinfo=UTC) if since else None,
        created_before=until.replace(tzinfo=UTC) if until else None)
    with _database() as database, database.transaction() as session:
        count = rescore(session, which, utcnow(), dry_run=dry_run)
    click.echo(f"{count} comments {'would be' if dry_run else ''} queued for scoring."
               .replace("  ", " "))


@main.group()
def model() -> None:
    """Models: train or fine-tune, fetch, install, compare, promote and roll back versions."""


model.add_command(train, "train")
model.add_command(finetune, "finetune")
main.add_command(eval_command, "eval")


@model.command()
@click.option("--model", "name", default="multilingual", show_default=True)
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Default: MODERATION_MODEL_CACHE (~/.cache/moderation/models).")
@click.option("--checkpoint-url", default=None,
              help="A mirror of the checkpoint: http(s)://, file:// or a local path.")
@click.option("--hub-source", default=None, help="Hub name or local folder for the config "
                                                 "and tokenizer.")
@click.option("--sha256", default=None, help="Refuse a download with another sha256.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--hub", default=None, help="Instead of detoxify: a Hugging Face "
              "sequence-classification checkpoint by name (needs network).")
@click.option("--from", "folder", default=None,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Instead of detoxify: such a checkpoint from a local folder.")
@click.option("--as", "cache_name", default=None,
              help="Its name in the cache (MODERATION_TRANSFORMER_MODEL); with --hub/--from.")
@click.option("--label", "labels", multiple=True, metavar="CATEGORY=LABEL",
              help="Which of its labels (name or index) gives one of our categories, e.g. "
                   "toxicity=OFFENSE; repeat for more; with --hub/--from.")
@click.option("--install/--no-install", default=True, show_default=True,
              help="Install the fetched model as the candidate (MODERATION_MODEL_STORE); "
                   "--no-install only fills the cache.")
@click.option("--note", default=None, help="Why this model (shown in the list and the log).")
@click.pass_context
def fetch(ctx: click.Context, name: str, cache: Path | None, checkpoint_url: str | None,
          hub_source: str | None, sha256: str | None, quiet: bool, hub: str | None,
          folder: Path | None, cache_name: str | None, labels: tuple[str, ...],
          install: bool, note: str | None) -> None:
    """Download a detoxify checkpoint with its config and tokenizer, fixed up to load with no
    network at all, into the model cache. With --hub or --from, any Hugging Face sequence
    classifier instead, with a label map to our categories. Then install it as the candidate
    partner of compact-de: scored in shadow only, until `moderation model promote`."""
    import socket

    from moderation.scoring.cache import FetchFailed, fetch_model
    from moderation.scoring.detoxify import INSTALL_HINT

    socket.setdefaulttimeout(60)  # torch.hub's download has no timeout of its own
    config = Config.from_env()
    cache = cache or config.model_cache
    # The store's default lies in the cache the model was fetched into.
    config = config.replace(model_cache=cache)
    if hub or folder or cache_name or labels:
        given = ctx.get_parameter_source
        detoxify_only = [flag for flag, param in (("--model", "name"),
                                                  ("--checkpoint-url", "checkpoint_url"),
                                                  ("--hub-source", "hub_source"))
                         if given(param) is ParameterSource.COMMANDLINE]
        fetched_folder = _fetch_transformer(cache, hub, folder, cache_name, labels, sha256,
                                            detoxify_only)
        if install:
            _install_candidate(config, fetched_folder, note)
        else:
            click.echo(f"Not installed: `moderation model install --transformer {cache_name}` "
                       "makes it the candidate.")
        return
    if checkpoint_url and "://" not in checkpoint_url:
        checkpoint_url = Path(checkpoint_url).resolve().as_uri()
    try:
        fetched = fetch_model(name, cache, checkpoint_url=checkpoint_url, hub_source=hub_source,
                              sha256=sha256, progress=not quiet)
    except ImportError as error:  # installed without the extra
        raise click.ClickException(
            f"fetching a model needs the detoxify extra ({error.name or error} is missing): "
            f"{INSTALL_HINT}") from None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--model") from None
    except FetchFailed as error:
        raise click.ClickException(str(error)) from None
    source = fetched.manifest["source"]
    click.echo(f"Fetched {name} into {cache / name}")
    click.echo(f"  source      {source['url']}  sha256 {source['sha256']}")
    click.echo(f"  checkpoint  {fetched.checkpoint}")
    click.echo(f"  config      {fetched.config_dir}")
    click.echo(f"  classes     {', '.join(fetched.manifest['classes'])}")
    if install:
        _install_candidate(config, fetched.checkpoint.parent, note)
    else:
        click.echo(f"Not installed: `moderation model install --detoxify {name}` makes it the "
                   "candidate (MODERATION_SCORER=detoxify scores with it from the cache).")


def _install_candidate(config: Config, folder: Path, note: str | None) -> None:
    """Register a fetched model as the candidate and tell the admin what comes next."""
    try:
        with Database(config.database_url) as database, database.transaction() as session:
            installed = model_versions.install(session, folder, config, actor=audit.CLI,
                                               note=note, now=utcnow())
            version, path = installed.version, installed.path
    except Conflict as error:  # fetched again, unchanged: that version is registered
        click.echo(f"{error.message} Nothing new to install.")
        return
    click.echo(f"Model {version} installed as the candidate in {path}: it is scored in "
               "shadow only, nothing live changes.")
    click.echo("Compare it with `moderation model report`, make it live with `moderation "
               "model promote` (`moderation model rollback` returns to the one before).")


def _fetch_transformer(cache: Path, hub: str | None, folder: Path | None,
                       cache_name: str | None, labels: tuple[str, ...], sha256: str | None,
                       detoxify_only: list[str]) -> Path:
    """`model fetch --hub/--from`: a Hugging Face sequence classifier into the cache;
    returns its folder there."""
    if detoxify_only:
        raise click.UsageError(f"{', '.join(detoxify_only)} fetch detoxify's models; not "
                               "with --hub/--from")
    if (hub is None) == (folder is None):
        raise click.UsageError("give either --hub NAME or --from FOLDER")
    if not cache_name or not labels:
        raise click.UsageError("--hub/--from need --as NAME and at least one --label "
                               "CATEGORY=LABEL")
    from moderation.scoring.model_cache import FetchFailed
    from moderation.scoring.transformer_cache import fetch_transformer, parse_labels

    try:
        fetched = fetch_transformer(cache_name, cache, parse_labels(labels), hub=hub,
                                    folder=folder, sha256=sha256)
    except ImportError as error:  # installed without the extra
        raise click.ClickException(
            f"fetching a model needs the detoxify extra ({error.name or error} is missing): "
            "pip install 'moderation[detoxify]'") from None
    except (ValueError, FetchFailed) as error:
        raise click.ClickException(str(error)) from None
    manifest = fetched.manifest
    mapped = ", ".join(f"{category}={entry['label']}"
                       for category, entry in manifest["labels"].items())
    click.echo(f"Fetched {hub or folder} into {cache / cache_name}")
    click.echo(f"  weights     sha256 {manifest['weights_sha256']}")
    click.echo(f"  head        {manifest['problem_type']} ({manifest['activation']})")
    click.echo(f"  labels      {mapped}")
    click.echo(f"  scorer      hf:{cache_name}@{manifest['scorer_version']}")
    return fetched.folder


@model.command()
@click.argument("folder", required=False,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--transformer", "transformer", metavar="NAME", default=None,
              help="A transformer fetched into MODERATION_MODEL_CACHE with `model fetch --as "
                   "NAME --no-install`, instead of FOLDER.")
@click.option("--detoxify", "detoxify", metavar="NAME", default=None,
              help="A detoxify model fetched into MODERATION_MODEL_CACHE (`model fetch "
                   "--model NAME`, e.g. multilingual) but not installed, instead of FOLDER.")
@click.option("--note", default=None, help="Why this model (shown in the list and the log).")
def install(folder: Path | None, transformer: str | None, detoxify: str | None,
            note: str | None) -> None:
    """Register a trained compact model (what `model train --out` wrote), a fetched
    transformer or a fetched detoxify model as the candidate: it is copied into
    MODERATION_MODEL_STORE and scores nothing but the shadow comparison until promoted."""
    config = Config.from_env()
    if sum(given is not None for given in (folder, transformer, detoxify)) != 1:
        raise click.UsageError("Give either FOLDER, --transformer NAME or --detoxify NAME.")
    if folder is None:
        folder = _cached_folder(config, transformer, "--transformer") if transformer \
            else _cached_folder(config, str(detoxify), "--detoxify")
    _install_candidate(config, folder, note)


def _cached_folder(config: Config, name: str, option: str) -> Path:
    """The folder of the model fetched into the cache as ``name``."""
    from moderation.scoring.cache import cached_model
    from moderation.scoring.transformer_cache import cached_transformer

    detoxify = option == "--detoxify"
    try:
        fetched = (cached_model if detoxify else cached_transformer)(name, config.model_cache)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint=option) from None
    if fetched is None:
        how = "--model NAME" if detoxify else "--hub/--from ... --as NAME"
        raise click.BadParameter(f"{name!r} is not fetched into {config.model_cache} "
                                 f"(moderation model fetch {how})", param_hint=option)
    return fetched.checkpoint.parent if detoxify else fetched.folder


@model.command(name="list")
def list_models() -> None:
    """Registered model versions, the newest first, and which one scores."""
    with _database() as database, database.transaction() as session:
        described = model_versions.describe_all(session)
        for row in described["versions"]:
            promoted = (f"promoted {_when(row.promoted_at)} by {row.promoted_by}"
                        if row.promoted_at else "never promoted")
            erased = (f"\tTRAINED ON ERASED COMMENTS (since {_when(row.trained_on_erased_at)}):"
                      " train again" if row.trained_on_erased_at else "")
            click.echo(f"{row.version}\t{row.state.value}\tinstalled {_when(row.created_at)} "
                       f"by {row.created_by}\t{promoted}\t{row.note or ''}{erased}".rstrip())
    shipped = " (shipped)" if described["live"] == described["shipped"] else ""
    click.echo(f"Live: {described['live']}{shipped}")
    if described["live_transformer"]:
        click.echo(f"Live transformer: {described['live_transformer']}")


def _when(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


@model.command()
def report() -> None:
    """The candidate model in shadow: how often the live policy with its scores disagrees
    with the live decisions and with editors. Read it before `model promote`."""
    with _database() as database, database.transaction() as session:
        found = model_versions.shadow_report(session)
    click.echo(json.dumps(found, indent=2, ensure_ascii=False))


@model.command()
def promote() -> None:
    """Make the candidate model live; workers switch to it before their next batch."""
    with _database() as database, database.transaction() as session:
        version = model_versions.promote(session, actor=audit.CLI, now=utcnow()).version
    click.echo(f"Model {version} is live.")


@model.command()
@click.option("--kind", type=click.Choice(model_versions.KINDS), default=None,
              help="Which live model to roll back. Default: the one promoted last.")
def rollback(kind: str | None) -> None:
    """Return to the model version that was live before the live one (of its kind)."""
    with _database() as database, database.transaction() as session:
        version = model_versions.rollback(session, actor=audit.CLI, now=utcnow(), kind=kind)
    click.echo(f"Model {version} is live again.")


@main.group(name="keys")
def keys_group() -> None:
    """Editor and admin API keys."""


def _database() -> Database:
    return Database(Config.from_env().database_url)


@keys_group.command()
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.EDITOR.value,
              show_default=True)
@click.option("--expires-in-days", type=click.IntRange(min=1), default=None)
def create(name: str, role: str, expires_in_days: int | None) -> None:
    """Create a key; its secret is shown once."""
    now = utcnow()
    expires_at = now + timedelta(days=expires_in_days) if expires_in_days else None
    with _database() as database, database.transaction() as session:
        created = keys.create_key(session, name, Role(role), now, expires_at)
        audit.record(session, "key.created", actor=audit.CLI, target=f"key:{name}", now=now,
                     details={"role": role,
                              "expires_at": expires_at.isoformat() if expires_at else None})
    click.echo(created.secret)
    click.echo(f"Key {name!r} ({role}) created. Store the secret now: it is not shown again.",
               err=True)


@keys_group.command(name="list")
def list_() -> None:
    """List keys (never their secrets)."""
    with _database() as database, database.transaction() as session:
        for key in keys.list_keys(session):
            state = "revoked" if key.revoked_at else (
                "expired" if not key.is_active(utcnow()) else "active")
            last = key.last_used_at.isoformat(timespec="seconds") if key.last_used_at else "never"
            click.echo(f"{key.name}\t{key.role.value}\t{key.prefix}…\t{state}\tlast used {last}")


@keys_group.command()
@click.argument("name")
def revoke(name: str) -> None:
    """Revoke a key at once."""
    with _database() as database, database.transaction() as session:
        now = utcnow()
        keys.revoke_key(session, name, now)
        audit.record(session, "key.revoked", actor=audit.CLI, target=f"key:{name}", now=now)
    click.echo(f"Key {name!r} revoked.")


@main.group(name="users")
def users_group() -> None:
    """People who sign in to the editors' workspace (/redaktion/)."""


def _new_password(password_stdin: bool) -> str:
    """A password from standard input (one line), or typed twice at a hidden prompt."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


_PASSWORD_STDIN = click.option("--password-stdin", is_flag=True,
                               help="Read the password from standard input instead of a prompt.")


@users_group.command(name="create")
@click.option("--email", required=True)
@click.option("--name", required=True, help="The name colleagues know the person by.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.EDITOR.value,
              show_default=True)
@click.option("--locale", type=click.Choice(["de", "en"]), default=None,
              help="The workspace's language for this person. Default: MODERATION_LANGUAGE.")
@_PASSWORD_STDIN
def users_create(email: str, name: str, role: str, locale: str | None,
                 password_stdin: bool) -> None:
    """Create an account that signs in with a password."""
    config = Config.from_env()
    password = _new_password(password_stdin)
    with Database(config.database_url) as database, database.transaction() as session:
        account = accounts.create_account(
            session, email=email, name=name, role=Role(role), password=password,
            locale=locale or config.language, actor=audit.CLI, now=utcnow())
    click.echo(f"Account {account.email} ({role}) created.")


@users_group.command(name="list")
def users_list() -> None:
    """List accounts (never their passwords)."""
    with _database() as database, database.transaction() as session:
        for account in accounts.list_accounts(session):
            state = "disabled" if account.disabled else "active"
            second = "totp" if account.totp_secret else (
                "totp required" if account.totp_required else "password only")
            last = account.last_signed_in_at.isoformat(timespec="seconds") \
                if account.last_signed_in_at else "never"
            click.echo(f"{account.email}\t{account.name}\t{account.role.value}\t{state}\t"
                       f"{second}\tlast sign-in {last}")


@users_group.command(name="disable")
@click.argument("email")
def users_disable(email: str) -> None:
    """Disable an account; its sessions end at once."""
    with _database() as database, database.transaction() as session:
        accounts.disable(session, accounts.get_account(session, email), actor=audit.CLI,
                         now=utcnow())
    click.echo(f"Account {email} disabled.")


@users_group.command(name="reset-password")
@click.argument("email")
def users_reset_password(email: str) -> None:
    """Give an account a one-time password (shown once); it must be changed at sign-in."""
    with _database() as database, database.transaction() as session:
        one_time = accounts.reset_password(session, accounts.get_account(session, email),
                                           actor=audit.CLI, now=utcnow())
    click.echo(one_time)
    click.echo(f"One-time password for {email}: pass it on now, it is not shown again.",
               err=True)


@users_group.command(name="require-totp")
@click.argument("email")
@click.option("--off", is_flag=True, help="Make the second factor optional again.")
def users_require_totp(email: str, off: bool) -> None:
    """Require a second factor (TOTP) at sign-in; set up at the next sign-in if missing."""
    with _database() as database, database.transaction() as session:
        accounts.require_totp(session, accounts.get_account(session, email), not off,
                              actor=audit.CLI, now=utcnow())
    click.echo(f"Second factor {'optional' if off else 'required'} for {email}.")


@main.group(name="privacy")
def privacy_group() -> None:
    """Readers' data requests (GDPR): export or erase everything about one reader."""


_EMAIL = click.option("--email", default=None, help="The reader's verified email.")
_TOKENS = click.option("--author-token", "author_tokens", multiple=True,
                       help="An author token of the reader's comments (repeatable).")
_REPORT_TOKENS = click.option("--report-token", "report_tokens", multiple=True,
                              help="A report token of the reader's reports (repeatable).")


@privacy_group.command(name="export")
@_EMAIL
@_TOKENS
@_REPORT_TOKENS
def privacy_export(email: str | None, author_tokens: tuple[str, ...],
                   report_tokens: tuple[str, ...]) -> None:
    """Print everything stored about a reader as JSON (GDPR Art. 15 and 20)."""
    config = Config.from_env()
    with Database(config.database_url) as database, database.transaction() as session:
        exported = privacy.export_author(
            session, email, author_tokens, report_tokens=report_tokens, actor=audit.CLI,
            now=utcnow(), address_retention_days=config.address_retention_days)
    click.echo(json.dumps(exported, ensure_ascii=False, indent=2))


@privacy_group.command(name="erase")
@_EMAIL
@_TOKENS
@_REPORT_TOKENS
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def privacy_erase(email: str | None, author_tokens: tuple[str, ...],
                  report_tokens: tuple[str, ...], yes: bool) -> None:
    """Erase a reader's comments (tombstones keep only the decision) and what they wrote
    and who they are on reports they filed (GDPR Art. 17). Cannot be undone."""
    # A request that names nobody is refused first.
    privacy.Subject.of(email, author_tokens, report_tokens)
    if not yes:
        named = [email] if email else []
        named += [f"{len(author_tokens)} author token(s)"] if author_tokens else []
        named += [f"{len(report_tokens)} report token(s)"] if report_tokens else []
        click.confirm(f"Erase everything stored about {' and '.join(named)}? This cannot be "
                      "undone.", abort=True)
    with _database() as database, database.transaction() as session:
        erased = privacy.erase_author(session, email, author_tokens,
                                      report_tokens=report_tokens, actor=audit.CLI,
                                      now=utcnow())
    click.echo(f"Erased {erased['comments']} comments; {erased['reports']} reports, "
               f"{erased['appeals']} appeals and {erased['webhook_messages']} webhook "
               f"messages redacted (request {erased['request_id']}).")


@main.group(name="mail")
def mail_group() -> None:
    """Mail to readers: what the MTA reports back."""


@mail_group.command(name="suppress")
@click.argument("email")
@click.option("--reason", type=click.Choice(["bounced", "complaint"]), default="bounced",
              show_default=True, help="What the MTA's bounce processor reported.")
def mail_suppress(email: str, reason: str) -> None:
    """Send no more mail to a reader's EMAIL (a bounce or a complaint); its pending mails
    are cancelled. Audited."""
    try:
        checked = SuppressionInSchema().load({"email": email, "reason": reason})
    except ValidationError as error:
        raise click.BadParameter("; ".join(error.normalized_messages().get("email", [])),
                                 param_hint="EMAIL") from None
    with _database() as database, database.transaction() as session:
        address = reader_mail.suppress(session, checked["email"], reason, actor=audit.CLI,
                                       now=utcnow())
        click.echo(f"No more mail to {checked['email']} "
                   f"({address.suppressed_reason} since {address.suppressed_at:%Y-%m-%d}).")


@main.command(name="purge")
@click.option("--dry-run", is_flag=True, help="Only count what would be purged.")
def purge_command(dry_run: bool) -> None:
    """Purge what the retention periods no longer allow to keep (for cron; workers do it
    every MODERATION_PURGE_INTERVAL_MINUTES anyway)."""
    config = Config.from_env()
    with Database(config.database_url) as database, database.session() as session, \
            session.begin() as transaction:
        counts = retention.purge(session, config, utcnow(), actor=audit.CLI)
        if dry_run:
            transaction.rollback()
    for what, count in counts.items():
        click.echo(f"{what}\t{count}")
    if dry_run:
        click.echo("(dry run: nothing was changed)", err=True)


@main.group(name="decisions")
def decisions_group() -> None:
    """The editors' decisions as training data."""


@decisions_group.command(name="export")
@click.option("--since", type=click.DateTime(), default=None,
              help="Only decisions at or after this moment (UTC).")
@click.option("--holdout", type=click.FloatRange(0, 1, max_open=True), default=0.2,
              show_default=True, help="The newest share, marked as the test split.")
@click.option("--out", type=click.File("w", encoding="utf-8"), default="-",
              help="The CSV file (default: standard output).")
def decisions_export(since: datetime | None, holdout: float, out: TextIO) -> None:
    """Write the comments editors approved (label 0) or rejected (1) as CSV for
    `moderation model train --data`: text, label, split, the rejection's reason code and
    when; no names, emails or ids. On the audit log (decisions.exported)."""
    with _database() as database, database.transaction() as session:
        rows = decision_data.export(session, out, since=since and since.replace(tzinfo=UTC),
                                    holdout=holdout, actor=audit.CLI, now=utcnow())
    click.echo(f"{len(rows)} decisions exported", err=True)
