"""How the workspace writes the newsroom's records: times in Europe/Berlin, scores with a
decimal comma, reason codes, categories and statuses in plain words of the reader's
language. Template filters, registered on the blueprint."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask_babel import gettext as _

from moderation.domain import CommentStatus, ModerationMode
from moderation.texts import label, number
from moderation.workspace.blueprint import blueprint
from moderation.workspace.i18n import current_locale
from moderation.workspace.reasons import own_name

NEWSROOM_TIME = ZoneInfo("Europe/Berlin")
_PATTERNS = {"de": "dd.MM.yyyy, HH:mm", "en": "d MMM yyyy, HH:mm"}


@blueprint.app_template_filter("local_time")
def local_time(moment: datetime | None) -> str:
    """``25.11.2026, 10:30`` in the newsroom's time zone (summer time included)."""
    if moment is None:
        return ""
    locale = current_locale()
    return format_datetime(moment, _PATTERNS.get(locale, _PATTERNS["en"]),
                           tzinfo=NEWSROOM_TIME, locale=locale)


@blueprint.app_template_filter("score")
def score(value: float | None) -> str:
    """``0,97`` in German, ``0.97`` in English; a dash for no score."""
    return "–" if value is None else number(value, current_locale())


@blueprint.app_template_filter("reason_label")
def reason_label(code: str) -> str:
    return own_name(code) or label(current_locale(), "reason", code)


@blueprint.app_template_filter("category_label")
def category_label(category: str) -> str:
    return label(current_locale(), "category", category)


@blueprint.app_template_filter("report_category_label")
def report_category_label(category: str) -> str:
    return label(current_locale(), "report_category", category)


@blueprint.app_template_filter("status_label")
def status_label(status: CommentStatus | str | None) -> str:
    names = {
        CommentStatus.PENDING: _("Waiting for scoring"),
        CommentStatus.REVIEW: _("Held"),
        CommentStatus.APPROVED: _("Published"),
        CommentStatus.REJECTED: _("Rejected"),
    }
    return "–" if status is None else names.get(CommentStatus(status), str(status))


@blueprint.app_template_filter("resolution_label")
def resolution_label(resolution: str) -> str:
    """Where a report or an appeal stands."""
    return {
        "open": _("open"),
        "upheld": _("upheld"),
        "dismissed": _("dismissed"),
        "closed": _("closed without a decision"),
    }.get(resolution, resolution)


@blueprint.app_template_filter("mode_label")
def mode_label(mode: ModerationMode) -> str:
    return {
        ModerationMode.AUTO: _("Automatic (held when in doubt)"),
        ModerationMode.PRE: _("Pre-moderation (every comment waits)"),
        ModerationMode.POST: _("Post-moderation (published at once)"),
    }[mode]


@blueprint.app_template_filter("actor_label")
def actor_label(actor: str) -> str:
    """``user:anna@…`` as the address, ``key:redaktion`` as the key's name, the system and
    the author in words."""
    kind, _sep, name = actor.partition(":")
    if kind == "user":
        return name
    if kind == "key":
        return _("API key %(name)s", name=name)
    return {"system": _("Automatic"), "author": _("The author")}.get(actor, actor)


def top_score(scores: Mapping[str, Any] | None) -> tuple[str, float] | None:
    """The category that scored highest, and its score."""
    numeric = {name: value for name, value in (scores or {}).items()
               if isinstance(value, int | float) and not isinstance(value, bool)}
    if not numeric:
        return None
    category = max(numeric, key=lambda name: numeric[name])
    return category, float(numeric[category])
