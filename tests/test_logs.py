"""Log lines as JSON with a request id that follows a comment from its POST through the
scoring worker to its webhook; never a reader's text, name, email or address."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from moderation import jobs, logs
from moderation.config import Config, InvalidSetting
from moderation.models import Job
from moderation.workers.delivery import DeliveryWorker
from tests.support.http import ARTICLE, json_of
from tests.support.receiver import receiver

READER = {"author_name": "Jürgen Weißmüller",
          "author_email": "juergen.weissmueller@beispiel.de",
          "body": "Die Brücke über die Spree wird hoffentlich bald fertig, grüße aus Köln!"}
ADDRESS = "203.0.113.77"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the root logger writes as JSON, from INFO up, during the test."""
    stream = io.StringIO()
    handler = logs.handler("json", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_well_formed_request_id_is_kept_and_echoed(client):
    response = client.get(ARTICLE, headers={"X-Request-ID": "a1b2c3d4-e5f6-4711-8000-0123456789ab"})
    assert response.headers["X-Request-ID"] == "a1b2c3d4-e5f6-4711-8000-0123456789ab"


@pytest.mark.parametrize("header", [None, "kurz", "<script>alert(1)</script>", "x" * 65,
                                    "ä" * 10, "id mit leerzeichen"])
def test_otherwise_a_new_one_is_made(client, header):
    headers = {"X-Request-ID": header} if header is not None else {}
    made = client.get(ARTICLE, headers=headers).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert client.get(ARTICLE, headers=headers).headers["X-Request-ID"] != made


def test_errors_carry_the_request_id_too(client):
    response = client.get("/v1/comments/gibt-es-nicht", headers={"X-Request-ID": "fehler-0001"})
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "fehler-0001"


def test_the_request_id_follows_a_comment_to_its_webhook_and_no_line_names_the_reader(
        client, admin, database, config, clock, worker, log_lines):
    clock.now = datetime.now(UTC)
    deliverer = DeliveryWorker(database, config, clock, worker_id="zusteller")
    with receiver() as hook:
        client.post("/v1/webhooks", headers=admin,
                    json={"url": hook.url, "event_types": ["comment.approved"]})
        comment = json_of(client.post(ARTICLE, json=READER, headers={
            "X-Request-ID": "req-4711-abcdef"}, environ_base={"REMOTE_ADDR": ADDRESS}), 202)
        with database.transaction() as session:
            assert session.scalar(select(Job.request_id).where(
                Job.kind == jobs.SCORE_COMMENT)) == "req-4711-abcdef"
        assert worker.run_once() == 1
        assert deliverer.run_once() == 1
        assert len(hook.received) == 1

    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    ours = [line for line in lines if line.get("request_id") == "req-4711-abcdef"]
    loggers = {line["logger"] for line in ours}
    assert {"moderation.access", "moderation.workers.scoring",
            "moderation.workers.delivery"} <= loggers, lines
    assert any(comment["id"] in line["message"] for line in ours
               if line["logger"] == "moderation.workers.scoring")
    assert all(line.keys() >= {"time", "level", "logger", "message"} for line in lines)
    written = log_lines.getvalue()
    for private in (READER["author_name"], "Weißmüller", READER["author_email"],
                    "weissmueller", READER["body"], "Brücke", ADDRESS):
        assert private not in written


def test_text_lines_carry_the_request_id():
    stream = io.StringIO()
    logger = logging.getLogger("moderation.test_text")
    logger.addHandler(logs.handler("text", stream))
    logger.propagate = False
    with logs.request_context("text-0042-id"):
        logger.warning("innen")
    logger.warning("außen")
    inside, outside = stream.getvalue().splitlines()
    assert inside.endswith("WARNING moderation.test_text [text-0042-id]: innen")
    assert outside.endswith("[-]: außen")


def test_json_lines_keep_umlauts_and_extra_fields():
    stream = io.StringIO()
    logger = logging.getLogger("moderation.test_json")
    logger.addHandler(logs.handler("json", stream))
    logger.propagate = False
    logger.warning("Größe %s", "geändert", extra={"route": "/v1/x"})
    line = json.loads(stream.getvalue())
    assert (line["message"], line["route"], line["level"]) == ("Größe geändert", "/v1/x",
                                                                "WARNING")
    assert "Größe" in stream.getvalue()


def test_the_log_format_is_one_setting(monkeypatch):
    monkeypatch.setenv("MODERATION_LOG_FORMAT", "json")
    assert Config.from_env().log_format == "json"
    monkeypatch.setenv("MODERATION_LOG_FORMAT", "xml")
    with pytest.raises(InvalidSetting, match="MODERATION_LOG_FORMAT"):
        Config.from_env()


def test_a_process_logs_json_lines_to_stderr_once_configured():
    script = ("import logging; from moderation import logs; logs.configure('json'); "
              "logs.configure('json'); logging.getLogger('moderation.probe').info('Grüße')")
    written = subprocess.run([sys.executable, "-c", script],  # noqa: S603 - our own script
                             capture_output=True, text=True, check=True, timeout=60).stderr
    [line] = written.splitlines()  # configured twice, written once
    assert json.loads(line)["message"] == "Grüße"
