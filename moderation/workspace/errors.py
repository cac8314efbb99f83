"""Error pages of the workspace: HTML in the reader's language for pages, our JSON shape
``{"code", "message", "errors"}`` for the script's fetches. Never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template
from flask_babel import gettext as _
from markupsafe import escape
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from moderation.api.errors import CODES, error_body
from moderation.db import UNAVAILABLE, unavailable_reason
from moderation.errors import DomainError
from moderation.workspace.blueprint import blueprint
from moderation.workspace.paths import in_workspace, wants_json

log = logging.getLogger(__name__)


def _titles() -> dict[int, str]:
    return {
        400: _("The request could not be understood"),
        401: _("Please sign in"),
        403: _("Access denied"),
        404: _("Page not found"),
        405: _("Not possible here"),
        409: _("Conflict"),
        413: _("Too much at once"),
        422: _("Please check your input"),
        500: _("Something went wrong"),
        503: _("Temporarily unavailable"),
    }


def _messages() -> dict[int, str]:
    return {
        403: _("You are not allowed to open this page or take this action."),
        404: _("There is no page at this address."),
        405: _("This page cannot be used this way."),
        500: _("Something went wrong on our side. Please try again."),
        503: _("The database is unavailable; please try again shortly."),
    }


def error_answer(status: int, message: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None,
                 errors: dict[str, Any] | None = None) -> Response:
    """The page (or, for a fetch, the JSON body) that tells what went wrong."""
    title = _titles().get(status, _("Request refused"))
    message = message or _messages().get(status) or title
    if wants_json():
        response = jsonify(code=code or CODES.get(status, "error"), message=message,
                           errors=errors or {})
    else:
        response = Response(_page(status, title, message))
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _page(status: int, title: str, message: str) -> str:
    try:
        return render_template("workspace/error.html", status=status, title=title,
                               message=message)
    except Exception:  # the page itself failed (no database for the header): plain words
        log.exception("error page failed")
        return str(escape(f"{title}. {message}"))


class OwnMessage:
    """Mixed into an HTTP error whose description is a translated message for the reader."""


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status >= 500:
        return error_answer(500)
    # Werkzeug's default descriptions are English: only our own messages are shown.
    own = error.description if isinstance(error, OwnMessage) else None
    headers = {name: value for name, value in error.get_headers()
               if name.lower() not in {"content-type", "content-length"}}
    return error_answer(status, own, headers=headers)


def _domain_error(error: DomainError) -> Response:
    return error_answer(error.http_status, error.message, error.code, errors=error.errors)


def _database_unavailable(error: Exception) -> Response:
    log.error("database unavailable: %s", unavailable_reason(error))
    return error_answer(503, headers={"Retry-After": "5"})


def _unexpected(error: Exception) -> Response:
    log.exception("unhandled error in the workspace", exc_info=error)
    return error_answer(500)


def _routing_error(error: HTTPException) -> Response:
    """404 and 405 come from routing, before any blueprint: pages under the workspace's path
    get the workspace's page, everything else the API's JSON."""
    return _http_error(error) if in_workspace() else error_body(error)


blueprint.register_error_handler(HTTPException, _http_error)
blueprint.register_error_handler(DomainError, _domain_error)
for _unavailable in UNAVAILABLE:
    blueprint.register_error_handler(_unavailable, _database_unavailable)
blueprint.register_error_handler(Exception, _unexpected)


def init_errors(app: Flask) -> None:
    app.register_error_handler(NotFound, _routing_error)
    app.register_error_handler(MethodNotAllowed, _routing_error)
