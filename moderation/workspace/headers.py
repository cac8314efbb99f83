"""Security headers on every workspace answer, routed or not (an unknown page included)."""

from __future__ import annotations

from flask import Flask, Response

from moderation.workspace.paths import in_workspace

# Scripts and styles from this service only, no inline script or style, nothing framed,
# forms posted back here only.
WORKSPACE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; "
                 "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
                 "frame-ancestors 'none'; base-uri 'none'")
# Static files carry no data; every other answer may (pages, fetches, event streams).
CACHEABLE = frozenset({"text/css", "text/javascript", "application/javascript"})


def workspace_headers(response: Response) -> Response:
    """Override the API's defaults for workspace answers: a policy a page can work under,
    the referrer kept on our own site, and nothing with data in any cache."""
    if not in_workspace():
        return response
    response.headers["Content-Security-Policy"] = WORKSPACE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if response.mimetype not in CACHEABLE:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_headers(app: Flask) -> None:
    app.after_request(workspace_headers)
