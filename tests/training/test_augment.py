"""The generated training rows: the same frames for every group, and none of them taken
from the functional suite that measures the model."""

from __future__ import annotations

import re
from collections import Counter

from bench.functional import templates
from bench.functional.cases import suite
from moderation.scoring.compact import (
    GROUP,
    GROUP_TERMS,
    evaluations,
    normalize_for_model,
    tokenize,
)
from moderation.training import augment

# How many words in a row a generated row may not share with the functional suite.
RUN = 4
SLOT = "<slot>"


def _words(text: str) -> list[str]:
    """The words of ``text``, casefolded (umlauts folded as the model folds them), without
    punctuation."""
    return re.findall(r"\w+", normalize_for_model(text))


def _group_names() -> set[tuple[str, ...]]:
    """Every name of a group or party that fills a slot, in the suite or in our rows, as a
    word sequence: the suite's surface forms ("Jüdinnen und Juden", "eine trans Frau"), our
    groups' forms ("ein Mensch mit Behinderung"), parties, voters, and the model's own list
    of group words."""
    names = [form for group in templates.GROUPS for form in (*group.forms, *group.self_forms)]
    names += [form.nominative for party in templates.PARTIES for form in party.forms]
    names += [party.voters for party in templates.PARTIES] + augment.PARTIES
    names += [form for members in augment.GROUPS.values() for member in members
              for form in member if form]
    return {tuple(_words(name)) for name in names} | {(word,) for word in GROUP_TERMS}


def _slotted(text: str, names: set[tuple[str, ...]]) -> list[str]:
    """``text``'s words with every group name, and every run of them, read as one ``SLOT``
    (longest name first)."""
    words, out, i = _words(text), [], 0
    longest = max(map(len, names))
    while i < len(words):
        size = next((n for n in range(longest, 0, -1) if tuple(words[i:i + n]) in names), 0)
        if size:
            if not out or out[-1] != SLOT:
                out.append(SLOT)
            i += size
        else:
            out.append(words[i])
            i += 1
    return out


def _runs(words: list[str], size: int = RUN) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


def test_no_generated_row_is_a_case_of_the_functional_suite() -> None:
    cases = {case.text.casefold() for case in suite()}
    rows = augment.generate(list(augment.SETS))
    assert not [row.text for row in rows if row.text.casefold() in cases]


def test_no_generated_row_shares_four_words_in_a_row_with_the_functional_suite() -> None:
    """A row that is no case may still teach the suite's wording, so no generated row may
    share ``RUN`` consecutive words with any case, nor hold a whole case of three words
    ("{g} sind Abschaum."); shorter cases are everyday German ("Gute Frage.", "Du Idiot")
    and left to the test above. Words are compared casefolded (umlauts folded) and without
    punctuation. A group's name is a slot, not a word: each name, of one word or several
    ("Jüdinnen und Juden", "ein Mensch mit Behinderung"), and each run of names counts as
    one ``SLOT`` that matches any other, because a template says the same whichever group
    fills it and our rows name groups the suite does not. The suite's templates are covered
    through their cases: each is filled with every surface form of every group, and those
    forms are slots here. (The idiom "… haben hier nichts verloren", taken out of our rows,
    shares only "nichts verloren" with the suite's "{g} haben in unserem Land nichts
    verloren": a rule of fewer words flags plain grammar such as "{g} sind nicht".)"""
    names = _group_names()
    taken: dict[tuple[str, ...], str] = {}
    for case in suite():
        words = _slotted(case.text, names)
        for run in _runs(words, min(RUN, len(words))) if len(words) >= RUN - 1 else ():
            taken.setdefault(run, case.text)
    shared = {}
    for row in augment.generate(list(augment.SETS)):
        words = _slotted(row.text, names)
        for run in (_runs(words) | _runs(words, RUN - 1)) & taken.keys():
            shared[row.text] = (" ".join(run), taken[run])
    assert not shared, "\n".join(f"{row!r} shares {run!r} with {case!r}"
                                  for row, (run, case) in sorted(shared.items()))


def test_a_group_name_is_a_slot_in_the_comparison() -> None:
    names = _group_names()
    assert _slotted("Jüdinnen und Juden haben, sagt er, nichts verloren!", names) == [
        SLOT, "haben", "sagt", "er", "nichts", "verloren"]
    assert _slotted("Schwule Muslime, sagt er.", names) == [SLOT, "sagt", "er"]
    assert _runs(_slotted("Schwule sind eine Last für alle.", names)) & _runs(
        _slotted("Menschen mit Behinderung sind eine Last für jede Stadt.", names))


def test_evaluative_rows_say_the_same_of_every_group_of_people() -> None:
    rows = augment.generate(["evaluative"])
    people = augment._people()
    per_group = {many: Counter() for many in people}
    for many in people:
        name = re.compile(rf"(?<!\w){re.escape(many)}(?!\w)", re.IGNORECASE)
        per_group[many].update(row.label for row in rows if name.search(row.text))
    shapes = {tuple(sorted(counts.items())) for counts in per_group.values()}
    assert len(shapes) == 1
    assert "Linke" not in people and "AfD-Wähler" not in people
    assert augment.generate(["evaluative"]) == rows


def test_evaluative_rows_teach_the_pair_features_both_ways() -> None:
    """Each pair feature appears with both labels' frames it is meant for: blame said of a
    group is abusive, blame denied is not; praise is harmless, praise denied is not."""
    labels: dict[str, Counter] = {}
    for row in augment.generate(["evaluative"]):
        for feature in evaluations(tokenize(normalize_for_model(row.text))):
            if feature.startswith(GROUP):
                labels.setdefault(feature, Counter())[row.label] += 1
    assert labels["<gruppe> <tadel>"][1] > 0 == labels["<gruppe> <tadel>"][0]
    assert labels["<gruppe> nicht <tadel>"][0] > 0 == labels["<gruppe> nicht <tadel>"][1]
    assert labels["<gruppe> <lob>"][0] > 0 == labels["<gruppe> <lob>"][1]
    assert labels["<gruppe> nicht <lob>"][1] > 0 == labels["<gruppe> nicht <lob>"][0]
