"""Which requests belong to the workspace, and how they want their answers."""

from __future__ import annotations

from flask import request

PREFIX = "/redaktion"


def in_workspace() -> bool:
    """The request is for a workspace page, fetch or file (routed or not)."""
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def wants_json() -> bool:
    """A fetch from the workspace's script (it asks for JSON), not a page the browser opens."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"
