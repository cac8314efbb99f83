"""Opaque keyset cursors: stable pages however many comments arrive meanwhile."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from marshmallow import ValidationError

from moderation.errors import Invalid

Row = TypeVar("Row")

CURSOR_ARITY = 2  # every page is ordered by one value and the id as tie-breaker
MAX_ID = 2**63 - 1
NOT_OURS = "Not a valid cursor."
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def encode_cursor(*values: Any) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def one_page(rows: Sequence[Row], limit: int,
             position: Callable[[Row], tuple[Any, int]]) -> tuple[list[Row], str | None]:
    """Rows fetched with ``limit + 1``: the page, and the cursor of the page after it (made of
    the last row's ``position``; ``None`` when this page is the last)."""
    if len(rows) <= limit:
        return list(rows), None
    page = list(rows[:limit])
    return page, encode_cursor(*position(page[-1]))


def _values(cursor: str) -> list[Any] | None:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return values if isinstance(values, list) and len(values) == CURSOR_ARITY else None


def check_cursor(cursor: str) -> None:
    """A marshmallow validator: refuse what no page of ours handed out."""
    if _values(cursor) is None:
        raise ValidationError(NOT_OURS)


def _decode(cursor: str) -> list[Any]:
    """The values a cursor was made of."""
    values = _values(cursor)
    if values is None:
        raise _refuse()
    return values


def _refuse() -> Invalid:
    return Invalid("The cursor is not valid.", errors={"cursor": [NOT_OURS]})


def _position_id(value: Any) -> int:
    # Ids are 64-bit: a bigger number is not ours, and no database driver would take it.
    if type(value) is not int or not 0 <= value <= MAX_ID:
        raise _refuse()
    return value


def decode_time_cursor(cursor: str) -> tuple[datetime, int]:
    """The (created_at, id) a page ordered by time ended at."""
    when, position_id = _decode(cursor)
    try:
        parsed = datetime.fromisoformat(when)
        if parsed.tzinfo is None:
            raise ValueError("a naive time")
        parsed = parsed.astimezone(UTC)
    except (TypeError, ValueError, OverflowError):  # not an aware time, or none UTC can show
        raise _refuse() from None
    return parsed, _position_id(position_id)


def decode_score_cursor(cursor: str) -> tuple[float, int]:
    """The (score, id) a page ordered by score ended at."""
    score, position_id = _decode(cursor)
    # Scores and counts are small: a bigger number (or NaN, which compares false) is not
    # ours, and one of 310 digits is more than a float can hold.
    if type(score) not in (int, float) or not -MAX_ID <= score <= MAX_ID:
        raise _refuse()
    return float(score), _position_id(position_id)


def decode_text_cursor(cursor: str) -> tuple[str, int]:
    """The (text, id) a page ordered by text ended at."""
    value, position_id = _decode(cursor)
    # Only text a database stores: no NUL, no lone surrogate (JSON can spell both).
    if type(value) is not str or _UNSTORABLE.search(value):
        raise _refuse()
    return value, _position_id(position_id)
