"""Configuration, read from ``MODERATION_*`` environment variables when the app is created."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from moderation.policy import (
    DEFAULT_MAX_LINKS,
    DEFAULT_THRESHOLDS,
    PolicySettings,
    Thresholds,
    parse_thresholds,
)

# The DSA (Art. 20) gives authors at least six months to contest a decision.
MIN_APPEAL_DAYS = 183


def _env(name: str, default: str) -> str:
    return os.environ.get(f"MODERATION_{name}", default)


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name, "1" if default else "0").strip().lower()
    return value in {"1", "true", "yes", "on"}


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in _env(name, "").split(",") if item.strip()]


class InvalidSetting(ValueError):
    """A ``MODERATION_*`` setting the service cannot run with."""


def _env_int(name: str, default: str) -> int:
    return _parsed(name, default, int)


def _env_float(name: str, default: str) -> float:
    return _parsed(name, default, float)


def _parsed(name: str, default: str, kind: type) -> Any:
    value = _env(name, default)
    try:
        return kind(value)
    except ValueError:
        raise InvalidSetting(f"MODERATION_{name} must be a number, not {value!r}.") from None


def _env_seconds(name: str) -> tuple[float, ...]:
    try:
        return tuple(float(value) for value in _env_list(name))
    except ValueError:
        raise InvalidSetting(f"MODERATION_{name} must list seconds, comma-separated.") from None


def _env_thresholds() -> Thresholds:
    raw = _env("THRESHOLDS", "")
    if not raw:
        return dict(DEFAULT_THRESHOLDS)
    try:
        return parse_thresholds(json.loads(raw))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise InvalidSetting("MODERATION_THRESHOLDS must be JSON like "
                             f'{{"insult": {{"review": 0.5, "reject": 0.9}}}}: {error}') from None


def _env_optional_int(name: str, default: str) -> int | None:
    """An integer setting where "" or "none" switches the limit off."""
    value = _env(name, default)
    return None if value.strip().lower() in {"", "none"} else _parsed(name, default, int)


def default_database_url(instance_path: Path) -> str:
    """The zero-config embedded database: a SQLite file in the instance folder."""
    return f"sqlite:///{instance_path / 'moderation.db'}"


@dataclass
class Config:
    """Every setting of the service; ``from_env`` is the only place that reads the environment."""

    database_url: str = ""
    instance_path: Path = field(default_factory=lambda: Path("instance").resolve())
    cors_origins: list[str] = field(default_factory=list)
    max_body_bytes: int = 64 * 1024
    page_size: int = 50
    max_page_size: int = 200
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
    model_cache: Path = field(default_factory=lambda: Path.home() / ".cache/moderation/models")
    # Development and tests only: hosts a webhook may reach although they are private.
    webhook_allowed_hosts: frozenset[str] = frozenset()
    webhook_secret_overlap_hours: float = 24.0
    webhook_timeout_seconds: float = 15.0
    webhook_concurrency: int = 8
    # Waits after the 1st, 2nd ... failed attempt; after the last the delivery is dead.
    webhook_retry_seconds: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
    thresholds: Thresholds = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    max_links: int | None = DEFAULT_MAX_LINKS
    # Abuse defence: rate limits (limits syntax, ";" between several) per client network,
    # author email and article; counters in memory or in Redis/Memcached (storage URL).
    rate_limits_enabled: bool = True
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
    testing: bool = False

    def __post_init__(self) -> None:
        if self.appeal_days < MIN_APPEAL_DAYS:
            raise InvalidSetting(f"MODERATION_APPEAL_DAYS must be at least {MIN_APPEAL_DAYS}: "
                                 "the DSA gives authors at least six months to appeal.")
        if min(self.address_retention_days, self.rejected_retention_days,
               self.report_retention_days, self.webhook_log_retention_days) < 1:
            raise InvalidSetting("Retention periods (MODERATION_ADDRESS_RETENTION_DAYS, "
                                 "MODERATION_REJECTED_RETENTION_DAYS, "
                                 "MODERATION_REPORT_RETENTION_DAYS, "
                                 "MODERATION_WEBHOOK_LOG_RETENTION_DAYS) must be at least "
                                 "one day.")

    @classmethod
    def from_env(cls) -> Config:
        instance_path = Path(_env("INSTANCE_PATH", "instance")).resolve()
        return cls(
            database_url=_env("DATABASE_URL", "") or default_database_url(instance_path),
            instance_path=instance_path,
            cors_origins=_env_list("CORS_ORIGINS"),
            max_body_bytes=_env_int("MAX_BODY_BYTES", str(cls.max_body_bytes)),
            page_size=_env_int("PAGE_SIZE", str(cls.page_size)),
            embedded_worker=_env_bool("EMBEDDED_WORKER", True),
            worker_batch_size=_env_int("WORKER_BATCH_SIZE", str(cls.worker_batch_size)),
            worker_poll_seconds=_env_float("WORKER_POLL_SECONDS", str(cls.worker_poll_seconds)),
            job_lease_seconds=_env_int("JOB_LEASE_SECONDS", str(cls.job_lease_seconds)),
            job_max_attempts=_env_int("JOB_MAX_ATTEMPTS", str(cls.job_max_attempts)),
            scorer=_env("SCORER", cls.scorer),
            detoxify_model=_env("DETOXIFY_MODEL", cls.detoxify_model),
            detoxify_checkpoint=_env("DETOXIFY_CHECKPOINT", "") or None,
            detoxify_config_dir=_env("DETOXIFY_CONFIG_DIR", "") or None,
            detoxify_device=_env("DETOXIFY_DEVICE", cls.detoxify_device),
            detoxify_threads=_env_optional_int("DETOXIFY_THREADS", ""),
            detoxify_quantize=_env("DETOXIFY_QUANTIZE", "") or None,
            detoxify_onnx_dir=_env("DETOXIFY_ONNX_DIR", "") or None,
            detoxify_batch_tokens=_env_int("DETOXIFY_BATCH_TOKENS",
                                           str(cls.detoxify_batch_tokens)),
            webhook_allowed_hosts=frozenset(_env_list("WEBHOOK_ALLOWED_HOSTS")),
            webhook_secret_overlap_hours=_env_float("WEBHOOK_SECRET_OVERLAP_HOURS", "24"),
            webhook_timeout_seconds=_env_float("WEBHOOK_TIMEOUT_SECONDS", "15"),
            webhook_concurrency=_env_int("WEBHOOK_CONCURRENCY", "8"),
            webhook_retry_seconds=_env_seconds("WEBHOOK_RETRY_SECONDS")
            or cls.webhook_retry_seconds,
            model_cache=Path(_env("MODEL_CACHE", "") or Path.home() / ".cache/moderation/models"),
            thresholds=_env_thresholds(),
            max_links=_env_optional_int("MAX_LINKS", str(DEFAULT_MAX_LINKS)),
            rate_limits_enabled=_env_bool("RATE_LIMITS", True),
            rate_limit_storage_url=_env("RATE_LIMIT_STORAGE_URL", cls.rate_limit_storage_url),
            limit_comments_per_address=_env("LIMIT_COMMENTS_PER_ADDRESS",
                                            cls.limit_comments_per_address),
            limit_comments_per_email=_env("LIMIT_COMMENTS_PER_EMAIL",
                                          cls.limit_comments_per_email),
            limit_comments_per_article=_env("LIMIT_COMMENTS_PER_ARTICLE",
                                            cls.limit_comments_per_article),
            limit_reports_per_address=_env("LIMIT_REPORTS_PER_ADDRESS",
                                           cls.limit_reports_per_address),
            limit_appeals_per_address=_env("LIMIT_APPEALS_PER_ADDRESS",
                                           cls.limit_appeals_per_address),
            limit_reads_per_address=_env("LIMIT_READS_PER_ADDRESS", cls.limit_reads_per_address),
            proxy_count=_env_int("PROXY_COUNT", "0"),
            address_prefix_v4=_env_int("ADDRESS_PREFIX_V4", str(cls.address_prefix_v4)),
            address_prefix_v6=_env_int("ADDRESS_PREFIX_V6", str(cls.address_prefix_v6)),
            duplicate_window_minutes=_env_int("DUPLICATE_WINDOW_MINUTES",
                                              str(cls.duplicate_window_minutes)),
            address_retention_days=_env_int("ADDRESS_RETENTION_DAYS",
                                            str(cls.address_retention_days)),
            rejected_retention_days=_env_int("REJECTED_RETENTION_DAYS",
                                             str(cls.rejected_retention_days)),
            report_retention_days=_env_int("REPORT_RETENTION_DAYS",
                                           str(cls.report_retention_days)),
            webhook_log_retention_days=_env_int("WEBHOOK_LOG_RETENTION_DAYS",
                                                str(cls.webhook_log_retention_days)),
            purge_interval_minutes=_env_int("PURGE_INTERVAL_MINUTES",
                                            str(cls.purge_interval_minutes)),
            appeal_days=_env_int("APPEAL_DAYS", str(cls.appeal_days)),
            terms_url=_env("TERMS_URL", "") or None,
            terms_clause=_env("TERMS_CLAUSE", cls.terms_clause),
        )

    def policy_defaults(self) -> PolicySettings:
        """The policy in force until an admin saves one through the API."""
        return PolicySettings(thresholds=dict(self.thresholds), max_links=self.max_links,
                              label="configured")

    def replace(self, **changes: object) -> Config:
        """A copy with some settings changed (tests and the CLI use it)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Config(**values)
