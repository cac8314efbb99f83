"""Pure: a comment's text cut into segments, each marked with the evidence that covers it.

The explanation's offsets count code points, as Python indexes strings; JavaScript counts
UTF-16 units, which differ from the first emoji on. So the text is cut here, on the server,
and the page receives finished segments (escaped by the template, evidence in ``<mark>``):
no offset ever reaches the browser.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

# What can be marked, gravest first: a segment covered by several shows the gravest.
KINDS = ("banned", "suspect", "sentence")
# Characters that belong to the one before them: an excerpt never ends just before one.
_JOINERS = {"\u200d", "\ufe0e", "\ufe0f"}
EXCERPT_LENGTH = 280


@dataclass(frozen=True)
class Span:
    """One piece of evidence: ``body[start:end]``, and what the explanation says of it (a
    word's list entry, a sentence's category and score)."""

    start: int
    end: int
    kind: str
    term: str | None = None
    category: str | None = None
    score: float | None = None


@dataclass(frozen=True)
class Segment:
    """A run of text and the kinds of evidence covering all of it (none: plain text)."""

    text: str
    kinds: tuple[str, ...] = ()

    @property
    def kind(self) -> str | None:
        """The gravest kind covering it, which the page shows."""
        return self.kinds[0] if self.kinds else None


def spans(explanation: Mapping[str, Any] | None, length: int) -> list[Span]:
    """The evidence in a comment's explanation that lies inside a text of ``length`` code
    points: word-list matches and the highest-scoring sentences. Anything else (a record
    older than its text, a malformed entry) is left out rather than marked wrongly."""
    explanation = explanation or {}
    found = [(entry, entry.get("kind")) for entry in _entries(explanation, "words")]
    found += [(entry, "sentence") for entry in _entries(explanation, "sentences")]
    return [Span(entry["start"], entry["end"], kind, _text(entry.get("term")),
                 _text(entry.get("category")), _number(entry.get("score")))
            for entry, kind in found
            if kind in KINDS and _offset(entry.get("start")) and _offset(entry.get("end"))
            and 0 <= entry["start"] < entry["end"] <= length]


def _entries(explanation: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    entries = explanation.get(key)
    return [e for e in entries if isinstance(e, Mapping)] if isinstance(entries, list) else []


def _offset(value: Any) -> bool:
    return type(value) is int


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: Any) -> float | None:
    return float(value) if type(value) in (int, float) else None


def segments(body: str, evidence: Sequence[Span]) -> list[Segment]:
    """``body`` cut at every start and end of ``evidence``; joined, the segments' texts are
    ``body`` again. Overlapping evidence is split where it overlaps; adjacent evidence stays
    two segments."""
    cuts = sorted({0, len(body), *(s.start for s in evidence), *(s.end for s in evidence)})
    found = []
    for start, end in pairwise(cuts):
        covering = {s.kind for s in evidence if s.start <= start and end <= s.end}
        found.append(Segment(body[start:end], tuple(k for k in KINDS if k in covering)))
    return found


def excerpt(pieces: Sequence[Segment], length: int = EXCERPT_LENGTH) -> list[Segment]:
    """The segments of the first ``length`` code points or so, ended with "…" where the text
    goes on: cut after a word where one ends near the limit, and never between a letter and
    a mark or joiner that belongs to it."""
    text = "".join(piece.text for piece in pieces)
    if len(text) <= length:
        return list(pieces)
    cut = length
    space = text.rfind(" ", length - 40, length)
    if space > 0:
        cut = space
    while cut > 0 and _inside_character(text, cut):
        cut -= 1
    kept, taken = [], 0
    for piece in pieces:
        if taken >= cut:
            break
        kept.append(Segment(piece.text[:cut - taken], piece.kinds))
        taken += len(piece.text)
    kept.append(Segment("…"))
    return kept


def _inside_character(text: str, cut: int) -> bool:
    """Cutting before ``text[cut]`` would split what a reader sees as one character: a
    letter from its accent, an emoji sequence at its joiner, a flag's two halves."""
    return (unicodedata.combining(text[cut]) > 0 or text[cut] in _JOINERS
            or text[cut - 1] == "\u200d"
            or (_regional(text[cut]) and _regional(text[cut - 1])))


def _regional(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def marked(body: str, explanation: Mapping[str, Any] | None) -> list[Segment]:
    """``body`` with its explanation's evidence marked."""
    return segments(body, spans(explanation, len(body)))
