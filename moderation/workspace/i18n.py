"""German first, English second: Flask-Babel with the workspace's message catalogues.

msgids are English; ``translations/de`` translates every one. The language is the signed-in
person's own setting, else the service's (``MODERATION_LANGUAGE``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g
from flask_babel import Babel, get_locale

from moderation.api.context import state

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def selected_locale() -> str:
    """The signed-in account's language, else the service's."""
    account = g.get("account")
    return account.locale if account is not None else state().config.language


def current_locale() -> str:
    """The language of this answer, as ``<html lang>`` names it."""
    return str(get_locale())


def init_babel(app: Flask) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = app.extensions["moderation"].config.language
    # Times are shown as the newsroom lives them (stored and compared in UTC).
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/Berlin"
    Babel(app, locale_selector=selected_locale,
          default_translation_directories=str(TRANSLATIONS))
    app.jinja_env.globals["current_locale"] = current_locale
