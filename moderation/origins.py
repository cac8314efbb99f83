"""Web origins, as browsers name them in the ``Origin`` header."""

from __future__ import annotations

from urllib.parse import urlsplit


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL, as a browser sends it in ``Origin``."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2].lower()}"
