"""/metrics: behind an admin's key, in Prometheus' text format, with bounded labels; the
counters move with what the service does, the queues are read at scrape time."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from moderation import create_app
from moderation.workers.delivery import DeliveryWorker
from tests.support.http import QUEUE, assert_error, post_comment, submit_comment
from tests.support.receiver import receiver
from tests.support.smtp import free_port


def scrape(client, admin) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, by name and labels."""
    response = client.get("/metrics", headers=admin)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("text/plain; version=")
    assert response.headers["Cache-Control"] == "no-store"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_need_an_admins_key(client, editor):
    assert_error(client.get("/metrics"), 401, "unauthorized")
    assert_error(client.get("/metrics", headers=editor), 403, "forbidden")


def test_requests_are_counted_by_route_template_never_by_path(client, admin):
    before = scrape(client, admin)
    submit_comment(client)
    client.get("/v1/articles/ki-im-alltag/comments")
    client.get("/gibt/es/nicht/max.mustermann@example.de")
    text = client.get("/metrics", headers=admin).get_data(as_text=True)
    after = scrape(client, admin)

    route = "/v1/articles/<path:article_key>/comments"
    assert value(after, "moderation_http_requests_total", method="POST", route=route,
                 status="202") == value(before, "moderation_http_requests_total",
                                        method="POST", route=route, status="202") + 1
    assert value(after, "moderation_http_request_duration_seconds_count", method="GET",
                 route=route) >= 1
    assert value(after, "moderation_http_requests_total", method="GET", route="unmatched",
                 status="404") >= 1
    # No article key, no path a scanner made up, in any label.
    assert "ki-im-alltag" not in text and "mustermann" not in text


def test_comments_received_and_decided_by_status_and_actor(client, admin, editor, worker):
    before = scrape(client, admin)
    submit_comment(client, "Ein sachlicher Beitrag über Größe und Maß.")
    held = submit_comment(client, "Ziemlich dumm, dieser Vergleich.")  # held for review
    assert worker.run_once() == 2
    assert client.post(f"{QUEUE}/{held['id']}/reject", headers=editor,
                       json={}).status_code == 200
    after = scrape(client, admin)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("moderation_comments_received_total") == 2
    assert moved("moderation_comments_decided_total", status="approved", actor="automatic") == 1
    assert moved("moderation_comments_decided_total", status="review", actor="automatic") == 1
    assert moved("moderation_comments_decided_total", status="rejected", actor="editor") == 1
    model = f"{worker.scorer.scorer.name}@{worker.scorer.scorer.version}"
    assert moved("moderation_scoring_batch_size_count", model=model) == 1
    assert moved("moderation_scoring_batch_size_sum", model=model) == 2
    assert moved("moderation_scoring_duration_seconds_count", model=model) == 1


def test_queues_and_the_oldest_comments_age_are_read_at_scrape_time(client, admin, clock,
                                                                    worker):
    empty = scrape(client, admin)
    assert value(empty, "moderation_queue_comments", queue="scoring") == 0
    assert value(empty, "moderation_queue_oldest_age_seconds", queue="scoring") == 0
    assert value(empty, "moderation_scoring_workers", state="ready") == 0

    submit_comment(client)
    clock.advance(seconds=90)
    submit_comment(client, "Noch ein Gedanke dazu.")
    clock.advance(seconds=30)
    samples = scrape(client, admin)
    assert value(samples, "moderation_queue_comments", queue="scoring") == 2
    assert value(samples, "moderation_queue_oldest_age_seconds", queue="scoring") == 120
    assert value(samples, "moderation_jobs_waiting", kind="score_comment") == 2

    worker.run_once()
    samples = scrape(client, admin)
    assert value(samples, "moderation_queue_comments", queue="scoring") == 0
    assert value(samples, "moderation_scoring_workers", state="ready") == 1


def test_webhook_deliveries_by_outcome_with_their_lag_and_disabled_endpoints(
        client, admin, database, config, clock):
    clock.now = datetime.now(UTC)
    deliverer = DeliveryWorker(database, config, clock, worker_id="zusteller")
    with receiver() as hook:
        client.post("/v1/webhooks", headers=admin,
                    json={"url": hook.url, "event_types": ["comment.created"]})
        before = scrape(client, admin)
        hook.answers = [(500, {}), (410, {})]
        submit_comment(client)
        clock.advance(seconds=2)
        assert deliverer.run_once() == 1  # 500: tried again later
        clock.advance(hours=1)
        submit_comment(client, "Zweiter Kommentar.")
        clock.advance(seconds=3)
        deliverer.run_once()  # 410 Gone: the endpoint is disabled, the delivery dead
        after = scrape(client, admin)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("moderation_webhook_deliveries_total", outcome="retry") == 1
    assert moved("moderation_webhook_deliveries_total", outcome="failed") >= 1
    assert value(after, "moderation_webhook_endpoints_disabled") == 1


def test_a_successful_delivery_records_its_lag(client, admin, database, config, clock):
    clock.now = datetime.now(UTC)
    deliverer = DeliveryWorker(database, config, clock, worker_id="zusteller")
    with receiver() as hook:
        client.post("/v1/webhooks", headers=admin,
                    json={"url": hook.url, "event_types": ["comment.created"]})
        before = scrape(client, admin)
        submit_comment(client)
        clock.advance(seconds=4)
        assert deliverer.run_once() == 1
        after = scrape(client, admin)
    assert len(hook.received) == 1
    assert value(after, "moderation_webhook_deliveries_total", outcome="succeeded") == \
        value(before, "moderation_webhook_deliveries_total", outcome="succeeded") + 1
    lag_sum = value(after, "moderation_webhook_delivery_lag_seconds_sum") - \
        value(before, "moderation_webhook_delivery_lag_seconds_sum")
    assert lag_sum == pytest.approx(4, abs=0.01)


def test_rate_limit_refusals_are_counted_by_limit(config, database, clock, admin):
    app = create_app(config.replace(rate_limits_enabled=True,
                                    limit_comments_per_address="1/minute"), clock=clock)
    client = app.test_client()
    before = scrape(client, admin)
    assert post_comment(client).status_code == 202
    assert_error(post_comment(client, "Gleich noch einer."), 429, "too_many_requests")
    after = scrape(client, admin)
    app.extensions["moderation"].database.dispose()
    assert value(after, "moderation_rate_limited_total", limit="limit_comments_per_address") \
        == value(before, "moderation_rate_limited_total",
                 limit="limit_comments_per_address") + 1


def test_database_pool_use(client, admin):
    samples = scrape(client, admin)
    assert value(samples, "moderation_db_pool_size", process="api") >= 1
    # The scrape itself holds a connection while it reads the queues.
    assert value(samples, "moderation_db_pool_checked_out", process="api") >= 1


def test_under_gunicorn_a_scrape_adds_up_every_processs_metrics(tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR (set before any import, as a gunicorn config does),
    what one process counted is in another process's scrape."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = textwrap.dedent("""
        from moderation import metrics
        metrics.comments_received.inc(3)
        metrics.http_requests.labels("POST", "/v1/articles/<article_key>/comments", "202").inc()
    """)
    read = "import sys; from moderation import metrics; " \
           "sys.stdout.write(metrics.scrape(None, None).decode())"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count],  # noqa: S603 - our own script
                       env=env, check=True, timeout=60)
    scraped = subprocess.run([sys.executable, "-c", read],  # noqa: S603 - our own script
                             env=env, check=True, timeout=60, capture_output=True,
                             text=True).stdout
    assert "moderation_comments_received_total 6.0" in scraped
    assert 'moderation_http_requests_total{method="POST",route="/v1/articles/<article_key>/' \
           'comments",status="202"} 2.0' in scraped


DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "counter": ("",), "gauge": ("",)}


def exported_names(client, admin) -> set[str]:
    """Every series name a scrape of ours can hold (also of metrics nothing has moved yet)."""
    text = client.get("/metrics", headers=admin).get_data(as_text=True)
    types = re.findall(r"^# TYPE (moderation_\w+) (\w+)$", text, re.MULTILINE)
    return {name + suffix for name, kind in types for suffix in SUFFIXES[kind]}


def family(name: str) -> str:
    """A histogram's series belong to one metric."""
    return re.sub(r"_(bucket|sum|count)$", "", name)


def named_metrics(expr: str) -> set[str]:
    return set(re.findall(r"\bmoderation_\w+", expr))


def test_the_dashboard_shows_only_metrics_we_export(client, admin):
    exported = exported_names(client, admin)
    dashboard = json.loads((DEPLOY / "grafana" / "moderation.json").read_text(encoding="utf-8"))
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert len(exprs) >= len(dashboard["panels"]) >= 10
    for expr in exprs:
        assert named_metrics(expr), expr
        assert named_metrics(expr) <= exported, expr
    # Every metric we export is on the dashboard.
    assert {family(name) for name in exported} == \
        {family(name) for expr in exprs for name in named_metrics(expr)}


def test_the_alert_rules_watch_what_the_issue_asks_with_metrics_we_export(client, admin):
    exported = exported_names(client, admin)
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text(encoding="utf-8"))
    [group] = rules["groups"]
    by_name = {rule["alert"]: rule for rule in group["rules"]}
    assert {"ModerationScoringQueueStuck", "ModerationScorerUnavailable",
            "ModerationNoWorkerHeartbeat", "ModerationWebhookDeliveriesFailing"} <= set(by_name)
    for name, rule in by_name.items():
        assert named_metrics(rule["expr"]), name
        assert named_metrics(rule["expr"]) <= exported, name
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"]


def test_under_gunicorn_every_worker_process_counts_in_the_scrape(database_url, tmp_path,
                                                                   admin_key):
    """Two gunicorn workers answer requests; whichever answers a scrape counts them all."""
    port = free_port()
    env = {**os.environ, "MODERATION_DATABASE_URL": database_url,
           "MODERATION_INSTANCE_PATH": str(tmp_path), "MODERATION_EMBEDDED_WORKER": "0",
           "MODERATION_RATE_LIMITS": "0", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom")}
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "python:moderation.gunicorn_config",
         "--workers", "2", "--bind", f"127.0.0.1:{port}", "moderation:create_app()"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        # Waited for on another route: a probe that timed out while a worker started may
        # still be answered, and counted, later.
        while _get(f"{base}/readyz") is None:
            assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start"
            time.sleep(0.2)
        for _ in range(20):
            assert _get(f"{base}/healthz") is not None
        counts = set()
        for _ in range(4):
            families = text_string_to_metric_families(
                _get(f"{base}/metrics", {"Authorization": f"Bearer {admin_key}"}))
            counts.add(sum(sample.value for family in families for sample in family.samples
                           if sample.name == "moderation_http_requests_total"
                           and sample.labels["route"] == "/healthz"))
    finally:
        server.terminate()
        server.communicate(timeout=60)
    assert counts == {20.0}


def _get(url: str, headers: dict[str, str] | None = None) -> str | None:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}),  # noqa: S310
                                    timeout=5) as response:
            return response.read().decode()
    except OSError:
        return None
