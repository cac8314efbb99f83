"""What an API process made while starting is kept out of the garbage collector's walks."""

from __future__ import annotations

import gc

from gunicorn import util

from moderation import create_app, gunicorn_config


def test_a_gunicorn_worker_freezes_the_loaded_app_and_still_collects_later_garbage(
        config, monkeypatch):
    monkeypatch.setattr(util, "close_graceful", util.close_graceful)  # undone after
    app = create_app(config)
    try:
        gunicorn_config.post_worker_init(None)
        assert util.close_graceful.prompt  # and closes connections at once (test_prompt_close)
        assert gc.get_freeze_count() > 10_000  # the app, its modules, mappings, schemas
        assert not any(found is app for found in gc.get_objects())  # walked no more

        cycle: list[object] = []
        cycle.append(cycle)  # garbage made by a request: a reference cycle
        del cycle
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
        app.extensions["moderation"].database.dispose()
