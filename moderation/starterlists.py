"""The starter word lists shipped with the package: curated German lists of threats,
dehumanising terms and slurs against groups that a policy includes (as *suspect* by default:
review, never reject) or leaves out.

Each list lives in ``starter_lists/<name>-v<version>.json`` and every term in it says where
it comes from. A shipped file is never changed: a revision is a new file with the next
version, so a saved policy keeps matching exactly the terms its version names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from moderation.texts import text
from moderation.wordlists import KINDS, Kind, ListRef, WordEntry, WordMatch, validate_term

_FILE = re.compile(r"^(?P<name>[a-z][a-z-]*)-v(?P<version>[1-9][0-9]*)\.json$")


@dataclass(frozen=True)
class StarterTerm:
    """One term of a starter list, with the group it belongs to and where it comes from."""

    term: str
    group: str
    source: str


@dataclass(frozen=True)
class StarterList:
    """One version of a shipped list; ``labels`` name what it holds, per language."""

    name: str
    version: int
    date: str
    description: str
    provenance: str
    terms: tuple[StarterTerm, ...]
    labels: Mapping[str, str] = field(hash=False, compare=False, default_factory=dict)

    def label(self, language: str) -> str:
        return self.labels.get(language) or self.labels["de"]

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "date": self.date,
                "label": dict(self.labels), "description": self.description,
                "provenance": self.provenance, "size": len(self.terms),
                "versions": sorted(shipped()[self.name])}


@dataclass(frozen=True)
class StarterChoice:
    """A starter list a policy includes: at which version, as which kind, and which of its
    terms the policy leaves out (sorted, so equal choices compile once)."""

    name: str
    version: int
    kind: Kind = "suspect"
    excluded: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "kind": self.kind, "excluded": list(self.excluded)}


@cache
def shipped() -> dict[str, dict[int, StarterList]]:
    """Every list in the package, by name and version."""
    lists: dict[str, dict[int, StarterList]] = {}
    for path in resources.files("moderation").joinpath("starter_lists").iterdir():
        found = _FILE.match(path.name)
        if not found:
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        starter = StarterList(
            name=data["name"], version=data["version"], date=data["date"],
            description=data["description"], provenance=data["provenance"],
            terms=tuple(StarterTerm(t["term"], t["group"], t["source"]) for t in data["terms"]),
            labels=data["label"])
        if (starter.name, str(starter.version)) != (found["name"], found["version"]):
            raise ValueError(f"{path.name} holds {starter.name} v{starter.version}")
        lists.setdefault(starter.name, {})[starter.version] = starter
    return dict(sorted(lists.items()))


def latest(name: str) -> StarterList:
    """The newest shipped version of list ``name`` (``KeyError`` when there is none)."""
    versions = shipped()[name]
    return versions[max(versions)]


def get(name: str, version: int) -> StarterList:
    """List ``name`` at ``version`` (``KeyError`` when it is not shipped)."""
    return shipped()[name][version]


def default_choices() -> tuple[StarterChoice, ...]:
    """Every shipped list, newest version, as suspect: what the configured policy includes."""
    return tuple(StarterChoice(name, latest(name).version) for name in shipped())


def choices_of(stored: Mapping[str, Any]) -> tuple[StarterChoice, ...]:
    """The choices a policy version stored as ``{name: {"version", "kind", "excluded"}}``."""
    return tuple(StarterChoice(name, int(choice["version"]), choice.get("kind", "suspect"),
                               tuple(sorted(choice.get("excluded", ()))))
                 for name, choice in sorted(stored.items()))


def stored(choices: tuple[StarterChoice, ...]) -> dict[str, Any]:
    return {choice.name: choice.as_dict() for choice in choices}


def changed(choices: tuple[StarterChoice, ...],
            changes: Mapping[str, Mapping[str, Any]]) -> tuple[StarterChoice, ...]:
    """``choices`` with per-list changes applied: ``{"included": false}`` leaves a list out;
    ``kind``, ``version`` and ``excluded`` (the whole set of left-out terms) replace the
    current values; a list not yet included starts at its newest version, as suspect.
    ``ValueError`` with ``{name: [message]}`` as its argument says what cannot be done."""
    current = {choice.name: choice for choice in choices}
    errors: dict[str, list[str]] = {}
    for name, change in changes.items():
        if name not in shipped():
            errors[name] = ["No starter list of this name is shipped."]
            continue
        if not change.get("included", True):
            current.pop(name, None)
            continue
        before = current.get(name) or StarterChoice(name, latest(name).version)
        version = change.get("version", before.version)
        kind = change.get("kind", before.kind)
        if version not in shipped()[name]:
            errors[name] = [f"Version {version} of this list is not shipped."]
            continue
        if kind not in KINDS:
            errors[name] = ["kind must be 'banned' or 'suspect'."]
            continue
        try:
            excluded = _excluded(get(name, version), change.get("excluded", before.excluded))
        except ValueError as error:
            errors[name] = [str(error)]
            continue
        current[name] = StarterChoice(name, version, kind, excluded)
    if errors:
        raise ValueError(errors)
    return tuple(current[name] for name in sorted(current))


def _excluded(starter: StarterList, terms: Any) -> tuple[str, ...]:
    on_list = {t.term for t in starter.terms}
    excluded = {validate_term(term) for term in terms}
    missing = sorted(excluded - on_list)
    if missing:
        raise ValueError(f"Not on {starter.name} v{starter.version}: "
                         + ", ".join(f"„{term}“" for term in missing))
    return tuple(sorted(excluded))


def entries(choices: tuple[StarterChoice, ...]) -> list[WordEntry]:
    """The entries of the included lists, each marked with the list it came from."""
    found = []
    for choice in choices:
        starter = get(choice.name, choice.version)
        source = ListRef(starter.name, starter.version)
        found += [WordEntry(t.term, choice.kind, source) for t in starter.terms
                  if t.term not in choice.excluded]
    return found


def term_label(match: WordMatch, language: str) -> str:
    """The entry a match came from as editors read it: „weiß … wo … wohnst – Drohung (Liste
    drohungen v1)“, or the bare entry for the editors' own lists."""
    if match.source is None:
        return match.term
    starter = get(match.source.name, match.source.version)
    return text(language, "starter_term", term=match.term, label=starter.label(language),
                name=starter.name, version=starter.version)
