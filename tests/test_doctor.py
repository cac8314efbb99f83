"""What ``moderation doctor`` and the admin's ``/readyz`` tell an operator about the widget:
CORS origins, mixed content, pages whose origin is not allowed, and the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from moderation import migrate
from moderation.cli import main
from moderation.config import Config
from moderation.doctor import Level, database_findings, widget_findings
from moderation.origins import origin_of

PAGE = "https://www.zeitung.de/politik/ki-im-alltag-100.html"


def codes(config: Config, *pages: str) -> dict[str, Level]:
    return {finding.code: finding.level for finding in widget_findings(config, pages)}


def settings(**values: object) -> Config:
    return Config(**{"database_url": "sqlite://", **values})


def test_origins_are_what_browsers_send_in_the_origin_header():
    assert origin_of("https://www.Zeitung.de/politik/artikel?x=1#k") == "https://www.zeitung.de"
    assert origin_of("http://localhost:8080/") == "http://localhost:8080"
    assert origin_of("https://leser:geheim@www.zeitung.de/") == "https://www.zeitung.de"
    assert origin_of("www.zeitung.de") is None
    assert origin_of("ftp://www.zeitung.de") is None


def test_without_origins_the_widget_cannot_work():
    assert codes(settings())["no_origins"] is Level.ERROR


def test_a_well_set_up_service_has_nothing_in_the_widgets_way():
    config = settings(cors_origins=["https://www.zeitung.de"], proxy_count=1,
                      public_base_url="https://kommentare.zeitung.de", smtp_host="mail.zeitung.de",
                      mail_from="redaktion@zeitung.de")
    assert widget_findings(config, [PAGE]) == []


@pytest.mark.parametrize("origin", ["https://www.zeitung.de/", "www.zeitung.de",
                                    "https://www.zeitung.de/politik", "HTTPS://WWW.ZEITUNG.DE"])
def test_an_origin_a_browser_never_sends_is_an_error(origin):
    findings = widget_findings(settings(cors_origins=[origin]))
    assert [(f.code, f.level) for f in findings if f.code == "malformed_origin"] == [
        ("malformed_origin", Level.ERROR)]


def test_any_origin_and_plain_http_origins_are_warned_of_but_not_loopback():
    found = codes(settings(cors_origins=["*", "http://blog.zeitung.de", "http://localhost:3000"]))
    assert found["any_origin"] is Level.WARNING
    assert found["insecure_origin"] is Level.WARNING
    messages = [f.message for f in widget_findings(settings(cors_origins=["http://localhost:3000"]))]
    assert not any("localhost" in message for message in messages)


def test_an_http_service_on_https_pages_is_mixed_content():
    config = settings(cors_origins=["https://www.zeitung.de"],
                      public_base_url="http://kommentare.zeitung.de")
    assert codes(config)["mixed_content"] is Level.ERROR
    # A page of another origin is told of on its own; an allowed one once, with the settings.
    found = widget_findings(config, [PAGE, "https://blog.zeitung.de/eintrag"])
    assert [f.code for f in found].count("mixed_content") == 1
    assert [f.code for f in found].count("page_mixed_content") == 1


def test_a_page_whose_origin_is_not_allowed_is_a_cors_mismatch():
    config = settings(cors_origins=["https://www.zeitung.de"])
    assert "origin_not_allowed" not in codes(config, PAGE)
    finding, = [f for f in widget_findings(config, ["https://zeitung.de/artikel"])
                if f.code == "origin_not_allowed"]
    assert finding.level is Level.ERROR
    assert "https://zeitung.de" in finding.message
    assert codes(config, "kein Link")["bad_page"] is Level.ERROR


def test_errors_come_first():
    levels = [f.level for f in widget_findings(settings(cors_origins=["*", "https://a.de/"]))]
    assert levels == sorted(levels, key=list(Level).index)


def test_the_database_is_checked_for_reachable_and_migrated(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'doctor.db'}"
    assert [f.code for f in database_findings(settings(database_url=url))] == [
        "database_not_migrated"]
    migrate.upgrade(url)
    assert database_findings(settings(database_url=url)) == []
    unreachable = settings(database_url="postgresql+psycopg://postgres@127.0.0.1:1/keine")
    assert [f.code for f in database_findings(unreachable)] == ["database_unreachable"]


def test_the_doctor_command_exits_1_on_an_error_and_names_it(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'doctor.db'}"
    migrate.upgrade(url)
    env = {"MODERATION_DATABASE_URL": url, "MODERATION_INSTANCE_PATH": str(tmp_path),
           "MODERATION_CORS_ORIGINS": "https://www.zeitung.de",
           "MODERATION_PUBLIC_BASE_URL": "https://kommentare.zeitung.de"}
    healthy = CliRunner().invoke(main, ["doctor", "--page", PAGE], env=env)
    assert healthy.exit_code == 0, healthy.output
    assert "0 error(s)" in healthy.output

    elsewhere = CliRunner().invoke(main, ["doctor", "--page", "https://blog.example/x"], env=env)
    assert elsewhere.exit_code == 1
    assert "ERROR   origin_not_allowed: https://blog.example/x" in elsewhere.output


def test_readyz_tells_an_editor_the_widgets_set_up_and_the_refused_origins(client, editor):
    client.get("/v1/articles/ki-im-alltag/comments", headers={"Origin": "https://fremd.example"})
    client.get("/v1/articles/ki-im-alltag/comments", headers={"Origin": "https://fremd.example"})
    client.get("/v1/articles/ki-im-alltag/comments", headers={"Origin": "https://blog.example.de"})
    client.get("/v1/moderation/comments", headers={**editor, "Origin": "https://intern.example"})
    widget = client.get("/readyz", headers=editor).get_json()["widget"]
    assert widget["origins"] == ["https://blog.example.de"]
    assert [(o["origin"], o["requests"]) for o in widget["refused_origins"]] == [
        ("https://fremd.example", 2)]  # allowed origins and editors' routes are not noted
    assert {"level": "warning", "code": "no_public_base_url"} in [
        {key: f[key] for key in ("level", "code")} for f in widget["findings"]]
    assert "widget" not in client.get("/readyz").get_json()
