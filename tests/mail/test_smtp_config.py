"""Mail settings come from MODERATION_* variables; settings the service cannot mail with
stop the start."""

from __future__ import annotations

import pytest

from moderation.config import Config, InvalidSetting
from moderation.services.mail_outbox import Mailing
from moderation.workers.mail import smtp_server


def test_mail_settings_are_read_from_their_variables(monkeypatch):
    for name, value in {
        "MODERATION_SMTP_HOST": "mail.zeitung.example.de",
        "MODERATION_SMTP_SECURITY": "ssl",
        "MODERATION_SMTP_USER": "moderation",
        "MODERATION_SMTP_PASSWORD": "sehr-geheim",
        "MODERATION_MAIL_FROM": "Moderation <moderation@zeitung.example.de>",
        "MODERATION_MAIL_RETRY_SECONDS": "30, 600",
        "MODERATION_DIGEST_HOUR": "6",
        "MODERATION_PUBLIC_BASE_URL": "https://moderation.zeitung.example.de/",
    }.items():
        monkeypatch.setenv(name, value)

    config = Config.from_env()

    server = smtp_server(config)
    assert (server.host, server.port, server.security, server.user, server.password) == (
        "mail.zeitung.example.de", 465, "ssl", "moderation", "sehr-geheim")
    assert "sehr-geheim" not in repr(config)
    assert config.mail_retry_seconds == (30.0, 600.0)
    assert Mailing.of(config) == Mailing(enabled=True,
                                         base_url="https://moderation.zeitung.example.de",
                                         language="de", digest_hour=6)


def test_without_an_smtp_host_mail_is_off():
    assert Mailing.of(Config()).enabled is False
    assert smtp_server(Config(smtp_host="localhost", mail_from="m@localhost",
                              smtp_security="none")).port == 25


@pytest.mark.parametrize(("settings", "names"), [
    ({"smtp_host": "mail.example.de"}, "MODERATION_MAIL_FROM"),
    ({"smtp_host": "mail.example.de", "mail_from": "keine Adresse"}, "MODERATION_MAIL_FROM"),
    ({"smtp_host": "mail.example.de", "mail_from": "m@example.de\nBcc: x@example.org"},
     "MODERATION_MAIL_FROM"),
    ({"smtp_host": "mail.example.de", "mail_from": "m@example.de", "smtp_user": "u",
      "smtp_security": "none"}, "MODERATION_SMTP_USER"),
    ({"smtp_security": "tls"}, "MODERATION_SMTP_SECURITY"),
    ({"digest_hour": 24}, "MODERATION_DIGEST_HOUR"),
    ({"mail_retention_days": 0}, "MODERATION_MAIL_RETENTION_DAYS"),
    ({"public_base_url": "moderation.example.de"}, "MODERATION_PUBLIC_BASE_URL"),
])
def test_mail_settings_the_service_cannot_use_name_their_variable(settings, names):
    with pytest.raises(InvalidSetting, match=names):
        Config(**settings)
