"""Opaque keyset cursors: stable pages however many comments arrive meanwhile."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from moderation.errors import Invalid


def encode_cursor(*values: Any) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """The values a cursor was made of; a cursor that was not ours is a 422."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != arity:
        raise Invalid("The cursor is not valid.", errors={"cursor": ["Not a valid cursor."]})
    return values


def cursor_time(value: Any) -> datetime:
    """A timestamp taken from a cursor."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise Invalid("The cursor is not valid.", errors={"cursor": ["Not a valid cursor."]})
    return parsed
