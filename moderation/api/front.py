"""What the answers given in front of Flask share (``fast_reads.py``, ``fast_intake.py``):
the widget's CORS headers, the rate limits counted as Flask-Limiter counts them, the article
key read from the path, and the finish of an answer (request id, metrics, access log).

A fast path answers only what it can answer exactly as Flask would; for anything else its
helpers say None and Flask takes the request, unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from flask_cors.core import probably_regex
from limits import RateLimitItem, parse_many
from limits.strategies import SlidingWindowCounterRateLimiter
from marshmallow import ValidationError

from moderation import SECURITY_HEADERS, logs, metrics
from moderation.api import redis_limits
from moderation.api.cors import EXPOSED_HEADERS
from moderation.api.limits import COUNTED_IN_FRONT, KEY_PREFIX, limiter, network_bucket
from moderation.api.request_ids import HEADER as REQUEST_ID
from moderation.api.request_ids import log_access
from moderation.config import Config
from moderation.schemas import ARTICLE_KEY

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# An answer: status line, headers, body.
Answer = tuple[str, list[tuple[str, str]], bytes]

PREFIX, SUFFIX = "/v1/articles/", "/comments"
ROUTE = "/v1/articles/<path:article_key>/comments"  # Flask's rule: one metrics label
EXPOSED = ", ".join(EXPOSED_HEADERS)  # as flask-cors writes them
SECURITY = list(SECURITY_HEADERS.items())


def article_key_of(environ: dict[str, Any]) -> str | None:
    """The article key of a ``/v1/articles/<key>/comments`` path as Flask reads it (UTF-8
    behind the WSGI server's Latin-1), if it is one and a valid one."""
    path = environ.get("PATH_INFO", "")
    if (not path.startswith(PREFIX) or not path.endswith(SUFFIX)
            or len(path) <= len(PREFIX) + len(SUFFIX) or "\x00" in path):
        return None
    try:
        raw = path[len(PREFIX):-len(SUFFIX)].encode("latin-1").decode("utf-8", "replace")
        return ARTICLE_KEY(raw)
    except (UnicodeEncodeError, ValidationError):
        return None


class WidgetCors:
    """What flask-cors and the app's hooks add to a public answer for a request's Origin,
    for origins named plainly (no patterns)."""

    def __init__(self, config: Config) -> None:
        self.origins = config.cors_origins
        self.plain = not any(origin != "*" and probably_regex(origin) for origin in self.origins)

    def headers(self, environ: dict[str, Any]) -> list[tuple[str, str]] | None:
        """The headers, or None for Flask to answer (a pattern to match, a foreign origin
        for ``/readyz`` to note)."""
        origin = environ.get("HTTP_ORIGIN")
        if not self.origins:
            return [] if origin is None else None
        if not self.plain:
            return None
        if origin is None:  # flask-cors names every allowed origin then, or "*"
            allowed = ["*"] if "*" in self.origins else sorted(self.origins)
        elif origin in self.origins or "*" in self.origins:
            allowed = [origin]
        else:
            return None
        return [*(("Access-Control-Allow-Origin", name) for name in allowed),
                ("Access-Control-Expose-Headers", EXPOSED), ("Vary", "Origin")]


class Limits:
    """The public rate limits counted as Flask-Limiter counts them: the same keys in the
    same storage. A request counted here is marked, and Flask counts it no second time."""

    def __init__(self, config: Config) -> None:
        self.config = config

    def count(self, environ: dict[str, Any], *limits: tuple[str, str]) -> bool:
        """Count the request against each ``(setting, key)``; False when one is reached or
        cannot be counted (Flask-Limiter's fallback decides then): Flask answers, the 429
        included, and counts the request itself."""
        config = self.config
        if not (config.rate_limits_enabled and limiter.enabled):
            return True
        if getattr(limiter, "_storage_dead", False):
            # The storage failed: Flask-Limiter counts in memory meanwhile and looks for the
            # storage coming back, on the requests it counts. They are all its until then.
            return False
        counted = [(item, (KEY_PREFIX, key, setting)) for setting, key in limits
                   for item in _parsed(getattr(config, setting))]
        try:
            rate_limiter = limiter.limiter
            if isinstance(rate_limiter, SlidingWindowCounterRateLimiter) and \
                    redis_limits.can_count(rate_limiter.storage):
                if not redis_limits.acquire_all(rate_limiter.storage, counted):
                    return False
            elif not all(rate_limiter.hit(item, *identifiers) for item, identifiers in counted):
                return False
        except Exception:  # a storage failure
            return False
        environ[COUNTED_IN_FRONT] = True
        return True

    def network(self, environ: dict[str, Any]) -> str:
        """The bucket of the client's network (``limits.client_network``)."""
        return network_bucket(environ.get("REMOTE_ADDR"), self.config)


class Finish:
    """Sends an answer given in front of Flask as Flask's hooks would finish it: the request
    id echoed, the request counted in the metrics and written to the access log."""

    def __init__(self, method: str, statuses: Iterable[int]) -> None:
        self.method = method
        self.counted = {status: metrics.http_requests.labels(method, ROUTE, str(status))
                        for status in statuses}
        self.duration = metrics.http_duration.labels(method, ROUTE)

    def __call__(self, answer: Answer, request_id: str, started: float,
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        status, headers, body = answer
        start_response(status, [*headers, (REQUEST_ID, request_id)])
        code = int(status[:3])
        self.counted[code].inc()
        self.duration.observe(time.perf_counter() - started)
        with logs.request_context(request_id):
            log_access(self.method, ROUTE, code, started)
        return [body]


def request_id_of(environ: dict[str, Any]) -> str:
    return logs.request_id_from(environ.get("HTTP_X_REQUEST_ID"))


@lru_cache(maxsize=32)
def _parsed(setting: str) -> list[RateLimitItem]:
    """The limits of a setting in the order Flask-Limiter checks them ("": none)."""
    return sorted(parse_many(setting)) if setting else []
