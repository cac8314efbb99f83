"""Editors' word lists, matched the way German is written: a banned word rejects a comment,
a suspect word holds it for review.

Entries are words ("arsch"), phrases ("halt die klappe"), words with a wildcard at the start
or end ("nazi*", "*fotze") or phrases with a gap: "…" (or "...") standing as a word of its own
stands for up to four words ("man sollte … aufhängen" matches "Man sollte die alle
aufhängen"). Comment text and entries are folded the same way before matching:

1. Compatibility forms (full-width letters, ligatures) are decomposed and case is folded, so ß
   and ẞ become "ss"; ä, ö, ü become "ae", "oe", "ue"; other accents, zalgo marks and invisible
   format characters (zero-width space, soft hyphen) are dropped.
2. Single characters separated by single spaces or punctuation marks (``. _ - * / , + ~ : ;
   | ' ·``) are joined ("A.r.s.c.h", "A r s c h", "A/r/s/c/h"), but only when at least three
   stand in a row and every one of them stands alone: "A r s c hallo" is not joined.
   Letters of other scripts that look like Latin ones (Cyrillic "а", Greek "ο") count as the
   Latin letter.
3. Runs of one letter collapse to one ("Arschhhh"; "Vollidiot" becomes "volidiot" on both sides).
4. In the comment, 4 and @ stand for a, 3 and € for e, 1, ! and | for i or l, 0 for o, 5 and $
   for s, 7 for t, and * inside a word for any vowel ("N*ger", "Schl*mpe"). A match made of
   stand-ins alone ("Raum 451" for "asi") does not count.

An entry matches whole words only, letters and digits being word characters: "arsch" does not
match "Marschmallow", "idiot" does match "Voll-Idiot". German compounds need a wildcard, and a
wildcard matches any letters: "arsch*" matches "Arschgeige", but "*arsch" also matches "Marsch".
A phrase's words may be separated by any spaces or punctuation.

Offsets in a ``WordMatch`` index the original text (Python code points), however much folding
changed its length. Overlapping matches are reduced to the longest; on the same span a banned
entry wins over a suspect one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Kind = Literal["banned", "suspect"]
KINDS: tuple[Kind, ...] = ("banned", "suspect")
MAX_TERM_LENGTH = 100
GAP_MARK = "…"
_GAP_WORDS = 4  # a gap's most words: "man sollte die ganzen korrupten Typen aufhängen"

# What readers type instead of a letter.
_STAND_INS = {"a": "4@*", "e": "3€*", "i": "1!|*", "l": "1!|", "o": "0*", "s": "5$", "t": "7",
              "u": "*"}
# Repeats are counted by the letter a character stands for, so "Idio0t" collapses like "Idioot".
# "1", "!" and "|" stay themselves: they may mean i or l; "*" may mean any vowel.
_REPEAT_KEY = {"4": "a", "@": "a", "3": "e", "€": "e", "1": "1", "!": "!", "|": "|",
               "0": "o", "5": "s", "$": "s", "7": "t"}
# Letters of other scripts that readers put in to slip past filters ("Nеger" with a Cyrillic е).
_LOOKALIKES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x"})
_DIAERESIS = "\u0308"

_UNIT = r"(?:[^\W_]|[@$€!|])"  # one letter, digit or stand-in symbol
_SEPARATOR = r"[ ._*\-/,+~:;|'·]"
_SPACED = re.compile(rf"(?<![^\W_]){_UNIT}(?:{_SEPARATOR}{_UNIT}){{2,}}(?![^\W_])")
_WORDS = re.compile(r"[^\W_]+")
_WORD_START = r"(?<![^\W_])"  # "_" separates words, like punctuation
_WORD_END = r"(?![^\W_])"
_GAP = r"[\W_]+"  # between the words of a phrase
_GAP_PATTERN = rf"{_GAP}(?:[^\W_]+{_GAP}){{0,{_GAP_WORDS}}}"


@dataclass(frozen=True)
class ListRef:
    """The shipped starter list an entry came from, e.g. ``ListRef("drohungen", 1)``."""

    name: str
    version: int

    def as_dict(self) -> dict[str, str | int]:
        return {"name": self.name, "version": self.version}


@dataclass(frozen=True)
class WordEntry:
    """One entry of an editor's list, e.g. ``WordEntry("nazi*", "banned")``."""

    term: str
    kind: Kind
    source: ListRef | None = None  # None: the editors' own list

    def __post_init__(self) -> None:
        # A misspelt kind would otherwise quietly count as suspect: fail loudly instead.
        if self.kind not in KINDS:
            raise ValueError(f"kind must be 'banned' or 'suspect', not {self.kind!r}")


@dataclass(frozen=True)
class WordMatch:
    """Where an entry matched; ``matched == text[start:end]`` of the original comment."""

    term: str
    kind: Kind
    start: int
    end: int
    matched: str
    source: ListRef | None = None

    def as_dict(self) -> dict[str, object]:
        return {"term": self.term, "kind": self.kind, "start": self.start, "end": self.end,
                "matched": self.matched,
                "list": self.source.as_dict() if self.source else None}


