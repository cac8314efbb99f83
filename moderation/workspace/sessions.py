"""The signed-in person's server-side session, found by the session cookie."""

from __future__ import annotations

from flask import g

from moderation.api.context import state


def cookie_secure() -> bool:
    """Cookies only over HTTPS, unless switched off for a development machine."""
    return state().config.session_cookie_secure


def current_web_session():  # the model arrives with accounts
    return g.get("web_session")
