"""Domain errors. Services raise them; the API turns each into one JSON error shape."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal the caller can act on: a code, a human message and per-field errors."""

    http_status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None,
                 errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.errors = errors or {}


class NotFound(DomainError):
    http_status = 404
    code = "not_found"


class Conflict(DomainError):
    http_status = 409
    code = "conflict"


class Invalid(DomainError):
    http_status = 422
    code = "validation_failed"


class Unauthorized(DomainError):
    http_status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    http_status = 403
    code = "forbidden"
