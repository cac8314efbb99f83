"""widget.js and count.js as served: the JavaScript source with what it must know of this
service injected as JSON (messages, field limits, report categories, whether mail is sent).

Built once at start-up: the limits are read from the request schemas, so the widget counts
against the numbers the server enforces, never a copy of them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from marshmallow import Schema, validate

from moderation.config import Config
from moderation.domain import ReportCategory
from moderation.schemas import (
    MAX_COUNT_ARTICLES,
    AppealInSchema,
    CommentInSchema,
    ReportInSchema,
)
from moderation.widget.messages import LANGUAGES, count_messages, widget_messages

# Where the source holds the settings; replaced by a JSON object.
PLACEHOLDER = "/*SETTINGS*/null"


@dataclass(frozen=True)
class Script:
    """One built script: its bytes, gzipped too, and the version its URLs carry."""

    name: str
    body: bytes
    gzipped: bytes
    version: str

    @classmethod
    def of(cls, name: str, body: bytes) -> Script:
        # mtime=0: the same script gzips to the same bytes on every start.
        return cls(name, body, gzip.compress(body, compresslevel=9, mtime=0),
                   hashlib.sha256(body).hexdigest()[:16])

    @property
    def versioned_name(self) -> str:
        return f"{self.name}.{self.version}.js"


def max_length(schema: type[Schema], field: str) -> int:
    """The most characters ``schema`` lets ``field`` hold."""
    return _length(schema, field).max


def min_length(schema: type[Schema], field: str) -> int:
    return _length(schema, field).min or 0


def _length(schema: type[Schema], field: str) -> validate.Length:
    validators = schema().fields[field].validators
    return next(rule for rule in validators if isinstance(rule, validate.Length))


def widget_settings(config: Config) -> dict[str, Any]:
    """What widget.js must know of this service."""
    return {
        "messages": {language: widget_messages(language) for language in LANGUAGES},
        "limits": {
            "name": max_length(CommentInSchema, "author_name"),
            "email": max_length(CommentInSchema, "author_email"),
            "body": max_length(CommentInSchema, "body"),
            "title": max_length(CommentInSchema, "article_title"),
            "url": max_length(CommentInSchema, "article_url"),
            "appeal": max_length(AppealInSchema, "explanation"),
            "report": max_length(ReportInSchema, "explanation"),
            "report_min": min_length(ReportInSchema, "explanation"),
            "provision": max_length(ReportInSchema, "legal_provision"),
        },
        "categories": [category.value for category in ReportCategory],
        # Mails to readers need an SMTP server and absolute links (Mailing.to_readers).
        "notifications": config.smtp_host is not None and bool(config.public_base_url),
        "appeal_days": config.appeal_days,
    }


def count_settings() -> dict[str, Any]:
    """What count.js must know: its words and how many articles one request to
    GET /v1/counts may name."""
    return {"messages": {language: count_messages(language) for language in LANGUAGES},
            "max": MAX_COUNT_ARTICLES}


def build(name: str, settings: dict[str, Any]) -> Script:
    """The source of ``name``.js with ``settings`` in place of its placeholder."""
    source = resources.files("moderation.widget").joinpath(f"static/{name}.js").read_text(
        encoding="utf-8")
    if source.count(PLACEHOLDER) != 1:
        raise RuntimeError(f"{name}.js must hold {PLACEHOLDER} exactly once")
    # Umlauts stay UTF-8 (served with charset=utf-8): \u escapes would cost bytes.
    injected = json.dumps(settings, ensure_ascii=False, separators=(",", ":"))
    return Script.of(name, source.replace(PLACEHOLDER, injected).encode())


def build_scripts(config: Config) -> dict[str, Script]:
    """Both scripts, by name."""
    return {"widget": build("widget", widget_settings(config)),
            "count": build("count", count_settings())}
