"""The interactive API docs at ``/docs``: Swagger UI, served from the pinned ``swagger-ui-py``
package and our own start-up script, under a policy that lets the page load nothing else.

Editors paste their keys into this page: no third party may see its traffic or run code in
it, and it must work offline.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from flask import Blueprint, Response, abort, render_template_string, send_from_directory

# Swagger UI's files that the page loads (the package ships more: an editor, source maps).
SWAGGER_UI_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js"})
# Swagger UI sets element styles from script (allowed: not inline markup) and draws its
# icons from data: URLs in its stylesheet; "Try it out" calls this same origin.
DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>moderation API</title>
<link rel="stylesheet" href="{{ url_for('docs.swagger_ui', name='swagger-ui.css') }}">
</head>
<body data-spec-url="{{ url_for('api-docs.openapi_json') }}">
<div id="swagger-ui"></div>
<script src="{{ url_for('docs.swagger_ui', name='swagger-ui-bundle.js') }}"></script>
<script src="{{ url_for('docs.static', filename='docs.js') }}"></script>
</body>
</html>
"""

blueprint = Blueprint("docs", __name__, url_prefix="/docs", static_folder="static")


def swagger_ui_folder() -> Path:
    """The installed package's files, found without importing it (it is a web framework
    adapter we do not use)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed: pip install -e .")
    return Path(spec.submodule_search_locations[0]) / "static"


@blueprint.get("")
def page() -> Response:
    """Swagger UI for the OpenAPI document."""
    response = Response(render_template_string(PAGE), mimetype="text/html")
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response


@blueprint.get("/swagger-ui/<name>")
def swagger_ui(name: str) -> Response:
    """One of Swagger UI's files."""
    if name not in SWAGGER_UI_FILES:
        abort(404)
    return send_from_directory(swagger_ui_folder(), name, max_age=86400)
