"""A service made for one test with its own settings, its database let go at the end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from moderation import create_app
from moderation.config import Config


@contextmanager
def service_of(config: Config, clock: Any, **settings: Any) -> Iterator[Flask]:
    app = create_app(config.replace(**settings), clock=clock)
    try:
        yield app
    finally:
        app.extensions["moderation"].database.dispose()
