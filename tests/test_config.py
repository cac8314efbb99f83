"""Settings come from MODERATION_<FIELD> variables, one per field of ``Config``."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from moderation.config import Config, InvalidSetting, variable_of

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_read_from_its_variable(monkeypatch, tmp_path):
    given = {
        "MODERATION_INSTANCE_PATH": str(tmp_path),
        "MODERATION_CORS_ORIGINS": "https://blog.example.de, https://zeitung.example.de",
        "MODERATION_WORKER_BATCH_SIZE": "20",
        "MODERATION_WORKER_POLL_SECONDS": "0.5",
        "MODERATION_EMBEDDED_WORKER": "nein",
        "MODERATION_DETOXIFY_THREADS": "",
        "MODERATION_MAX_LINKS": "none",
        "MODERATION_WEBHOOK_ALLOWED_HOSTS": "hooks.intern",
        "MODERATION_WEBHOOK_RETRY_SECONDS": "1, 2,3",
        "MODERATION_THRESHOLDS": '{"insult": {"review": 0.4, "reject": 0.8}}',
        "MODERATION_RATE_LIMITS": "0",
        "MODERATION_TERMS_CLAUSE": "Netiquette § 2",
        "MODERATION_LANGUAGE": "en",
    }
    for name, value in given.items():
        monkeypatch.setenv(name, value)

    config = Config.from_env()

    assert config.instance_path == tmp_path
    assert config.database_url == f"sqlite:///{tmp_path / 'moderation.db'}"
    assert config.cors_origins == ["https://blog.example.de", "https://zeitung.example.de"]
    assert (config.worker_batch_size, config.worker_poll_seconds) == (20, 0.5)
    assert config.embedded_worker is False
    assert (config.detoxify_threads, config.max_links) == (None, None)
    assert config.webhook_allowed_hosts == frozenset({"hooks.intern"})
    assert config.webhook_retry_seconds == (1.0, 2.0, 3.0)
    assert config.thresholds == {"insult": {"review": 0.4, "reject": 0.8}}
    assert config.rate_limits_enabled is False
    assert (config.terms_clause, config.language) == ("Netiquette § 2", "en")


def test_unset_variables_keep_the_defaults(monkeypatch):
    for name in [variable_of(setting) for setting in fields(Config)]:
        monkeypatch.delenv(name, raising=False)
    config = Config.from_env()
    assert config.replace(database_url="", instance_path=config.instance_path) == Config(
        instance_path=config.instance_path)
    assert config.language == "de" and config.webhook_retry_seconds[0] == 5


def test_tests_cannot_be_switched_on_from_the_environment(monkeypatch):
    monkeypatch.setenv("MODERATION_TESTING", "1")
    assert Config.from_env().testing is False


@pytest.mark.parametrize(("name", "value", "says"), [
    ("MODERATION_LANGUAGE", "fr", "one of de, en"),
    ("MODERATION_WORKER_BATCH_SIZE", "viele", "must be a number"),
    ("MODERATION_THRESHOLDS", "[1, 2]", "must be JSON like"),
])
def test_a_value_the_service_cannot_use_names_its_variable(monkeypatch, name, value, says):
    monkeypatch.setenv(name, value)
    with pytest.raises(InvalidSetting, match=name) as raised:
        Config.from_env()
    assert says in str(raised.value)


def test_the_readme_documents_every_variable():
    readme = README.read_text(encoding="utf-8")
    undocumented = [variable_of(setting) for setting in fields(Config)
                    if setting.metadata.get("from_env") is not False
                    and f"`{variable_of(setting)}`" not in readme]
    assert undocumented == []


@pytest.mark.parametrize("empty", ["", " ", ",", " , "])
def test_an_empty_retry_schedule_keeps_the_default(monkeypatch, empty):
    monkeypatch.setenv("MODERATION_WEBHOOK_RETRY_SECONDS", empty)
    assert Config.from_env().webhook_retry_seconds == Config().webhook_retry_seconds
