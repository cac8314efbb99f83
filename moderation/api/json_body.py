"""The one JSON loader for request bodies.

Python's ``json`` takes more than a service should: nesting deep enough to exhaust the
interpreter's stack (``RecursionError``), integers of thousands of digits (``ValueError``
past 4,300, quadratic time before), ``NaN`` and ``Infinity``, numbers that overflow to
``inf``, and lone UTF-16 surrogates (``"\\ud800"``) that no database column and no UTF-8
answer can hold. Every JSON request body passes here before a view, a rate-limit key
function or webargs reads it; whatever is refused is a 400 in our error shape.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest

MAX_DEPTH = 32  # our deepest body (a policy's thresholds) is 3 levels deep
MAX_NUMBER_LENGTH = 50  # a float's repr needs 24 characters, a 64-bit id 20
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class RefusedJson(ValueError):
    """Why a body was refused, in words that never quote it."""


def loads(document: str | bytes) -> Any:
    """Parse a request body, refusing what ``json`` would take but we must not."""
    if isinstance(document, bytes | bytearray):
        # JSON between systems is UTF-8 (RFC 8259), and so webargs reads it; a byte that
        # is not is a UnicodeDecodeError, a ValueError.
        document = document.decode("utf-8")
    try:
        value = json.loads(document, parse_int=_integer, parse_float=_float,
                           parse_constant=_not_json)
    except RecursionError:
        raise RefusedJson(f"The body is nested deeper than {MAX_DEPTH} levels.") from None
    _check_shape(value)
    return value


def _integer(digits: str) -> int:
    if len(digits) > MAX_NUMBER_LENGTH:
        raise RefusedJson(f"A number is longer than {MAX_NUMBER_LENGTH} characters.")
    return int(digits)


def _float(literal: str) -> float:
    if len(literal) > MAX_NUMBER_LENGTH:
        raise RefusedJson(f"A number is longer than {MAX_NUMBER_LENGTH} characters.")
    value = float(literal)
    if not math.isfinite(value):
        raise RefusedJson("A number is too large.")
    return value


def _not_json(constant: str) -> Any:
    raise RefusedJson(f"{constant} is not a JSON value.")


def _check_shape(value: Any) -> None:
    """Depth and text of a parsed body, walked without recursion."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if LONE_SURROGATE.search(item):
                raise RefusedJson("A string holds a lone UTF-16 surrogate (\\ud800-\\udfff).")
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise RefusedJson(f"The body is nested deeper than {MAX_DEPTH} levels.")
        children = [*item, *item.values()] if isinstance(item, dict) else item
        pending.extend((child, depth + 1) for child in children)


def read_json_body() -> None:
    """A ``before_request`` hook: a JSON body must pass ``loads`` before anything reads it
    (a rate-limit key function, webargs), whatever the method. They parse it again with
    ``json``, which takes everything ``loads`` does, to the same values."""
    if request.is_json and (document := request.get_data(cache=True)):
        try:
            loads(document)
        except ValueError as error:  # RefusedJson, JSONDecodeError, UnicodeDecodeError
            refused = BadRequest("The request body is not valid JSON.")
            refused.data = {"messages": {"json": [str(error)]}}
            raise refused from None
