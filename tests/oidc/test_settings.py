"""Single sign-on settings: off without an issuer; refused at start where they would let the
wrong people in, or nobody."""

from __future__ import annotations

import pytest

from moderation.config import Config, InvalidSetting

GOOD = {"oidc_issuer": "https://sso.zeitung.de/realms/redaktion",
        "oidc_client_id": "moderation", "oidc_client_secret": "geheim",
        "oidc_email_domains": frozenset({"zeitung.de"})}


def test_read_from_the_environment(monkeypatch):
    for name, value in {"ISSUER": GOOD["oidc_issuer"], "CLIENT_ID": "moderation",
                        "CLIENT_SECRET": "geheim", "SCOPES": "openid email profile groups",
                        "EMAIL_DOMAINS": "@Zeitung.de, zeitung.at", "GROUP_CLAIM": "groups",
                        "ADMIN_GROUPS": "chefredaktion", "CREATE_ACCOUNTS": "false"}.items():
        monkeypatch.setenv(f"MODERATION_OIDC_{name}", value)

    config = Config.from_env()

    assert config.oidc_scopes == ["openid", "email", "profile", "groups"]
    assert config.oidc_email_domains == {"zeitung.de", "zeitung.at"}
    assert config.oidc_admin_groups == {"chefredaktion"}
    assert config.oidc_create_accounts is False
    assert "geheim" not in repr(config)


@pytest.mark.parametrize(("changes", "says"), [
    ({"oidc_issuer": "http://sso.zeitung.de"}, "https://"),
    ({"oidc_client_secret": None}, "MODERATION_OIDC_CLIENT_SECRET"),
    ({"oidc_scopes": ["email", "profile"]}, "must include openid"),
    ({"oidc_email_domains": frozenset()}, "who may sign in"),
    ({"oidc_group_claim": "groups"}, "go together"),
    ({"oidc_editor_groups": frozenset({"redaktion"})}, "go together"),
])
def test_settings_that_cannot_work_stop_the_start(changes, says):
    with pytest.raises(InvalidSetting, match=says):
        Config(**{**GOOD, **changes})


def test_groups_alone_may_decide_and_http_is_for_loopback_only():
    config = Config(**{**GOOD, "oidc_issuer": "http://localhost:8080",
                       "oidc_email_domains": frozenset(), "oidc_group_claim": "groups",
                       "oidc_editor_groups": frozenset({"redaktion"})})

    assert config.oidc_issuer == "http://localhost:8080"
    assert Config(oidc_client_id="nur ohne Aussteller ignoriert").oidc_issuer is None
