"""The workspace's start page."""

from __future__ import annotations

from flask import current_app, redirect, render_template, url_for
from werkzeug.wrappers import Response

from moderation.workspace.access import signed_in
from moderation.workspace.blueprint import blueprint


@blueprint.get("/")
@signed_in()
def home() -> Response | str:
    """The queue, once it exists; until then a page that says what is coming."""
    if "workspace.queue" in current_app.view_functions:
        return redirect(url_for("workspace.queue"))
    return render_template("workspace/home.html")
