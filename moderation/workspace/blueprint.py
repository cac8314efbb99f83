"""The workspace's blueprint; view modules attach their routes to it when imported."""

from __future__ import annotations

from flask import Blueprint

from moderation.workspace.paths import PREFIX

blueprint = Blueprint("workspace", __name__, url_prefix=PREFIX, template_folder="templates",
                      static_folder="static")
