"""Configuration, read from ``MODERATION_*`` environment variables when the app is created."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import MISSING, Field, dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from moderation.texts import DEFAULT_LANGUAGE, LANGUAGES

# The DSA (Art. 20) gives authors at least six months to contest a decision.
MIN_APPEAL_DAYS = 183
PREFIX = "MODERATION_"


class InvalidSetting(ValueError):
    """A ``MODERATION_*`` setting the service cannot run with."""


def default_database_url(instance_path: Path) -> str:
    """The zero-config embedded database: a SQLite file in the instance folder."""
    return f"sqlite:///{instance_path / 'moderation.db'}"


def _words(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _optional(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """"" (or "none") switches the setting off."""
    return lambda value: None if value.strip().lower() in {"", "none"} else parse(value)


def _threshold_overrides(value: str) -> dict[str, Any]:
    """Thresholds by category as JSON; the policy checks their values when it is built."""
    parsed = json.loads(value) if value.strip() else {}
    if not isinstance(parsed, dict) or not all(
            isinstance(limits, dict) and "review" in limits for limits in parsed.values()):
        raise ValueError("categories need a review threshold")
    return parsed


# How a variable's text becomes a value, by the type of the field it sets.
_PARSERS: dict[str, Callable[[str], Any]] = {
    "str": str,
    "str | None": lambda value: value or None,
    "int": int,
    "int | None": _optional(int),
    "float": float,
    "bool": _flag,
    "Path": lambda value: Path(value).expanduser().resolve(),
    "list[str]": _words,
    "frozenset[str]": lambda value: frozenset(_words(value)),
    "tuple[float, ...]": lambda value: tuple(float(item) for item in _words(value)),
    "thresholds": _threshold_overrides,
}
_EXPECTED = {"int": "a number", "int | None": "a number or none",
             "float": "a number", "tuple[float, ...]": "numbers, comma-separated",
             "thresholds": 'JSON like {"insult": {"review": 0.5, "reject": 0.9}}'}


def variable_of(setting: Field) -> str:
    """The environment variable that sets a field: ``MODERATION_`` + its name."""
    return PREFIX + setting.metadata.get("env", setting.name.upper())


def _from_env(setting: Field) -> Any:
    """The value the environment gives ``setting``, or ``MISSING`` to keep the default."""
    name = variable_of(setting)
    raw = os.environ.get(name)
    # An empty path or schedule (",", " ") keeps the default: no retries would be no schedule.
    if raw is None or (not _words(raw) and setting.type in {"Path", "tuple[float, ...]"}):
        return MISSING
    kind = setting.metadata.get("kind", str(setting.type))
    try:
        return _PARSERS[kind](raw)
    except ValueError as error:
        expected = _EXPECTED.get(kind, "a valid value")
        raise InvalidSetting(f"{name} must be {expected}, not {raw!r} ({error}).") from None


@dataclass
class Config:
    """Every setting of the service; ``from_env`` is the only place that reads the environment."""

    database_url: str = ""
    instance_path: Path = field(default_factory=lambda: Path("instance").resolve())
    cors_origins: list[str] = field(default_factory=list)
    max_body_bytes: int = 64 * 1024
    embedded_worker: bool = True
    worker_batch_size: int = 16
    worker_poll_seconds: float = 1.0
    job_lease_seconds: int = 120
    job_max_attempts: int = 5
    scorer: str = "auto"
    detoxify_model: str = "multilingual"
    detoxify_checkpoint: str | None = None
    detoxify_config_dir: str | None = None
    detoxify_device: str = "cpu"
    detoxify_threads: int | None = None
    detoxify_quantize: str | None = None
    detoxify_onnx_dir: str | None = None
    detoxify_batch_tokens: int = 2048
    # A Hugging Face sequence classifier fetched with `moderation model fetch --hub/--from
    # ... --as NAME`: its cache name. `auto` then combines it with compact-de (instead of
    # detoxify); the _DEVICE, _THREADS, _QUANTIZE, _ONNX_DIR, _BATCH_TOKENS settings apply.
    transformer_model: str | None = None
    model_cache: Path = field(default_factory=lambda: Path.home() / ".cache/moderation/models")
    # Registered model versions (`moderation model install`), a folder each; every worker
    # reads them from here, so several hosts share it. Default: <model_cache>/versions.
    model_store: Path | None = field(default=None, metadata={"kind": "Path"})
    # The compact model folder to score with instead of the shipped one: the scoring
    # worker sets it to the live registered version.
    compact_model: Path | None = field(default=None, metadata={"from_env": False})
    # The live registered transformer's folder (in the model store): set by the scoring
    # worker; it wins over MODERATION_TRANSFORMER_MODEL.
    transformer_path: Path | None = field(default=None, metadata={"from_env": False})
    # Development and tests only: hosts a webhook may reach although they are private.
    webhook_allowed_hosts: frozenset[str] = frozenset()
    webhook_secret_overlap_hours: float = 24.0
    webhook_timeout_seconds: float = 15.0
    webhook_concurrency: int = 8
    # Waits after the 1st, 2nd ... failed attempt; after the last the delivery is dead.
    webhook_retry_seconds: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
    # Overrides of the policy's default thresholds, {"insult": {"review": 0.5, "reject": 0.9}}.
    thresholds: dict[str, Any] = field(default_factory=dict, metadata={"kind": "thresholds"})
    max_links: int | None = 2
    # Abuse defence: rate limits (limits syntax, ";" between several) per client network,
    # author email and article; counters in memory or in Redis/Memcached (storage URL).
    rate_limits_enabled: bool = field(default=True, metadata={"env": "RATE_LIMITS"})
    rate_limit_storage_url: str = "memory://"
    limit_comments_per_address: str = "6/minute;60/hour"
    limit_comments_per_email: str = "4/minute;30/hour"
    limit_comments_per_article: str = "120/minute"
    limit_reports_per_address: str = "10/hour"
    limit_appeals_per_address: str = "10/hour"
    limit_reads_per_address: str = "600/minute"
    # Reverse proxies in front of the service whose X-Forwarded-For may be trusted.
    proxy_count: int = 0
    # Addresses are bucketed by network: one reader on a dynamic address, one bucket.
    address_prefix_v4: int = 24
    address_prefix_v6: int = 48
    duplicate_window_minutes: int = 60
    # Privacy: how long (days) address hashes, rejected comments, readers' details on decided
    # reports and webhook logs are kept.
    address_retention_days: int = 7
    rejected_retention_days: int = 183
    # Counted from the decision: long enough to answer complaints about it and an appeal.
    report_retention_days: int = 183
    webhook_log_retention_days: int = 30
    purge_interval_minutes: int = 60
    # DSA: statements of reasons name the publisher's terms; rejections may be appealed.
    appeal_days: int = MIN_APPEAL_DAYS
    terms_url: str | None = None
    terms_clause: str = "Kommentarrichtlinien"
    # The language of every text readers and editors read about decisions.
    language: str = DEFAULT_LANGUAGE
    # The newsroom's reasons for rejecting, as editors pick them ("insult,spam,satire=Satire
    # missbraucht"); empty: the default list (moderation/workspace/reasons.py).
    rejection_reasons: list[str] = field(default_factory=list)
    # The editors' workspace: its cookies travel over HTTPS only, unless switched off for
    # http://localhost. A session ends after this long without a request, and this long
    # after sign-in however active (one shift).
    session_cookie_secure: bool = True
    session_idle_minutes: int = 60
    session_max_hours: int = 12
    # Failed sign-ins (limits syntax) per email and per client network before every
    # sign-in from there is refused for the rest of the window; counted even when
    # MODERATION_RATE_LIMITS is off.
    limit_signin_failures_per_account: str = "5/15 minutes"
    limit_signin_failures_per_address: str = "30/15 minutes"
    # Editor notifications by email: off while no SMTP host is set. The port defaults to
    # 587 (starttls), 465 (ssl) or 25 (none); a user signs in over TLS only.
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: str = "starttls"
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_timeout_seconds: float = 30.0
    mail_from: str | None = None
    # Waits after the 1st, 2nd ... failed attempt to send a mail; after the last it is dead.
    mail_retry_seconds: tuple[float, ...] = (60, 300, 1800, 7200, 18000, 36000)
    # Sent, dead and cancelled mails (they quote comments and reports) are kept this long.
    mail_retention_days: int = 30
    # The hour (Europe/Berlin) of the daily digest.
    digest_hour: int = 7
    # Where the service is reached from outside, e.g. https://moderation.example.de: links
    # in mails start with it (without it they are paths).
    public_base_url: str | None = None
    # Single sign-on to the workspace at the newsroom's OpenID provider: off while no
    # issuer is set. Who may sign in: emails of these domains, members of these groups
    # (the group claim also gives the role), or both; at least one must be set.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = field(default=None, repr=False)
    oidc_scopes: list[str] = field(default_factory=lambda: ["openid", "email", "profile"])
    oidc_provider_name: str = "SSO"
    oidc_email_domains: frozenset[str] = frozenset()
    oidc_group_claim: str | None = None
    oidc_editor_groups: frozenset[str] = frozenset()
    oidc_admin_groups: frozenset[str] = frozenset()
    # First sign-in of a person without an account: create it, or refuse (link only).
    oidc_create_accounts: bool = True
    # The claim that says the provider has confirmed the email (Entra ID: xms_edov).
    oidc_email_verified_claim: str = "email_verified"
    # Log lines as text or as one JSON object each (for a log collector).
    log_format: str = "text"
    # `moderation worker` serves its metrics on this port (none: not at all); the API
    # serves them at /metrics to an admin's key. Bind beyond loopback only for a scraper.
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    # The widget's public pages, kept as the bytes they answered with: memory:// (each
    # process its own, up to CACHE_MEMORY_MB), redis://host:6379/1 (shared), or none.
    cache_url: str = "memory://"
    cache_memory_mb: int = 64
    cache_ttl_seconds: int = 86400
    # On PostgreSQL each API process keeps articles' public revisions in memory while it
    # hears of every change (LISTEN/NOTIFY): a cached page or a 304 asks the database
    # nothing. Off: every read of a thread asks it for the revision.
    watch_revisions: bool = True
    # PostgreSQL: how often each process looks for tables changed much since their planner
    # statistics were gathered, and analyzes them (``planner_statistics``); 0: autovacuum
    # alone (it looks once a minute).
    statistics_check_seconds: int = 10
    # Cache-Control of the public thread pages and counts: browsers (max-age) and shared
    # caches, a CDN or reverse proxy (s-maxage; stale-while-revalidate while refetching).
    public_max_age: int = 0
    public_s_maxage: int = 10
    public_stale_while_revalidate: int = 30
    counts_max_age: int = 60
    testing: bool = field(default=False, metadata={"from_env": False})

    def __post_init__(self) -> None:
        self.database_url = self.database_url or default_database_url(self.instance_path)
        if self.language not in LANGUAGES:
            raise InvalidSetting(f"MODERATION_LANGUAGE must be one of {', '.join(LANGUAGES)}, "
                                 f"not {self.language!r}.")
        if self.appeal_days < MIN_APPEAL_DAYS:
            raise InvalidSetting(f"MODERATION_APPEAL_DAYS must be at least {MIN_APPEAL_DAYS}: "
                                 "the DSA gives authors at least six months to appeal.")
        if min(self.session_idle_minutes, self.session_max_hours) < 1:
            raise InvalidSetting("MODERATION_SESSION_IDLE_MINUTES and "
                                 "MODERATION_SESSION_MAX_HOURS must be at least 1.")
        if min(self.address_retention_days, self.rejected_retention_days,
               self.report_retention_days, self.webhook_log_retention_days) < 1:
            raise InvalidSetting("Retention periods (MODERATION_ADDRESS_RETENTION_DAYS, "
                                 "MODERATION_REJECTED_RETENTION_DAYS, "
                                 "MODERATION_REPORT_RETENTION_DAYS, "
                                 "MODERATION_WEBHOOK_LOG_RETENTION_DAYS) must be at least "
                                 "one day.")
        if self.log_format not in ("text", "json"):
            raise InvalidSetting(f"MODERATION_LOG_FORMAT must be text or json, not "
                                 f"{self.log_format!r}.")
        if self.cache_url not in ("", "none", "memory://") and not self.cache_url.startswith(
                ("redis://", "rediss://", "unix://")):
            raise InvalidSetting("MODERATION_CACHE_URL must be memory://, none or a Redis URL "
                                 f"(redis://, rediss://, unix://), not {self.cache_url!r}.")
        _check_mail(self)
        _check_oidc(self)

    @classmethod
    def from_env(cls) -> Config:
        """Every field from its ``MODERATION_<FIELD>`` variable, where one is set."""
        values = {}
        for setting in fields(cls):
            if setting.metadata.get("from_env") is False:
                continue
            value = _from_env(setting)
            if value is not MISSING:
                values[setting.name] = value
        return cls(**values)

    def replace(self, **changes: object) -> Config:
        """A copy with some settings changed (tests and the CLI use it)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Config(**values)


