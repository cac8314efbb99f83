"""Every error, ours or the framework's, as ``{"code", "message", "errors"}``."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from flask import Flask, Response, jsonify
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from moderation.db import UNAVAILABLE, database_error_summary, unavailable_reason
from moderation.errors import DomainError

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict",
    412: "precondition_failed", 413: "payload_too_large", 415: "unsupported_media_type",
    422: "validation_failed", 429: "too_many_requests", 500: "internal_error",
    503: "service_unavailable",
}


def _response(status: int, code: str, message: str, errors: dict[str, Any] | None = None,
              headers: dict[str, str] | None = None) -> Response:
    response = jsonify(code=code, message=message, errors=errors or {})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _field_errors(messages: Any) -> dict[str, Any]:
    """webargs groups messages by location (json, query, headers): merge them per field."""
    if not isinstance(messages, dict):
        return {}
    merged: dict[str, Any] = {}
    for per_location in messages.values():
        if isinstance(per_location, dict):
            merged.update(per_location)
        elif isinstance(per_location, list):  # about the whole body, e.g. unparsable JSON
            merged.setdefault("_schema", []).extend(per_location)
    return merged


def error_body(error: HTTPException) -> Response:
    """Werkzeug and webargs errors (404, 405, 413, 422 ...) in our shape, with their headers
    (``Allow`` on a 405)."""
    status = error.code or 500
    if status >= 500:
        return _response(500, "internal_error", "Something went wrong on our side.")
    data = getattr(error, "data", None) or {}
    errors = _field_errors(data.get("messages"))
    if status == 422:
        message = "The request is not valid; see errors for each field."
    else:
        message = data.get("message") or error.description or "Request refused."
    headers = {name: value for name, value in error.get_headers()
               if name.lower() != "content-type"}
    return _response(status, CODES.get(status, "error"), message, errors,
                     headers={**headers, **(data.get("headers") or {})})


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Response:
        return _response(error.http_status, error.code, error.message, error.errors)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        return error_body(error)

    def database_unavailable(error: Exception) -> Response:
        # One line per request: an outage must not fill the log with tracebacks.
        log.error("database unavailable: %s", unavailable_reason(error))
        return _response(503, "database_unavailable",
                         "The database is unavailable; please try again shortly.",
                         headers={"Retry-After": "5"})

    for error_class in UNAVAILABLE:
        app.register_error_handler(error_class, database_unavailable)

    @app.errorhandler(InternalServerError)
    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        if isinstance(error, SQLAlchemyError):
            # The driver's words may quote what was submitted (PostgreSQL's DETAIL and
            # CONTEXT lines do): log what failed and where, never the values.
            log.error("unhandled database error: %s\n%s", database_error_summary(error),
                      "".join(traceback.format_tb(error.__traceback__)).rstrip())
        else:
            log.exception("unhandled error", exc_info=error)
        return _response(500, "internal_error", "Something went wrong on our side.")
