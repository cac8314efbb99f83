"""The audit log for admins at /redaktion/protokoll: who did what when, newest first,
filtered by actor, action and days (Europe/Berlin), one page at a time (keyset); details
shown as JSON text, never as markup."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import render_template, request
from flask_babel import gettext as _

from moderation.api.context import request_session
from moderation.domain import Role
from moderation.services import audit
from moderation.workspace.access import signed_in
from moderation.workspace.admin_forms import AuditFilter, problems, read
from moderation.workspace.blueprint import blueprint
from moderation.workspace.present import NEWSROOM_TIME

ADMIN = Role.ADMIN
PAGE_SIZE = 50
FILTERS = ("actor", "action", "from", "to")


def _field_messages() -> dict[str, str]:
    return {"actor": _("An actor of at most 120 characters, e.g. user:anna@zeitung.de."),
            "action": _("An action such as webhook.created: lower-case letters, dots and "
                        "underscores."),
            "from": _("A date."),
            "to": _("A date, not before the start of the range."),
            "cursor": _("This page of the log no longer exists: start again from the "
                        "first.")}


def _day_start(day: date) -> datetime:
    """A day begins at midnight in Berlin, whatever UTC says."""
    return datetime.combine(day, time(), NEWSROOM_TIME).astimezone(UTC)


def actor_of(given: str | None) -> str | None:
    """What the actor filter means: an email alone is the person's account."""
    if given is None:
        return None
    given = given.strip()
    if "@" in given and ":" not in given:
        return f"user:{given}"
    return given or None


@blueprint.app_template_filter("as_json_text")
def as_json_text(details: Any) -> str:
    """Details as indented JSON text (autoescaped where shown: text, never markup)."""
    return json.dumps(details, ensure_ascii=False, indent=2, sort_keys=True)


@blueprint.get("/protokoll", endpoint="audit")
@signed_in(ADMIN)
def audit_page() -> tuple[str, int]:
    """The audit log, newest first, filtered; older entries a page at a time."""
    query, errors = read(AuditFilter(), request.args)
    given = {name: request.args.get(name, "") for name in FILTERS}
    filters = {name: value for name, value in given.items() if value}
    if errors:
        return render_template("workspace/audit.html", events=[], next_cursor=None,
                               given=given, filters=filters, first_page=True,
                               problems=problems(errors, _field_messages())), 422
    first, last = query["from_day"], query["to_day"]
    page = audit.audit_log(
        request_session(), actor=actor_of(query["actor"]), action=query["action"],
        since=_day_start(first) if first else None,
        until=_day_start(last + timedelta(days=1)) if last else None,
        cursor=query["cursor"], limit=PAGE_SIZE)
    return render_template("workspace/audit.html", events=page.events,
                           next_cursor=page.next_cursor, given=given, filters=filters,
                           problems={}, first_page=query["cursor"] is None), 200
