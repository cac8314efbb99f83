"""A request id for every request: the client's X-Request-ID where well-formed, else a new
one; echoed in the answer, on every log line of the request and on the jobs it makes."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

from moderation import logs

HEADER = "X-Request-ID"
access_log = logging.getLogger("moderation.access")


def init_request_ids(app: Flask) -> None:
    """Bind the id first thing in a request (before any hook that may answer early)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _bind)
    app.after_request(_answer)
    app.teardown_request(_unbind)


def _bind() -> None:
    g.request_id = logs.request_id_from(request.headers.get(HEADER))
    g.request_id_token = logs.bind(g.request_id)
    g.request_started = time.perf_counter()


def _answer(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is None:  # an answer before any hook ran
        return response
    response.headers[HEADER] = request_id
    # The route template, never the path: paths and queries may carry what readers wrote.
    route = request.url_rule.rule if request.url_rule is not None else "-"
    log_access(request.method, route, response.status_code, g.request_started)
    return response


def log_access(method: str, route: str, status: int, started: float) -> None:
    """The access log's line of a request (its request id bound by the caller)."""
    if access_log.isEnabledFor(logging.INFO):
        access_log.info("%s %s %s", method, route, status, extra={
            "route": route, "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1)})


def _unbind(_error: BaseException | None = None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        logs.unbind(token)
