"""The policy is pure: scores, thresholds and mode in, a decision out."""

from __future__ import annotations

import pytest

from moderation.domain import CommentStatus, ModerationMode, Reason
from moderation.policy import (
    DEFAULT_THRESHOLDS,
    Threshold,
    decide,
    find_triggers,
    parse_thresholds,
    unscored,
)

CALM = dict.fromkeys(DEFAULT_THRESHOLDS, 0.01)


def scores(**raised: float) -> dict[str, float]:
    return {**CALM, **raised}


@pytest.mark.parametrize(("raised", "status", "reason"), [
    ({}, CommentStatus.APPROVED, Reason.SCORE_BELOW_THRESHOLDS),
    ({"toxicity": 0.49}, CommentStatus.APPROVED, Reason.SCORE_BELOW_THRESHOLDS),
    ({"toxicity": 0.5}, CommentStatus.REVIEW, Reason.SCORE_ABOVE_REVIEW),
    ({"toxicity": 0.89}, CommentStatus.REVIEW, Reason.SCORE_ABOVE_REVIEW),
    ({"toxicity": 0.9}, CommentStatus.REJECTED, Reason.SCORE_ABOVE_REJECT),
    ({"threat": 0.31}, CommentStatus.REVIEW, Reason.SCORE_ABOVE_REVIEW),
    ({"severe_toxicity": 0.7, "insult": 0.6}, CommentStatus.REJECTED,
     Reason.SCORE_ABOVE_REJECT),
])
def test_auto_mode_approves_holds_or_rejects_at_the_thresholds(raised, status, reason):
    decision = decide(scores(**raised), DEFAULT_THRESHOLDS, ModerationMode.AUTO)
    assert (decision.status, decision.reason_code) == (status, reason)


def test_triggers_list_the_gravest_first_and_the_reason_names_them():
    decision = decide(scores(insult=0.6, severe_toxicity=0.7), DEFAULT_THRESHOLDS,
                      ModerationMode.AUTO)
    assert [(t.category, t.level) for t in decision.triggers] == [
        ("severe_toxicity", "reject"), ("insult", "review")]
    assert "severe_toxicity 0.70 ≥ 0.60" in decision.reason


def test_pre_mode_holds_everything_but_keeps_the_evidence():
    decision = decide(scores(toxicity=0.95), DEFAULT_THRESHOLDS, ModerationMode.PRE)
    assert decision.status is CommentStatus.REVIEW
    assert decision.reason_code is Reason.PRE_MODERATION
    assert decision.triggers[0].category == "toxicity"
    assert decide(CALM, DEFAULT_THRESHOLDS, ModerationMode.PRE).status is CommentStatus.REVIEW


def test_post_mode_never_rejects_and_leaves_clean_comments_alone():
    assert decide(CALM, DEFAULT_THRESHOLDS, ModerationMode.POST).status is None
    flagged = decide(scores(toxicity=0.99), DEFAULT_THRESHOLDS, ModerationMode.POST)
    assert flagged.status is CommentStatus.REVIEW
    assert flagged.reason_code is Reason.SCORE_ABOVE_REJECT


def test_categories_without_a_threshold_or_without_a_score_are_ignored():
    assert find_triggers({"unknown_category": 1.0}, DEFAULT_THRESHOLDS) == []
    only_toxicity = {"toxicity": Threshold(review=0.5, reject=None)}
    assert decide({"toxicity": 0.99, "insult": 0.99}, only_toxicity,
                  ModerationMode.AUTO).status is CommentStatus.REVIEW


def test_failing_closed_holds_unless_the_article_publishes_first():
    held = unscored(ModerationMode.AUTO, Reason.SCORER_UNAVAILABLE, "Modell fehlt")
    assert (held.status, held.reason_code, held.reason) == (
        CommentStatus.REVIEW, Reason.SCORER_UNAVAILABLE, "Modell fehlt")
    assert unscored(ModerationMode.PRE, Reason.SCORING_FAILED, "x").status is CommentStatus.REVIEW
    assert unscored(ModerationMode.POST, Reason.SCORING_FAILED, "x").status is None


def test_thresholds_parse_over_the_defaults():
    thresholds = parse_thresholds({"insult": {"review": 0.4, "reject": 0.8},
                                   "threat": {"review": 0.2, "reject": None}})
    assert thresholds["insult"] == Threshold(0.4, 0.8)
    assert thresholds["threat"] == Threshold(0.2, None)
    assert thresholds["toxicity"] == DEFAULT_THRESHOLDS["toxicity"]


@pytest.mark.parametrize(("review", "reject"), [(-0.1, None), (1.1, None), (0.8, 0.5),
                                                (0.5, 1.5)])
def test_impossible_thresholds_are_refused(review, reject):
    with pytest.raises(ValueError, match="threshold"):
        Threshold(review, reject)
