"""Plain-text hygiene for everything readers type."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls except tab and newline, plus bidi overrides that can disguise text.
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalised_email(email: str | None) -> str | None:
    """The form emails are matched by (export, erasure, duplicates, rate limits): NFC and
    ``casefold``, in Python, so that SQLite's ASCII-only ``lower()`` and PostgreSQL's
    locale rules never decide whether two spellings are one address."""
    if email is None:
        return None
    return unicodedata.normalize("NFC", email.strip()).casefold() or None


def normalize(text: str) -> str:
    """NFC-normalise (so "ä" is one code point however it was typed), unify line breaks,
    drop control characters and trim. Emoji and umlauts pass unchanged."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _UNWANTED.sub("", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


# Schemes, "www." hosts and bare domains with a common top-level domain and a path or port.
_LINK = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"]+"
    r"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:de|com|net|org|io|info|eu|at|ch|ru|xyz|ly)"
    r"(?=[/:?]|\b)(?:[/?:][^\s<>\"]*)?"
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'»«“”)]*\s+|\n+")


def count_links(text: str) -> int:
    """How many links a comment carries (spam rarely comes with fewer than three)."""
    return sum(1 for _ in _LINK.finditer(text))


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences in ``text``; good enough to point an editor at
    the sentence that scored highest, not a linguistic parser."""
    spans, start = [], 0
    for boundary in _SENTENCE_END.finditer(text):
        if text[start:boundary.start()].strip():
            spans.append((start, boundary.start()))
        start = boundary.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans
