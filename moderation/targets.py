"""Pure: whom a comment is aimed at. A high classifier score on a comment aimed at no one
("Scheiße, der Zug ist weg.") is swearing, not abuse: the policy rejects on a score only
together with a target signal.

Signals, each with its offsets in the original text:

- ``addressee``: the reader or writer spoken to (du, dich, euch, Sie, ihr …; you);
- ``person``: someone spoken about (er, sie, ihn …; he, she, they …) or named by a role
  (der Autor, die Journalistin, dieser Typ …), or @mentioned;
- ``group``: a group of people by what they are (Juden, Muslime, Frauen, Geflüchtete, Schwule,
  Behinderte, Linke …).

Matching is the word lists' own (case, umlauts, ß, light obfuscation folded; whole words;
``*`` for inflections), so "DU", "Dü" or "d.u" count too. A signal is evidence, not a verdict:
it turns a high score into a rejection, and its absence turns it into a review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from moderation.wordlists import WordEntry, WordList

TargetKind = Literal["addressee", "person", "group"]

_ADDRESSEE = (
    "du", "dich", "dir", "dein", "deine", "deinen", "deinem", "deiner", "deines", "euch",
    "euer", "eure", "euren", "eurem", "eurer", "eures", "ihr", "ihnen", "sie", "ihre",
    "ihren", "ihrem", "ihrer", "you", "your", "yours", "yourself",
)
_PERSON = (
    "er", "ihn", "ihm", "sein", "seine", "seinen", "seinem", "seiner", "he", "him", "his",
    "she", "her", "they", "them", "their",
    "autor*", "journalist*", "redakteur*", "moderator*", "kommentator*", "politiker*",
    "typ", "typen", "kerl*", "mann", "weib", "weiber", "tussi*", "bursche*", "kollege*",
    "kollegin*", "minister*", "kanzler*", "buergermeister*", "praesident*", "trainer*",
    "schiedsrichter*", "nachbar*", "schreiberling*", "schmierfink*",
)
_GROUP = (
    "jude", "juden", "juedin*", "muslim*", "moslem*", "islamist*", "christ", "christen",
    "katholik*", "fluechtling*", "gefluechtete*", "asylant*", "asylbewerber*", "migrant*",
    "auslaender*", "zuwanderer", "einwanderer", "tuerke", "tuerken", "tuerkin*", "araber*",
    "afrikaner*", "pole", "polen", "russe", "russen", "rumaene*", "sinti", "roma",
    "zigeuner*", "schwarze", "schwarzen", "neger*", "farbige*", "schwule*", "schwuchtel*",
    "lesbe*", "homosexuelle*", "homo", "homos", "trans", "transfrau*", "transmann*",
    "transmaenner", "queer*", "frauen", "maenner", "weiber", "behinderte*", "spasti*",
    "mongo*", "krueppel*", "linke", "linken", "rechte", "rechten", "gruene", "gruenen",
    "afdler*", "nazi*", "kommunist*", "ossi*", "wessi*", "boomer*", "veganer*", "leute",
    "menschen", "people", "jews", "muslims", "women", "gays", "immigrants", "refugees",
)
# Exclamations that say "du" to no one: "Ach du Scheiße!", "Du meine Güte!".
_EXCLAMATIONS = (
    "ach du", "oh du", "och du", "du meine güte", "du liebe zeit", "du lieber himmel",
    "du lieber gott", "du grüne neune", "du heiliger strohsack", "du ahnst es nicht",
)
_KINDS: dict[str, TargetKind] = {
    **dict.fromkeys(_GROUP, "group"), **dict.fromkeys(_PERSON, "person"),
    **dict.fromkeys(_ADDRESSEE, "addressee"),
}
_MENTION = re.compile(r"(?<![\w@])@\w+")


@dataclass(frozen=True)
class Target:
    """One signal that a comment is aimed at someone; ``matched == text[start:end]``."""

    kind: TargetKind
    start: int
    end: int
    matched: str

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "start": self.start, "end": self.end,
                "matched": self.matched}


@lru_cache(maxsize=1)
def _signals() -> WordList:
    return WordList(WordEntry(term, "suspect") for term in _KINDS)


@lru_cache(maxsize=1)
def _exclamations() -> WordList:
    return WordList(WordEntry(term, "suspect") for term in _EXCLAMATIONS)


def find_targets(text: str) -> list[Target]:
    """Every target signal in ``text``, in the order they stand; the "du" of an
    exclamation addresses no one."""
    spoken_to_no_one = [(m.start, m.end) for m in _exclamations().find(text)]
    found = [Target(_KINDS[match.term], match.start, match.end, match.matched)
             for match in _signals().find(text)
             if not any(start <= match.start < end for start, end in spoken_to_no_one)]
    found += [Target("person", m.start(), m.end(), m.group()) for m in _MENTION.finditer(text)]
    return sorted(found, key=lambda target: target.start)
