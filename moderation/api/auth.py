"""Bearer API keys for editors and admins, declared once per resource."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from moderation.api.context import now, unit_of_work
from moderation.domain import Role
from moderation.models import ApiKey
from moderation.services.keys import authenticate

# The OpenAPI note every key-protected operation carries.
KEY_REQUIRED = {"security": [{"apiKey": []}]}
Resource = TypeVar("Resource", bound=MethodView)


def no_store(response: Response) -> Response:
    """Editors' and admins' answers hold personal data and secrets: never cache them."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def require_role(role: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Run the view as one unit of work for the holder of an active key of ``role`` (or an
    admin's): the key is checked, and the last use noted, in the view's own transaction."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with unit_of_work() as session:
                g.api_key = authenticate(session, _bearer_token(), role, now())
                return view(*args, **kwargs)

        return wrapped

    return decorator


def key_required(blp: Blueprint, role: Role) -> Callable[[type[Resource]], type[Resource]]:
    """Declare a resource for key holders, once for all its operations: each one refuses
    callers without an active key of ``role`` (401, 403), is documented as needing a key,
    and runs as one unit of work, committed when the view returns.

    ``@blp.route("/comments")`` over ``@key_required(blp, Role.EDITOR)`` over the class; the
    views reach the transaction through ``request_session()``.
    """

    def declare(resource: type[Resource]) -> type[Resource]:
        for method in resource.methods or ():
            name = method.lower()
            setattr(resource, name, blp.doc(**KEY_REQUIRED)(getattr(resource, name)))
        resource.decorators = [*resource.decorators, require_role(role)]
        return resource

    return declare


def current_key() -> ApiKey:
    return g.api_key