def _check_mail(config: Config) -> None:
    """Mail settings the service cannot send with stop the start, not the first mail."""
    from moderation.mail.message import sender_address
    from moderation.mail.smtp import Security

    if config.smtp_security not in set(Security):
        raise InvalidSetting("MODERATION_SMTP_SECURITY must be one of "
                             f"{', '.join(Security)}, not {config.smtp_security!r}.")
    if not 0 <= config.digest_hour <= 23:
        raise InvalidSetting("MODERATION_DIGEST_HOUR must be an hour from 0 to 23.")
    if config.mail_retention_days < 1:
        raise InvalidSetting("MODERATION_MAIL_RETENTION_DAYS must be at least one day.")
    if config.public_base_url is not None:
        if not config.public_base_url.startswith(("https://", "http://")):
            raise InvalidSetting("MODERATION_PUBLIC_BASE_URL must start with https:// "
                                 "(or http://).")
        config.public_base_url = config.public_base_url.rstrip("/")
    if config.smtp_host is None:
        return
    if config.smtp_user and config.smtp_security == Security.NONE:
        raise InvalidSetting("MODERATION_SMTP_USER needs MODERATION_SMTP_SECURITY starttls or "
                             "ssl: a password is never sent in clear text.")
    try:
        sender_address(config.mail_from or "")
    except ValueError as error:
        raise InvalidSetting("MODERATION_MAIL_FROM must be the sender's address, like "
                             "redaktion@example.de or Redaktion <redaktion@example.de>, "
                             f"when MODERATION_SMTP_HOST is set ({error}).") from None


