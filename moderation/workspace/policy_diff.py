"""What one policy version changed against another, as the history lists it: thresholds per
category, words added and removed, the link limit, and each starter list's inclusion,
version, kind and left-out terms. Pure: two settings in, a list of changes out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moderation.policy import PolicySettings
from moderation.starterlists import StarterChoice


@dataclass(frozen=True)
class Change:
    """One difference. ``what`` names its kind (``review``, ``reject``, ``category_added``,
    ``category_removed``, ``word_added``, ``word_removed``, ``max_links``,
    ``starter_included``, ``starter_left_out``, ``starter_version``, ``starter_kind``,
    ``starter_term_left_out``, ``starter_term_taken_back``); ``subject`` the category,
    list or word kind it concerns; ``before`` and ``after`` the values."""

    what: str
    subject: str
    before: Any = None
    after: Any = None


def changes(before: PolicySettings, after: PolicySettings) -> list[Change]:
    """Every difference from ``before`` to ``after``, thresholds first, then words, links and
    starter lists."""
    return [*_thresholds(before, after), *_words(before, after), *_links(before, after),
            *_starter(before, after)]


def _thresholds(before: PolicySettings, after: PolicySettings) -> list[Change]:
    found = []
    for category in [*before.thresholds, *(c for c in after.thresholds
                                            if c not in before.thresholds)]:
        old, new = before.thresholds.get(category), after.thresholds.get(category)
        if old is None and new is not None:
            found.append(Change("category_added", category, None, new))
        elif new is None:
            found.append(Change("category_removed", category, old, None))
        else:
            if old.review != new.review:
                found.append(Change("review", category, old.review, new.review))
            if old.reject != new.reject:
                found.append(Change("reject", category, old.reject, new.reject))
    return found


def _words(before: PolicySettings, after: PolicySettings) -> list[Change]:
    found = []
    for kind in ("banned", "suspect"):
        old, new = set(getattr(before, kind)), set(getattr(after, kind))
        found += [Change("word_added", kind, None, term) for term in sorted(new - old)]
        found += [Change("word_removed", kind, term, None) for term in sorted(old - new)]
    return found


def _links(before: PolicySettings, after: PolicySettings) -> list[Change]:
    if before.max_links == after.max_links:
        return []
    return [Change("max_links", "links", before.max_links, after.max_links)]


def _starter(before: PolicySettings, after: PolicySettings) -> list[Change]:
    old: dict[str, StarterChoice] = {choice.name: choice for choice in before.starter}
    new: dict[str, StarterChoice] = {choice.name: choice for choice in after.starter}
    found = []
    for name in sorted(old.keys() | new.keys()):
        was, now = old.get(name), new.get(name)
        if was is None and now is not None:
            found.append(Change("starter_included", name, None, now))
            continue
        if now is None:
            found.append(Change("starter_left_out", name, was, None))
            continue
        if was.version != now.version:
            found.append(Change("starter_version", name, was.version, now.version))
        if was.kind != now.kind:
            found.append(Change("starter_kind", name, was.kind, now.kind))
        found += [Change("starter_term_left_out", name, None, term)
                  for term in sorted(set(now.excluded) - set(was.excluded))]
        found += [Change("starter_term_taken_back", name, term, None)
                  for term in sorted(set(was.excluded) - set(now.excluded))]
    return found
