"""Rate limits on the public endpoints (Flask-Limiter).

Requests are counted per client network (IPv4 /24, IPv6 /48 by default: one reader on a
dynamic address is one bucket), per author email and per article. Each limit names its
setting and reads it at request time; every operation limited by the same setting shares
one budget. A refusal is a 429 in our error shape with ``Retry-After``. Editor and admin
endpoints are not limited: their callers hold keys.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

from flask import Flask, Response, request
from flask_limiter import Limiter, RateLimitExceeded, RouteLimit
from flask_smorest import Blueprint
from limits import parse_many

from moderation import metrics
from moderation.api.context import state
from moderation.api.errors import error_body
from moderation.api.limit_storage import storage_uri
from moderation.config import Config
from moderation.schemas import ErrorSchema
from moderation.services.addresses import network_of
from moderation.text import normalised_email

View = TypeVar("View", bound=Callable[..., Any])

LIMIT_SETTINGS = ("limit_comments_per_address", "limit_comments_per_email",
                  "limit_comments_per_article", "limit_reports_per_address",
                  "limit_appeals_per_address", "limit_reads_per_address")


def network_bucket(address: str | None, config: Config) -> str:
    """The bucket of a client address: its network."""
    return "net:" + _network(address or "unknown", config.address_prefix_v4,
                             config.address_prefix_v6)


@lru_cache(maxsize=4096)
def _network(address: str, v4_prefix: int, v6_prefix: int) -> str:
    return network_of(address, v4_prefix, v6_prefix)


def email_bucket(email: str | None) -> str:
    """The bucket of an author email, in the form addresses are matched by. Never the email
    itself: counters may live in a shared Redis."""
    return "email:" + hashlib.sha256((email or "").encode()).hexdigest()


def article_bucket(article_key: str) -> str:
    return "article:" + article_key


def client_network() -> str:
    """The client's rate-limit bucket: its network. ``remote_addr`` is the peer, or what the
    trusted proxies (MODERATION_PROXY_COUNT) say it is."""
    return network_bucket(request.remote_addr, state().config)


def _author_email() -> str | None:
    """The author email of the comment being posted, in the form addresses are matched by
    (``None``: none given, or no body to read it from). Limits are checked before the body
    is validated, so this reads it leniently.

    It must never raise: Flask-Limiter takes an exception from a key function for an
    unreachable storage and counts on in fresh in-memory counters, so one bad body (too
    large, not JSON) would reset every limit of this process."""
    try:
        body = request.get_json(silent=True)
    except Exception:  # an oversized body (413), a broken stream: nobody's email
        return None
    email = body.get("author_email") if isinstance(body, dict) else None
    return normalised_email(email) if isinstance(email, str) else None


def _author_email_key() -> str:
    return email_bucket(_author_email())


def _article_key() -> str:
    return article_bucket((request.view_args or {}).get("article_key", ""))


# Sliding windows: a client cannot get twice the limit through by straddling two windows.
# Should Redis fail, counting goes on in memory rather than failing the request. No
# X-RateLimit headers: Retry-After goes on the 429 alone (Flask-Limiter's would put it on
# every answer).
KEY_PREFIX = "moderation"
limiter = Limiter(client_network, strategy="sliding-window-counter", key_prefix=KEY_PREFIX,
                  headers_enabled=False, in_memory_fallback_enabled=True)
# Set on a request whose limits the fast path in front of Flask counted (fast_reads.py).
COUNTED_IN_FRONT = "moderation.limits_counted_in_front"


@limiter.request_filter
def _counted_in_front() -> bool:
    """A request counted once is not counted twice."""
    return request.environ.get(COUNTED_IN_FRONT) is True


def _setting(name: str) -> Callable[[], str]:
    """The limit in force, read from the configuration at request time ("": no limit)."""
    return lambda: getattr(state().config, name)


def per_address(setting: str) -> RouteLimit:
    """Count requests per client network against the limit in ``setting``."""
    return limiter.shared_limit(_setting(setting), scope=setting, key_func=client_network,
                                error_message="Too many requests from your network; "
                                              "please wait a little.")


def per_email(setting: str) -> RouteLimit:
    """Count requests per author email (when one is given) against ``setting``."""
    return limiter.shared_limit(_setting(setting), scope=setting, key_func=_author_email_key,
                                exempt_when=lambda: _author_email() is None,
                                error_message="Too many comments from this email address; "
                                              "please wait a little.")


def per_article(setting: str) -> RouteLimit:
    """Count requests per article, from every client together, against ``setting``."""
    return limiter.shared_limit(_setting(setting), scope=setting, key_func=_article_key,
                                error_message="This article receives too many comments right "
                                              "now; please wait a little.")


def rate_limited(blp: Blueprint, *limits: RouteLimit) -> Callable[[View], View]:
    """Apply ``limits`` to a view, before its body is parsed, and document the 429.

    ``@rate_limited(blp, per_address("limit_reports_per_address"))`` on a public view.
    """
    def decorate(view: View) -> View:
        for limit in limits:
            view = limit(view)
        return blp.alt_response(
            429, schema=ErrorSchema,
            description="Too many requests; try again after Retry-After seconds.",
            headers={"Retry-After": {"description": "Seconds to wait.",
                                     "schema": {"type": "integer"}}})(view)

    return decorate


def too_many_requests(error: RateLimitExceeded) -> Response:
    """The 429 in our error shape, saying when the breached limit lets the client in again."""
    scope = error.limit.scope  # the limit's setting (a shared limit's)
    metrics.rate_limited.labels(scope if isinstance(scope, str) else "other").inc()
    response = error_body(error)
    breached = limiter.current_limit
    wait = breached.reset_at - time.time() if breached else 60
    response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


def init_limits(app: Flask, config: Config) -> None:
    """Bind the limiter to ``app``: counters in ``rate_limit_storage_url`` (``memory://``
    counts per process; ``redis://`` shares the counts of every process), on or off."""
    if config.rate_limits_enabled:
        _check_limit_settings(config)
    app.config.update(RATELIMIT_ENABLED=config.rate_limits_enabled,
                      RATELIMIT_STORAGE_URI=storage_uri(config.rate_limit_storage_url))
    limiter.init_app(app)
    # Flask-Limiter keeps "storage unreachable" on the one limiter across apps: an app made
    # after another's storage failed would count in its fallback memory until it looks
    # again (seconds to minutes later), and then start over in its real storage.
    limiter._storage_dead = False
    app.register_error_handler(RateLimitExceeded, too_many_requests)


def _check_limit_settings(config: Config) -> None:
    """Flask-Limiter skips a limit it cannot parse: refuse to start instead."""
    for name in LIMIT_SETTINGS:
        value = getattr(config, name)
        try:
            if value:
                parse_many(value)
        except ValueError as error:
            raise ValueError(f"MODERATION_{name.upper()} is not a valid limit: {error}") from None
