"""Bearer API keys for editors and admins."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, g, request

from moderation.api.context import now, unit_of_work
from moderation.domain import Role
from moderation.models import ApiKey
from moderation.services.keys import authenticate

# The OpenAPI note every key-protected operation carries.
KEY_REQUIRED = {"security": [{"apiKey": []}]}


def no_store(response: Response) -> Response:
    """Editors' and admins' answers hold personal data and secrets: never cache them."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def require_role(role: Role) -> Callable:
    """Refuse the view unless the request carries an active key of ``role`` (or admin)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with unit_of_work() as session:
                g.api_key = authenticate(session, _bearer_token(), role, now())
            return view(*args, **kwargs)

        return wrapped

    return decorator


def current_key() -> ApiKey:
    return g.api_key
