"""Who may open a workspace page, declared once per view.

``@signed_in()`` (editors and admins) or ``@signed_in("admin")`` under ``@blueprint.route``:
nobody signed in is sent to the sign-in page and brought back afterwards (a fetch gets a
JSON 401); a signed-in person without the role gets 403; a one-time password must be
replaced first. The view runs as one unit of work (``request_session()`` inside it),
committed when it returns; ``transaction=False`` for views that manage their own (streams).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden, Unauthorized

from moderation.api.context import unit_of_work
from moderation.domain import Role
from moderation.models import Account
from moderation.services.actors import Decider
from moderation.workspace.errors import OwnMessage
from moderation.workspace.paths import wants_json

View = TypeVar("View", bound=Callable[..., Any])

# Where a person with a one-time password may go before choosing their own.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"workspace.account", "workspace.change_password",
                                       "workspace.sign_out", "workspace.sign_out_everywhere"})


class NotSignedIn(OwnMessage, Unauthorized):
    """A fetch from a page whose session has ended."""


class NotAllowed(OwnMessage, Forbidden):
    """The signed-in person's role does not allow this."""


def signed_in(role: Role | str = Role.EDITOR, *, transaction: bool = True
              ) -> Callable[[View], View]:
    """Let only signed-in people with ``role`` (admins may do what editors may) run the
    view; put their account on ``g.account``."""
    required = Role(role)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            account: Account | None = g.get("account")
            if account is None:
                if wants_json():
                    raise NotSignedIn(_("Your session has ended. Please sign in again."))
                return redirect(url_for("workspace.sign_in", weiter=request.full_path
                                        if request.query_string else request.path))
            if account.password_change_required \
                    and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
                return redirect(url_for("workspace.account"))
            if not account.role.allows(required):
                raise NotAllowed(_("This needs an administrator."))
            if not transaction:
                return view(*args, **kwargs)
            with unit_of_work():
                return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def current_account() -> Account:
    """The signed-in account (in views behind ``signed_in``)."""
    return g.account


def current_decider() -> Decider:
    """Who decides when the signed-in person approves, rejects or answers a report:
    recorded as ``user:<email>``, as ``key:<name>`` is for an API key."""
    return Decider.user(current_account().email)
