"""The browser's session with the workspace: found by its cookie before every workspace
request, put on ``g.web_session`` (and, once fully signed in, the account on ``g.account``).

The cookie holds a random token only (``HttpOnly``, ``SameSite=Strict``, ``Secure`` unless
``MODERATION_SESSION_COOKIE_SECURE=false``, path ``/redaktion``); the database holds its
hash. Every sign-in makes a new session: a token a browser brought is never promoted.
"""

from __future__ import annotations

from flask import Flask, Response, g, request

from moderation.accounts import sessions
from moderation.accounts.sessions import Timeouts
from moderation.api.context import now, state, unit_of_work
from moderation.models import WebSession
from moderation.workspace.paths import PREFIX, in_workspace

COOKIE = "redaktion_sitzung"


def cookie_secure() -> bool:
    """Cookies only over HTTPS, unless switched off for a development machine."""
    return state().config.session_cookie_secure


def timeouts() -> Timeouts:
    return Timeouts.of(state().config)


def current_web_session() -> WebSession | None:
    """This request's session, signed in or waiting for the second factor."""
    return g.get("web_session")


def load_session() -> None:
    """Find the session behind the cookie, for every workspace request but its files."""
    if not in_workspace() or request.endpoint == "workspace.static":
        return
    token = request.cookies.get(COOKIE)
    web_session = None
    if token:
        with unit_of_work() as session:
            web_session = sessions.find(session, token, now(), timeouts())
    g.web_session = web_session
    g.account = web_session.account if web_session and not web_session.second_factor_pending \
        else None


def remember(response: Response, token: str) -> None:
    """Give the browser the cookie of a session just started."""
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict",
                        secure=cookie_secure(), path=PREFIX)


def forget(response: Response) -> None:
    """Remove the session cookie from the browser."""
    response.delete_cookie(COOKIE, path=PREFIX, httponly=True, samesite="Strict",
                           secure=cookie_secure())


def init_sessions(app: Flask) -> None:
    # App-wide, not the blueprint's: an unknown workspace page (404) knows who is signed in.
    app.before_request(load_session)
