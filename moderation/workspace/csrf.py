"""CSRF tokens: every workspace request that changes something carries one.

A signed-in person's token belongs to their server-side session; before sign-in (the
sign-in form itself) it is a random value in a cookie of its own that the form repeats
(double submit). Forms send it as the field ``csrf_token``, the script as the header
``X-CSRF-Token``; without the right one the answer is 403.
"""

from __future__ import annotations

import hmac
import re
import secrets

from flask import Response, g, request
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden

from moderation.workspace.blueprint import blueprint
from moderation.workspace.errors import OwnMessage
from moderation.workspace.sessions import cookie_secure, current_web_session

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
ANONYMOUS_COOKIE = "redaktion_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WELL_FORMED = re.compile(r"[A-Za-z0-9_-]{43}")


class CsrfRefused(OwnMessage, Forbidden):
    """A write without the session's CSRF token."""


def _anonymous_token() -> str:
    if "anonymous_csrf" not in g:
        cookie = request.cookies.get(ANONYMOUS_COOKIE, "")
        g.anonymous_csrf = cookie if _WELL_FORMED.fullmatch(cookie) else \
            secrets.token_urlsafe(32)
    return g.anonymous_csrf


def csrf_token() -> str:
    """The token this request's forms and fetches must send back."""
    web_session = current_web_session()
    return web_session.csrf_token if web_session is not None else _anonymous_token()


@blueprint.before_request
def refuse_forged_requests() -> None:
    """Every write needs the token: a page on another site cannot send it."""
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(HEADER) or request.form.get(FIELD) or ""
    if not hmac.compare_digest(given.encode(), csrf_token().encode()):
        raise CsrfRefused(_("The form has expired or did not come from this site. "
                            "Please reload the page and try again."))


@blueprint.after_request
def keep_anonymous_token(response: Response) -> Response:
    """Hand out the pre-sign-in token a page used, if the browser does not hold it yet."""
    token = g.get("anonymous_csrf")
    if token is not None and request.cookies.get(ANONYMOUS_COOKIE) != token:
        response.set_cookie(ANONYMOUS_COOKIE, token, httponly=True, samesite="Strict",
                            secure=cookie_secure(), path=blueprint.url_prefix or "/")
    return response


blueprint.add_app_template_global(csrf_token)
