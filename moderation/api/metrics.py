"""``/metrics`` for Prometheus (an admin's key), and the request metrics every answer feeds."""

from __future__ import annotations

import time

from flask import Blueprint, Flask, Response, g, request

from moderation import metrics
from moderation.api.auth import no_store, require_role
from moderation.api.context import state
from moderation.domain import Role

blp = Blueprint("metrics", __name__)
# Requests no route matched (404s of scanners): one label value, whatever the path.
UNMATCHED = "unmatched"
# Any other method a client makes up is one label value too.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@blp.get("/metrics")
@require_role(Role.ADMIN)
def scrape() -> Response:
    """The service's metrics in Prometheus' text format; the queues read at scrape time."""
    app_state = state()
    body = metrics.scrape(app_state.database, app_state.clock)
    return no_store(Response(body, content_type=metrics.CONTENT_TYPE))


def init_metrics(app: Flask) -> None:
    """Serve ``/metrics`` and time every request, by its route template. First of the
    request hooks: an earlier hook that answers (CORS, limits) is timed too."""
    app.register_blueprint(blp)
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request(_observe)
    metrics.watch_pool(app.extensions["moderation"].database.engine, "api")


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    method = request.method if request.method in METHODS else "other"
    metrics.http_requests.labels(method, route, str(response.status_code)).inc()
    started = g.get("metrics_started")
    if started is not None:
        metrics.http_duration.labels(method, route).observe(
            time.perf_counter() - started)
    return response
