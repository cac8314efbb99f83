"""The workspace's main navigation: one entry per screen, shown once its view exists.

Screens are added by giving a view the entry's endpoint; until then the entry is shown as
not yet available, so the navigation never links to a page that is not there.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g, request, url_for
from flask_babel import lazy_gettext as _l

from moderation.domain import Role


@dataclass(frozen=True)
class Entry:
    endpoint: str
    label: str
    role: Role = Role.EDITOR


ENTRIES = (
    Entry("workspace.queue", _l("Queue")),
    Entry("workspace.articles", _l("Articles")),
    Entry("workspace.policy", _l("Policy"), Role.ADMIN),
    Entry("workspace.models", _l("Models"), Role.ADMIN),
    Entry("workspace.webhooks", _l("Webhooks"), Role.ADMIN),
    Entry("workspace.accounts", _l("Accounts"), Role.ADMIN),
    Entry("workspace.keys", _l("API keys"), Role.ADMIN),
    Entry("workspace.audit", _l("Audit log"), Role.ADMIN),
    Entry("workspace.privacy", _l("Privacy"), Role.ADMIN),
    Entry("workspace.mails", _l("Mails"), Role.ADMIN),
)


@dataclass(frozen=True)
class Link:
    label: str
    endpoint: str
    available: bool
    current: bool


def navigation() -> list[Link]:
    """The entries the signed-in person may open; nobody signed in sees none."""
    account = g.get("account")
    if account is None:
        return []
    return [Link(str(entry.label), entry.endpoint,
                 available=entry.endpoint in current_app.view_functions,
                 current=_within(entry))
            for entry in ENTRIES if account.role.allows(entry.role)]


def _within(entry: Entry) -> bool:
    """The page is the entry's screen or one of its pages (its path lies below)."""
    if request.endpoint == entry.endpoint:
        return True
    if entry.endpoint not in current_app.view_functions:
        return False
    base = url_for(entry.endpoint).rstrip("/")
    return request.path.startswith(base + "/")


def init_navigation(app: Flask) -> None:
    app.jinja_env.globals["navigation"] = navigation
