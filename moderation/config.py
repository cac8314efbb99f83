"""Configuration, read from ``MODERATION_*`` environment variables when the app is created."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from moderation.policy import (
    DEFAULT_MAX_LINKS,
    DEFAULT_THRESHOLDS,
    PolicySettings,
    Thresholds,
    parse_thresholds,
)


def _env(name: str, default: str) -> str:
    return os.environ.get(f"MODERATION_{name}", default)


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name, "1" if default else "0").strip().lower()
    return value in {"1", "true", "yes", "on"}


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in _env(name, "").split(",") if item.strip()]


def _optional_int(value: str) -> int | None:
    """An integer setting where "" or "none" switches the limit off."""
    return None if value.strip().lower() in {"", "none"} else int(value)


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
    testing: bool = False

    @classmethod
    def from_env(cls) -> Config:
        instance_path = Path(_env("INSTANCE_PATH", "instance")).resolve()
        raw_thresholds = _env("THRESHOLDS", "")
        return cls(
            database_url=_env("DATABASE_URL", "") or default_database_url(instance_path),
            instance_path=instance_path,
            cors_origins=_env_list("CORS_ORIGINS"),
            max_body_bytes=int(_env("MAX_BODY_BYTES", str(cls.max_body_bytes))),
            page_size=int(_env("PAGE_SIZE", str(cls.page_size))),
            embedded_worker=_env_bool("EMBEDDED_WORKER", True),
            worker_batch_size=int(_env("WORKER_BATCH_SIZE", str(cls.worker_batch_size))),
            worker_poll_seconds=float(_env("WORKER_POLL_SECONDS", str(cls.worker_poll_seconds))),
            job_lease_seconds=int(_env("JOB_LEASE_SECONDS", str(cls.job_lease_seconds))),
            job_max_attempts=int(_env("JOB_MAX_ATTEMPTS", str(cls.job_max_attempts))),
            scorer=_env("SCORER", cls.scorer),
            detoxify_model=_env("DETOXIFY_MODEL", cls.detoxify_model),
            detoxify_checkpoint=_env("DETOXIFY_CHECKPOINT", "") or None,
            detoxify_config_dir=_env("DETOXIFY_CONFIG_DIR", "") or None,
            detoxify_device=_env("DETOXIFY_DEVICE", cls.detoxify_device),
            detoxify_threads=_optional_int(_env("DETOXIFY_THREADS", "")),
            detoxify_quantize=_env("DETOXIFY_QUANTIZE", "") or None,
            detoxify_onnx_dir=_env("DETOXIFY_ONNX_DIR", "") or None,
            detoxify_batch_tokens=int(_env("DETOXIFY_BATCH_TOKENS",
                                           str(cls.detoxify_batch_tokens))),
            webhook_allowed_hosts=frozenset(_env_list("WEBHOOK_ALLOWED_HOSTS")),
            webhook_secret_overlap_hours=float(_env("WEBHOOK_SECRET_OVERLAP_HOURS", "24")),
            webhook_timeout_seconds=float(_env("WEBHOOK_TIMEOUT_SECONDS", "15")),
            webhook_concurrency=int(_env("WEBHOOK_CONCURRENCY", "8")),
            webhook_retry_seconds=tuple(float(v) for v in _env_list("WEBHOOK_RETRY_SECONDS"))
            or cls.webhook_retry_seconds,
            model_cache=Path(_env("MODEL_CACHE", "") or Path.home() / ".cache/moderation/models"),
            thresholds=parse_thresholds(json.loads(raw_thresholds))
            if raw_thresholds
            else dict(DEFAULT_THRESHOLDS),
            max_links=_optional_int(_env("MAX_LINKS", str(DEFAULT_MAX_LINKS))),
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
