"""The worker loop survives a failing iteration and sleeps only when idle."""

from __future__ import annotations

import threading

from moderation.workers.loop import run_until


def test_a_failing_iteration_does_not_end_the_loop(caplog):
    stop = threading.Event()
    calls = []

    def run_once() -> int:
        calls.append(len(calls))
        if len(calls) == 1:
            raise ConnectionError("Datenbank weg")
        if len(calls) == 3:
            stop.set()
        return 1

    run_until(stop, run_once, poll_seconds=0.01, name="test worker")
    assert calls == [0, 1, 2]
    assert "test worker: iteration failed" in caplog.text
