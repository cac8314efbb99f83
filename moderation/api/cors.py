"""Cross-origin access for the widget: the public routes answer the origins of
``MODERATION_CORS_ORIGINS``, and the origins they turned away are remembered, so that an
admin's ``/readyz`` can name the page whose widget stays empty."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, Response, request
from flask_cors import CORS

from moderation.config import Config

# What the widget's scripts may read of an answer.
EXPOSED_HEADERS = ["ETag", "Retry-After"]
# What the widget calls from the publisher's pages.
PUBLIC_ROUTES = [r"/v1/articles/*", r"/v1/comments/*", r"/v1/reports/*", r"/v1/counts"]
_PUBLIC = re.compile("|".join(route.replace("*", ".*") for route in PUBLIC_ROUTES))
# Enough to name every site that embeds the widget by mistake; a flood cannot grow it.
REMEMBERED = 20


@dataclass
class RefusedOrigin:
    origin: str
    requests: int
    last_seen: datetime


class RefusedOrigins:
    """The origins the public routes refused, the most recent ``REMEMBERED``, per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, RefusedOrigin] = {}

    def note(self, origin: str, at: datetime) -> None:
        with self._lock:
            seen = self._seen.pop(origin, None) or RefusedOrigin(origin, 0, at)
            seen.requests, seen.last_seen = seen.requests + 1, at
            self._seen[origin] = seen  # to the end: the dict keeps the latest last
            while len(self._seen) > REMEMBERED:
                del self._seen[next(iter(self._seen))]

    def latest(self) -> list[RefusedOrigin]:
        with self._lock:
            return sorted(self._seen.values(), key=lambda seen: seen.last_seen, reverse=True)


def refused_origins(app: Flask) -> RefusedOrigins:
    return app.extensions["moderation_refused_origins"]


def init_cors(app: Flask, config: Config) -> None:
    """Answer the allowed origins on the public routes; remember the others."""
    if config.cors_origins:
        CORS(app, resources={route: {"origins": config.cors_origins} for route in PUBLIC_ROUTES},
             methods=["GET", "POST"],
             allow_headers=["Content-Type", "X-Author-Token", "X-Report-Token"],
             expose_headers=EXPOSED_HEADERS, max_age=600)
    refused = app.extensions["moderation_refused_origins"] = RefusedOrigins()
    allowed = set(config.cors_origins)

    @app.after_request
    def _vary_by_origin(response: Response) -> Response:
        if config.cors_origins and _PUBLIC.fullmatch(request.path):
            # Whether Access-Control-Allow-Origin comes, and which, depends on the Origin
            # asked from (flask-cors says so only with several origins): a CDN or proxy
            # that kept one origin's answer must not hand it to another.
            response.vary.add("Origin")
        return response

    @app.after_request
    def _note_refused_origin(response: Response) -> Response:
        origin = request.headers.get("Origin")
        if (origin and "*" not in allowed and origin not in allowed
                and origin != request.host_url.rstrip("/") and _PUBLIC.fullmatch(request.path)):
            refused.note(origin[:200], app.extensions["moderation"].clock())
        return response
