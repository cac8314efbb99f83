"""Our German functional test suite (bench/functional/): its own integrity, its measures, and
the shipped compact model with the default policy held to a minimum per functionality."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import pytest

from bench.functional import templates
from bench.functional.cases import FUNCTIONALITIES, MENTIONS, Case, suite
from bench.functional.measure import (
    Outcome,
    auc,
    decide_all,
    held_spread,
    subgroup_metrics,
    table,
)
from moderation.config import Config
from moderation.domain import CommentStatus
from moderation.scoring.compact import CompactScorer
from moderation.services.policies import configured

# Floors, not goals: the share of each functionality's cases that the whole pipeline (compact
# model, default policy with its starter lists, auto mode) decides right, set a little below
# what the model and the policy of 2026-12-06 achieve (bench/RESULTS.md: the praise-and-blame
# model at its review threshold 0.42). Raise them whenever the model or the policy gets
# better; never lower one without saying why.
MINIMUM_RIGHT = {
    "derogation_explicit": 0.95,
    # Lowered from 0.50: the old model caught implicit derogation largely because it read
    # every group name as abuse; the debiased one does not (issue 11). Lowered again from
    # 0.25 (measured 5 %, 7 of 131): the 29–33 % before were contaminated, learnt from our
    # training rows' "… haben hier nichts verloren", the idiom of one of this suite's three
    # implicit templates, now taken out of the training rows. Without its own idiom the
    # suite shows what a word-counting model catches of a group and a claim: almost nothing.
    "derogation_implicit": 0.05,
    "derogation_dehumanising": 0.95,
    "threat_direct": 0.88,
    "threat_normative": 0.95,
    "threat_veiled": 0.65,  # drohungen v2; 1 of the 7 cases written after it (see bench)
    "slur": 0.95,
    "slur_leetspeak": 0.95,
    "slur_missing_char": 0.75,
    "slur_added_char": 0.95,
    "slur_spaces": 0.90,
    "slur_punctuation": 0.95,
    "slur_symbols": 0.80,
    "profanity_targeted": 0.95,
    # Lowered from 0.85: the debiased model lost a few insults without a swear word.
    "insult_individual": 0.80,
    # Low by design: swearing at no one is held for an editor (a score alone never rejects,
    # and the model cannot tell swearing from abuse to approve it).
    "profanity_untargeted": 0.14,
    "identity_neutral": 0.95,
    "identity_positive": 0.97,
    "identity_self": 0.95,
    "party_neutral": 0.95,
    "party_criticism": 0.95,
    # counter_quote below its first floor of 0.80: the starter lists hold a quoted threat or
    # slur for an editor, and a model that counts words cannot tell saying from quoting.
    "negation": 0.48,
    "counter_quote": 0.35,
    "counter_reference": 0.90,
    "product_names": 0.95,
    "numbers": 0.95,
    "short_replies": 0.95,
    "word_substrings": 0.85,
}
# Ceilings, the goal: the share of a group's neutral and positive mentions held
# (every group ≤ 0.05), and the spread between groups (≤ 0.03).
MAXIMUM_HELD_MENTIONS = 0.05
MAXIMUM_HELD_SPREAD = 0.03


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return suite()


@pytest.fixture(scope="module")
def outcomes(cases: list[Case]) -> list[Outcome]:
    return decide_all(cases, CompactScorer(), configured(Config()))


def test_the_suite_is_large_with_unique_ids_and_texts(cases):
    assert len(cases) >= 1400
    assert len({c.id for c in cases}) == len(cases)
    assert len({c.text for c in cases}) == len(cases)


def test_every_functionality_is_present_with_its_expected_outcome(cases):
    assert {c.functionality for c in cases} == set(FUNCTIONALITIES) == set(MINIMUM_RIGHT)
    assert all(c.expected == FUNCTIONALITIES[c.functionality] for c in cases)


def test_the_expansion_is_deterministic(cases):
    assert suite() == cases


def test_every_identity_group_is_filled_into_the_same_templates(cases):
    shapes = defaultdict(Counter)
    for case in cases:
        if case.templated:
            shapes[case.target][case.functionality] += 1
    people = [shapes[g.key] for g in templates.GROUPS]
    parties = [shapes[p.key] for p in templates.PARTIES]
    assert all(shape == people[0] for shape in people)
    assert all(shape == parties[0] for shape in parties)
    # Each group has flag cases, pass cases and neutral mentions: its metrics mean something.
    for shape in (people[0], parties[0]):
        assert {FUNCTIONALITIES[f] for f in shape} == {"flag", "pass"}
        assert set(shape) & set(MENTIONS)


def test_every_slur_variant_differs_from_the_slur():
    for slur in templates.SLURS:
        assert slur.term not in slur.variants().values()


def test_auc_is_the_rank_statistic_with_ties_counted_half():
    assert auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == 0.75
    assert auc([0.5, 0.5, 0.2, 0.9], [True, False, False, True]) == 0.875
    assert math.isnan(auc([0.3, 0.6], [True, True]))


def test_subgroup_metrics_find_a_group_whose_harmless_mentions_score_high():
    def outcome(target: str, functionality: str, toxicity: float) -> Outcome:
        case = Case(f"{target}-{functionality}-{toxicity}", "Text", functionality,
                    FUNCTIONALITIES[functionality], target, templated=True)
        flagged = toxicity >= 0.5
        return Outcome(case, toxicity,
                       CommentStatus.REVIEW if flagged else CommentStatus.APPROVED)

    outcomes = [outcome("a", "identity_neutral", 0.1), outcome("a", "derogation_explicit", 0.9),
                outcome("b", "identity_neutral", 0.6), outcome("b", "derogation_explicit", 0.95)]
    a, b = subgroup_metrics(outcomes)
    assert (a.subgroup_auc, a.bpsn_auc, a.bnsp_auc, a.held) == (1.0, 1.0, 1.0, 0.0)
    assert (b.subgroup_auc, b.bpsn_auc, b.bnsp_auc, b.held) == (1.0, 1.0, 1.0, 1.0)
    assert held_spread([a, b]) == 1.0
    outcomes.append(outcome("a", "derogation_explicit", 0.55))
    assert subgroup_metrics(outcomes)[1].bpsn_auc == 0.5  # b's mention outscores a's attack


def test_each_functionality_is_decided_right_at_least_as_often_as_its_floor(outcomes):
    shares = {row.functionality: row.share for row in table(outcomes)}
    below = {f: round(shares[f], 3) for f, floor in MINIMUM_RIGHT.items() if shares[f] < floor}
    assert not below, f"below their floors {MINIMUM_RIGHT}: {below}"


def test_harmless_mentions_of_groups_are_held_no_more_than_the_ceiling(outcomes):
    groups = subgroup_metrics(outcomes)
    assert max(m.held for m in groups) <= MAXIMUM_HELD_MENTIONS
    assert held_spread(groups) <= MAXIMUM_HELD_SPREAD
