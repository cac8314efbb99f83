"""Fixtures of the contract tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from moderation import create_app
from moderation.api.limits import LIMIT_SETTINGS, limiter


@pytest.fixture
def limited_app(config, database, clock) -> Iterator[Flask]:
    """An app with every public rate limit at its tightest: once an hour."""
    tight = {name: "1/hour" for name in LIMIT_SETTINGS}
    app = create_app(config.replace(rate_limits_enabled=True, **tight), clock=clock)
    yield app
    limiter.reset()
    app.extensions["moderation"].database.dispose()
