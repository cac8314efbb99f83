"""Which requests belong to the workspace, and how they want their answers."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request

PREFIX = "/redaktion"


def in_workspace() -> bool:
    """The request is for a workspace page, fetch or file (routed or not)."""
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def wants_json() -> bool:
    """A fetch from the workspace's script (it asks for JSON), not a page the browser opens."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a workspace path on this site, never elsewhere (an
    attacker's ``weiter=https://…`` or ``//host`` link leads to the start page instead)."""
    home = PREFIX + "/"
    if not target or len(target) > 2000:
        return home
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or "\\" in target
            or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target)
            or not (parts.path == PREFIX or parts.path.startswith(home))
            or "/../" in parts.path + "/" or "/./" in parts.path + "/"):
        return home
    return target
