"""HTTP entry points: thin flask-smorest blueprints that parse, call a service, serialise."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_smorest import Api
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from moderation.api.errors import error_body, register_error_handlers
from moderation.api.json_body import read_json_body
from moderation.schemas import ErrorSchema


class ModerationApi(Api):
    """flask-smorest with our one error shape: ``{"code", "message", "errors"}``."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: Any) -> Any:
        return error_body(error)


def init_api(app: Flask) -> ModerationApi:
    from moderation.api import admin, audit, editor, health, privacy, public, webhooks
    from moderation.readers import pages as reader_pages

    api = ModerationApi(app, spec_kwargs={"info": {"description": __doc__.strip()}})
    api.spec.components.security_scheme(
        "apiKey", {"type": "http", "scheme": "bearer",
                   "description": "An editor or admin key from `moderation keys create`."})
    api.spec.components.security_scheme(
        "authorToken", {"type": "apiKey", "in": "header", "name": "X-Author-Token"})
    for blueprint in (public.blp, editor.blp, admin.blp, privacy.blp, audit.blp, webhooks.blp,
                      health.blp):
        api.register_blueprint(blueprint)
    # Pages for readers, not API: outside the OpenAPI document.
    app.register_blueprint(reader_pages.blp)
    register_error_handlers(app)
    app.before_request(_json_bodies_only)
    app.before_request(_no_nul_characters)
    app.before_request(read_json_body)
    return api


def _no_nul_characters() -> None:
    """NUL is never meaningful in a path or a query, and PostgreSQL can neither store nor
    compare it: refuse it up front. (Body text fields refuse it; free text is normalised,
    which drops it with every control character.)"""
    if "\x00" in request.path or any("\x00" in key or "\x00" in value
                                     for key, value in request.args.items(multi=True)):
        raise BadRequest("NUL characters are not allowed in the URL.")


# Blueprints that take form posts: each refuses every write without its CSRF token. The
# readers' notification pages carry theirs in the path (the link's secret), and must take
# the form-encoded one-click unsubscribe of RFC 8058 from mail clients.
FORM_BLUEPRINTS = frozenset({"workspace", "notifications"})


def _json_bodies_only() -> None:
    """Write requests carry JSON or nothing: a form post cannot sneak past CORS preflight.
    (A request no route takes gets its 404 or 405, whatever its body.)"""
    if request.url_rule is None or FORM_BLUEPRINTS.intersection(request.blueprints):
        return
    if request.method in {"POST", "PUT", "PATCH"} and not request.is_json and (
        request.content_length or request.headers.get("Transfer-Encoding")
        or request.mimetype
    ):
        raise UnsupportedMediaType("Send the request body as application/json.")
