"""Plain-text hygiene for everything readers type."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls except tab and newline, plus bidi overrides that can disguise text.
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalize(text: str) -> str:
    """NFC-normalise (so "ä" is one code point however it was typed), unify line breaks,
    drop control characters and trim. Emoji and umlauts pass unchanged."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _UNWANTED.sub("", text)
    return _BLANK_LINES.sub("\n\n", text).strip()
