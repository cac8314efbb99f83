"""Scale-out, small: gunicorn with two API processes and two worker processes on the test
database, one worker killed midway (bench/scale_out.py at CI size): every comment decided
exactly once and every webhook delivered."""

from __future__ import annotations

from bench.scale_out import run
from tests.conftest import drop_database, fresh_database_url


def test_two_workers_one_killed_midway_decide_every_comment_once(tmp_path):
    url = fresh_database_url("scale_out", tmp_path)
    try:
        report = run(url, comments=200, rate=40, api_processes=2, workers=2, kill_at=0.5,
                     lease_seconds=5, settle_seconds=60)
    finally:
        drop_database(url)
    assert not report.posted.failures
    assert len(report.posted.sent) == 200
    decisions = report.outcome.decisions_per_comment
    assert len(decisions) == 200 and set(decisions.values()) == {1}
    assert report.outcome.still_pending == 0
    # One decision webhook per comment, each delivered and arrived (repeats may follow a kill).
    assert len(report.outcome.deliveries) == 200
    assert set(report.outcome.deliveries.values()) == {"succeeded"}
    assert set(report.outcome.deliveries) <= set(report.received)
    assert report.passed
