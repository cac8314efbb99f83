"""What one policy version changed against another, as the history lists it."""

from __future__ import annotations

from moderation.policy import PolicySettings, Threshold
from moderation.starterlists import StarterChoice
from moderation.workspace.policy_diff import Change, changes

BEFORE = PolicySettings(
    thresholds={"insult": Threshold(0.5, 0.9), "threat": Threshold(0.3, 0.8)},
    banned=("idiot",), suspect=("trottel",), max_links=2,
    starter=(StarterChoice("drohungen", 1), StarterChoice("entmenschlichung", 1, "banned",
                                                          ("abschaum",))))


def test_the_same_rules_change_nothing_whatever_the_label_and_order():
    after = PolicySettings(thresholds=dict(reversed(BEFORE.thresholds.items())),
                           banned=BEFORE.banned, suspect=BEFORE.suspect, max_links=2,
                           starter=BEFORE.starter, label="live@7")

    assert changes(BEFORE, after) == []


def test_every_kind_of_change_is_named_thresholds_first():
    after = PolicySettings(
        thresholds={"insult": Threshold(0.45, None), "obscene": Threshold(0.6, 0.95)},
        banned=("arsch*",), suspect=("trottel", "depp"), max_links=None,
        starter=(StarterChoice("drohungen", 2, "banned", ("abknallen",)),
                 StarterChoice("beleidigungen-gruppen", 1)))

    assert changes(BEFORE, after) == [
        Change("review", "insult", 0.5, 0.45),
        Change("reject", "insult", 0.9, None),
        Change("category_removed", "threat", Threshold(0.3, 0.8), None),
        Change("category_added", "obscene", None, Threshold(0.6, 0.95)),
        Change("word_added", "banned", None, "arsch*"),
        Change("word_removed", "banned", "idiot", None),
        Change("word_added", "suspect", None, "depp"),
        Change("max_links", "links", 2, None),
        Change("starter_included", "beleidigungen-gruppen", None,
               StarterChoice("beleidigungen-gruppen", 1)),
        Change("starter_version", "drohungen", 1, 2),
        Change("starter_kind", "drohungen", "suspect", "banned"),
        Change("starter_term_left_out", "drohungen", None, "abknallen"),
        Change("starter_left_out", "entmenschlichung", BEFORE.starter[1], None),
    ]


def test_a_term_taken_back_into_a_starter_list_is_named():
    after = PolicySettings(thresholds=BEFORE.thresholds, banned=BEFORE.banned,
                           suspect=BEFORE.suspect, max_links=2,
                           starter=(BEFORE.starter[0],
                                    StarterChoice("entmenschlichung", 1, "banned", ())))

    assert changes(BEFORE, after) == [
        Change("starter_term_taken_back", "entmenschlichung", "abschaum", None)]
