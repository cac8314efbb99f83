"""Pure moderation policy: scores and settings in, a decision with its reasons out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from moderation.domain import CommentStatus, ModerationMode, Reason

Scores = dict[str, float]


@dataclass(frozen=True)
class Threshold:
    """Above ``review`` a comment is held; above ``reject`` it is rejected (``None``: never)."""

    review: float
    reject: float | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.review <= 1.0:
            raise ValueError("review threshold must lie between 0 and 1")
        if self.reject is not None and not self.review <= self.reject <= 1.0:
            raise ValueError("reject threshold must lie between the review threshold and 1")

    def as_dict(self) -> dict[str, float | None]:
        return {"review": self.review, "reject": self.reject}


Thresholds = dict[str, Threshold]

# detoxify's categories. Lower bars for the rare, grave categories.
DEFAULT_THRESHOLDS: Thresholds = {
    "toxicity": Threshold(review=0.5, reject=0.9),
    "severe_toxicity": Threshold(review=0.2, reject=0.6),
    "obscene": Threshold(review=0.6, reject=0.95),
    "identity_attack": Threshold(review=0.3, reject=0.8),
    "insult": Threshold(review=0.5, reject=0.9),
    "threat": Threshold(review=0.3, reject=0.8),
    "sexual_explicit": Threshold(review=0.5, reject=0.9),
}


def parse_thresholds(raw: Mapping[str, Any]) -> Thresholds:
    """Build thresholds from ``{"insult": {"review": 0.4, "reject": 0.8}, ...}``.

    Categories not named keep their defaults.
    """
    thresholds = dict(DEFAULT_THRESHOLDS)
    for category, values in raw.items():
        thresholds[category] = Threshold(review=float(values["review"]),
                                         reject=_optional_float(values.get("reject")))
    return thresholds


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class Trigger:
    """One category whose score crossed a threshold."""

    category: str
    score: float
    threshold: float
    level: str  # "review" or "reject"

    def as_dict(self) -> dict[str, Any]:
        return {"category": self.category, "score": self.score,
                "threshold": self.threshold, "level": self.level}


@dataclass(frozen=True)
class Decision:
    """What the policy decided and why; ``status`` is ``None`` when nothing should change."""

    status: CommentStatus | None
    reason_code: Reason
    reason: str
    triggers: list[Trigger] = field(default_factory=list)


def find_triggers(scores: Scores, thresholds: Thresholds) -> list[Trigger]:
    """The categories whose score reaches a threshold, gravest first."""
    triggers = []
    for category, threshold in thresholds.items():
        score = scores.get(category)
        if score is None:
            continue
        if threshold.reject is not None and score >= threshold.reject:
            triggers.append(Trigger(category, score, threshold.reject, "reject"))
        elif score >= threshold.review:
            triggers.append(Trigger(category, score, threshold.review, "review"))
    return sorted(triggers, key=lambda t: (t.level != "reject", -t.score))


def decide(scores: Scores, thresholds: Thresholds, mode: ModerationMode) -> Decision:
    """Turn a scored comment into a decision.

    ``auto`` rejects above a reject threshold, holds above a review threshold and approves
    the rest; ``pre`` holds everything; ``post`` leaves the published comment alone unless a
    threshold is crossed, and then only holds it: it never rejects without an editor.
    """
    triggers = find_triggers(scores, thresholds)
    if mode is ModerationMode.PRE:
        return Decision(CommentStatus.REVIEW, Reason.PRE_MODERATION,
                        "Every comment on this article waits for an editor.", triggers)
    if not triggers:
        if mode is ModerationMode.POST:
            return Decision(None, Reason.SCORE_BELOW_THRESHOLDS, "No threshold reached.")
        return Decision(CommentStatus.APPROVED, Reason.SCORE_BELOW_THRESHOLDS,
                        "No threshold reached.")
    worst = triggers[0]
    summary = ", ".join(f"{t.category} {t.score:.2f} ≥ {t.threshold:.2f}" for t in triggers)
    if worst.level == "reject" and mode is ModerationMode.AUTO:
        return Decision(CommentStatus.REJECTED, Reason.SCORE_ABOVE_REJECT,
                        f"Rejected automatically: {summary}.", triggers)
    return Decision(CommentStatus.REVIEW, Reason(f"score_above_{worst.level}"),
                    f"Held for review: {summary}.", triggers)


def unscored(mode: ModerationMode, reason_code: Reason, why: str) -> Decision:
    """Fail closed: a comment the scorer could not judge waits for an editor.

    In ``post`` mode the publisher chose to publish before scoring, so it stays up.
    """
    if mode is ModerationMode.POST:
        return Decision(None, reason_code, why)
    return Decision(CommentStatus.REVIEW, reason_code, why)
