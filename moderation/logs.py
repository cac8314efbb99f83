"""Log lines as text or as JSON (MODERATION_LOG_FORMAT), each with the request id of the
comment it is about: set by the API for a request, carried on the jobs the request makes
(``jobs.enqueue``) and set again by the worker that runs them, so one id follows a comment
from its POST through scoring to its webhooks.

What is logged names comments, jobs and endpoints by their ids: never a reader's text,
name, email or address (the API's access lines give the route template, not the path).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
# What a client's X-Request-ID may look like to be taken over (a UUID, a proxy's hex id).
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")

_request_id: ContextVar[str | None] = ContextVar("moderation_request_id", default=None)
# The attributes every LogRecord has: anything else was passed as ``extra``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message",
                                                                            "request_id"}


def current_request_id() -> str | None:
    """The id of the request (or of the job it made) this code runs for, if any."""
    return _request_id.get()


def request_id_from(header: str | None) -> str:
    """The client's (or proxy's) X-Request-ID where it is well-formed, else a new one."""
    if header and WELL_FORMED.fullmatch(header):
        return header
    return uuid.uuid4().hex


@contextmanager
def request_context(request_id: str | None) -> Iterator[None]:
    """Run the block as part of ``request_id``'s work (None: of no request)."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


def bind(request_id: str | None) -> object:
    """Set the request id until ``unbind`` (for hooks that cannot wrap a block)."""
    return _request_id.set(request_id)


def unbind(token: object) -> None:
    _request_id.reset(token)  # type: ignore[arg-type]


class RequestIdFilter(logging.Filter):
    """Gives every record the current request id (``-`` outside any)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, the ``extra``
    fields, and a traceback where there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id and request_id != "-":
            line["request_id"] = request_id
        line.update({key: value for key, value in vars(record).items()
                     if key not in _STANDARD and not key.startswith("_")})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a line is written, as Python's last-resort
    handler does: a CLI runner that swaps it leaves no closed stream behind."""

    @property  # type: ignore[override]
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def handler(log_format: str, stream: object = None) -> logging.Handler:
    """A handler writing ``log_format`` lines (to stderr by default)."""
    out = logging.StreamHandler(stream) if stream is not None else _StderrHandler()  # type: ignore[arg-type]
    out.addFilter(RequestIdFilter())
    out.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    return out


def configure(log_format: str, level: int = logging.INFO) -> None:
    """Send the root logger's lines to stderr in ``log_format``. Like ``basicConfig``, it
    leaves logging alone where someone else set it up (a test runner, an embedding
    application); called again (the app created under a CLI command) it replaces its
    handler rather than adding one."""
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, "moderation", False)]
    if len(ours) < len(root.handlers):
        return
    for old in ours:
        root.removeHandler(old)
    new = handler(log_format)
    new.moderation = True  # type: ignore[attr-defined]
    root.addHandler(new)
    root.setLevel(level)
