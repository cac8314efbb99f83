"""The readers' widget and count.js, served by the service itself (no CDN).

``/widget.js`` and ``/count.js`` keep their URL across releases: cached briefly and
revalidated by a strong ETag (a 304 costs a few bytes). ``/widget.<version>.js`` never
changes and may be cached for a year. No cookies, any origin may load them.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, request

from moderation.config import Config
from moderation.widget.build import Script, build_scripts

STABLE_CACHE = "public, max-age=300, stale-while-revalidate=86400"
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"
EXTENSION = "moderation.widget"

blueprint = Blueprint("widget", __name__)


def init_widget(app: Flask, config: Config) -> None:
    """Build the scripts for ``config`` and serve them."""
    app.extensions[EXTENSION] = build_scripts(config)
    app.register_blueprint(blueprint)


def scripts() -> dict[str, Script]:
    return current_app.extensions[EXTENSION]


@blueprint.get("/widget.js", defaults={"name": "widget", "version": None})
@blueprint.get("/count.js", defaults={"name": "count", "version": None})
@blueprint.get("/widget.<version>.js", defaults={"name": "widget"})
@blueprint.get("/count.<version>.js", defaults={"name": "count"})
def script(name: str, version: str | None) -> Response:
    """A script at its stable or its versioned URL. A page that names an earlier version
    gets this one, cached only briefly: old embeds keep working after a release."""
    built = scripts()[name]
    gzipped = "gzip" in request.accept_encodings
    response = Response(built.gzipped if gzipped else built.body,
                        mimetype="text/javascript")
    response.headers["Cache-Control"] = (IMMUTABLE_CACHE if version == built.version
                                         else STABLE_CACHE)
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.vary.add("Accept-Encoding")
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    # Each encoding is its own representation: a strong ETag apiece.
    response.set_etag(built.version + ("-gz" if gzipped else ""))
    return response.make_conditional(request)
