"""The workspace's static files with Subresource Integrity.

Every file is hashed once, when the app is created; templates name a file with
``asset("workspace.js")`` and get its URL (versioned by its hash, so a browser never runs an
old script against a new page) and its ``integrity`` value. No file comes from anywhere else.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, url_for

STATIC = Path(__file__).resolve().parent / "static"


@dataclass(frozen=True)
class Asset:
    """A static file as a page references it."""

    url: str
    integrity: str


def fingerprints(folder: Path = STATIC) -> dict[str, str]:
    """``sha384-…`` of every file under ``folder``, by its path relative to it."""
    return {path.relative_to(folder).as_posix():
            "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def asset(path: str) -> Asset:
    """URL and integrity of a packaged static file (a KeyError names a file that is not)."""
    integrity = current_app.extensions["workspace_assets"][path]
    version = integrity.removeprefix("sha384-")[:12].replace("/", "_").replace("+", "-")
    return Asset(url_for("workspace.static", filename=path, v=version), integrity)


def init_assets(app: Flask) -> None:
    app.extensions["workspace_assets"] = fingerprints()
    app.jinja_env.globals["asset"] = asset