def validate_term(term: str) -> str:
    """Return the entry as it should be stored (NFC, lower case, single spaces) or raise
    ``ValueError`` saying what is wrong with it."""
    words = ["…" if word == "..." else word
             for word in unicodedata.normalize("NFC", term).lower().split()]
    term = " ".join(words)
    if not term:
        raise ValueError("An entry needs a word or phrase.")
    if len(term) > MAX_TERM_LENGTH:
        raise ValueError(f"An entry may have at most {MAX_TERM_LENGTH} characters.")
    if not term.replace("*", "").strip():
        raise ValueError("An entry cannot consist of wildcards only.")
    core = term.removeprefix("*").removesuffix("*")
    if "*" in core:
        raise ValueError("A wildcard (*) may only stand at the start or end of an entry.")
    if core != core.strip():
        raise ValueError("A wildcard (*) must touch a word: 'arsch*', not 'arsch *'.")
    if sum(c.isalnum() for c in core) < 2:
        raise ValueError("An entry needs at least two letters or digits.")
    if GAP_MARK in (words[0], words[-1]) or f"{GAP_MARK} {GAP_MARK}" in term:
        raise ValueError("A gap (…) stands between two words, never two in a row.")
    return term


class WordList:
    """Banned and suspect entries compiled once, to be matched against many comments."""

    def __init__(self, entries: Iterable[WordEntry]) -> None:
        self._entries: dict[str, tuple[WordEntry, bool]] = {}
        tries: dict[Kind, tuple[dict, dict]] = {kind: ({}, {}) for kind in KINDS}
        for entry in entries:
            try:
                term = validate_term(entry.term)
            except ValueError as error:
                raise ValueError(f"word list entry {entry.term!r}: {error}") from error
            key = _key(term.strip("*"))
            anchored, floating = tries[entry.kind]
            node = floating if term.startswith("*") else anchored
            for char in key:
                node = node.setdefault(char, {})
            leaves = node.setdefault("", {})  # "" is never a character: it holds the ends
            wildcard_end = term.endswith("*")
            if wildcard_end not in leaves:  # a duplicate entry could never be reported
                group = f"e{len(self._entries)}"
                leaves[wildcard_end] = group
                # Digits and symbols alone only count for entries without letters ("88").
                self._entries[group] = (entry, any(c.isalpha() for c in key))
        self._patterns = [_compile(*tries[kind]) for kind in KINDS if any(tries[kind])]

    def find(self, text: str) -> list[WordMatch]:
        """Every match in ``text``, in text order, none overlapping another."""
        folded, starts, ends = _fold(text)
        found = []
        for pattern in self._patterns:
            for m in pattern.finditer(folded):
                entry, needs_letter = self._entries[m.lastgroup or ""]
                start, end = starts[m.start()], ends[m.end() - 1]
                if needs_letter and not any(c.isalpha() for c in text[start:end]):
                    continue
                found.append(WordMatch(entry.term, entry.kind, start, end, text[start:end],
                                       entry.source))
        return _without_overlaps(found, len(text))


def _without_overlaps(found: list[WordMatch], length: int) -> list[WordMatch]:
    """Keep the longest of overlapping matches; on the same span, banned before suspect."""
    taken = bytearray(length)
    kept = []
    for match in sorted(found, key=lambda m: (m.start - m.end, m.kind != "banned", m.start)):
        if taken.find(1, match.start, match.end) == -1:
            taken[match.start:match.end] = b"\x01" * (match.end - match.start)
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    folded = []
    for c in unicodedata.normalize("NFKD", char).casefold().translate(_LOOKALIKES):
        if c == _DIAERESIS and folded and folded[-1] in "aou":
            folded.append("e")
        elif unicodedata.category(c) not in ("Mn", "Mc", "Me", "Cf"):
            folded.append(c)
    return "".join(folded)


def _fold(text: str) -> tuple[str, list[int], list[int]]:
    """Fold ``text`` for matching; folded character ``i`` came from ``text[starts[i]:ends[i]]``."""
    separators = {m.start() + k for m in _SPACED.finditer(text)
                  for k in range(1, m.end() - m.start(), 2)}
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last_key = None
    for i, char in enumerate(text):
        if i in separators:
            continue
        # A decomposed umlaut ("o" + U+0308) reaches us as two characters.
        folded = "e" if char == _DIAERESIS and chars and chars[-1] in "aou" else _fold_char(char)
        if not folded and ends:
            ends[-1] = i + 1  # dropped marks and invisible characters stay with their letter
        for c in folded:
            key = _REPEAT_KEY.get(c, c if c.isalpha() else None)
            if key is not None and key == last_key:
                ends[-1] = i + 1
                continue
            last_key = key
            chars.append(c)
            starts.append(i)
            ends.append(i + 1)
    return "".join(chars), starts, ends


def _key(term: str) -> str:
    """An entry folded like comment text, its words joined by single spaces and a gap
    written as the one character ``…`` (comment text never holds it: folding makes it
    "...")."""
    return GAP_MARK.join(" ".join(_WORDS.findall(_fold(part)[0]))
                    for part in term.split(f" {GAP_MARK} "))


def _compile(anchored: dict, floating: dict) -> re.Pattern[str]:
    """One regex for all entries of a kind: a trie of their folded keys."""
    branches = [_trie_pattern(anchored)] if anchored else []
    if floating:
        branches.append(r"[^\W_]*?" + _trie_pattern(floating))
    return re.compile(_WORD_START + "(?:" + "|".join(branches) + ")")


def _trie_pattern(node: dict) -> str:
    # Longer entries come first, so "arsch mit ohren" wins over "arsch" at the same place.
    branches = [_char_pattern(char) + _trie_pattern(child)
                for char, child in node.items() if char]
    for wildcard_end, group in sorted(node.get("", {}).items()):
        branches.append((r"[^\W_]*" if wildcard_end else _WORD_END) + f"(?P<{group}>)")
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _char_pattern(char: str) -> str:
    if char == " ":
        return _GAP
    if char == GAP_MARK:
        return _GAP_PATTERN
    stand_ins = _STAND_INS.get(char)
    return f"[{re.escape(char + stand_ins)}]" if stand_ins else re.escape(char)
