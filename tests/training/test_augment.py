"""The generated training rows: the same frames for every group, and none of them taken
from the functional suite that measures the model."""

from __future__ import annotations

import re
from collections import Counter

from bench.functional.cases import suite
from moderation.scoring.compact import GROUP, evaluations, normalize_for_model, tokenize
from moderation.training import augment


def test_no_generated_row_is_a_case_of_the_functional_suite() -> None:
    cases = {case.text.casefold() for case in suite()}
    rows = augment.generate(list(augment.SETS))
    assert not [row.text for row in rows if row.text.casefold() in cases]


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