def _check_oidc(config: Config) -> None:
    """Single sign-on that would let the wrong people in, or nobody, stops the start."""
    if config.oidc_issuer is None:
        return
    issuer = urlsplit(config.oidc_issuer)
    if not (issuer.scheme == "https" or (issuer.scheme == "http" and issuer.hostname in
                                         {"127.0.0.1", "localhost", "::1"})):
        raise InvalidSetting("MODERATION_OIDC_ISSUER must be an https:// URL (http:// only "
                             "on loopback, for tests).")
    if not (config.oidc_client_id and config.oidc_client_secret):
        raise InvalidSetting("MODERATION_OIDC_CLIENT_ID and MODERATION_OIDC_CLIENT_SECRET are "
                             "needed with MODERATION_OIDC_ISSUER.")
    # "openid email profile" is how providers write scopes: spaces or commas, either way.
    config.oidc_scopes = [scope for item in config.oidc_scopes for scope in item.split()]
    if "openid" not in config.oidc_scopes:
        raise InvalidSetting("MODERATION_OIDC_SCOPES must include openid.")
    config.oidc_email_domains = frozenset(domain.lstrip("@").casefold()
                                          for domain in config.oidc_email_domains)
    groups = config.oidc_editor_groups | config.oidc_admin_groups
    if bool(config.oidc_group_claim) != bool(groups):
        raise InvalidSetting("MODERATION_OIDC_GROUP_CLAIM and MODERATION_OIDC_EDITOR_GROUPS or "
                             "MODERATION_OIDC_ADMIN_GROUPS go together.")
    if not (config.oidc_email_domains or groups):
        # Without either, anybody the provider knows would get in (with Google: anybody).
        raise InvalidSetting("Single sign-on needs MODERATION_OIDC_EMAIL_DOMAINS or "
                             "MODERATION_OIDC_GROUP_CLAIM with groups: who may sign in.")
