"""Pure moderation policy: scores and settings in, a decision with its reasons out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from moderation.domain import CommentStatus, ModerationMode, Reason

if TYPE_CHECKING:
    from moderation.wordlists import WordMatch

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
DEFAULT_MAX_LINKS = 2
SCORER_PROBLEMS = {Reason.SCORER_UNAVAILABLE, Reason.SCORING_FAILED}

# detoxify's categories. Lower bars for the rare, grave categories.
DEFAULT_THRESHOLDS: Thresholds = {
    "toxicity": Threshold(review=0.35, reject=0.9),
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
class PolicySettings:
    """Everything the policy decides by; ``label`` names the version in the audit trail."""

    thresholds: Thresholds = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    banned: tuple[str, ...] = ()
    suspect: tuple[str, ...] = ()
    max_links: int | None = DEFAULT_MAX_LINKS
    label: str = "default"

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "max_links": self.max_links,
                "thresholds": {c: t.as_dict() for c, t in self.thresholds.items()},
                "banned": len(self.banned), "suspect": len(self.suspect)}


@dataclass(frozen=True)
class Signals:
    """What is known about a comment: scores (``None``: the scorer could not judge it, and
    ``scorer_problem`` says why), word-list matches, the number of links and the spam signals
    found at intake (``{"honeypot": true}`` or ``{"duplicate_of": id, "by": ...}``)."""

    scores: Scores | None
    words: Sequence[WordMatch] = ()
    links: int = 0
    scorer_problem: tuple[Reason, str] | None = None
    spam: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Finding:
    """One reason to hold or reject a comment."""

    code: Reason
    level: str  # "reject" or "review"
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code.value, "level": self.level, "detail": self.detail}


@dataclass(frozen=True)
class Decision:
    """What the policy decided and why; ``status`` is ``None`` when nothing should change."""

    status: CommentStatus | None
    reason_code: Reason
    reason: str
    findings: list[Finding] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)

    def explanation(self, signals: Signals) -> dict[str, Any]:
        """The evidence an editor sees: every reason, the words with their offsets, links."""
        return {
            "reasons": [f.as_dict() for f in self.findings],
            "triggers": [t.as_dict() for t in self.triggers],
            "words": [{"term": w.term, "kind": w.kind, "start": w.start, "end": w.end,
                       "matched": w.matched} for w in signals.words],
            "links": signals.links,
        }


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


def spam_findings(spam: Mapping[str, Any] | None) -> list[Finding]:
    """A filled-in honeypot is a bot: reject. The same text again is held for an editor,
    who can tell a double click from a flood."""
    findings = []
    if spam and spam.get("honeypot"):
        findings.append(Finding(Reason.HONEYPOT, "reject",
                                "the field hidden from humans was filled in"))
    if spam and spam.get("duplicate_of"):
        findings.append(Finding(Reason.DUPLICATE, "review",
                                f"same text as comment {spam['duplicate_of']} "
                                f"from the same {spam.get('by', 'address')}"))
    return findings


def _findings(signals: Signals, settings: PolicySettings,
              triggers: list[Trigger]) -> list[Finding]:
    findings = [Finding(Reason.BANNED_WORD, "reject", f"banned word „{w.matched}“ ({w.term})")
                for w in signals.words if w.kind == "banned"]
    findings += spam_findings(signals.spam)
    findings += [Finding(Reason(f"score_above_{t.level}"), t.level,
                         f"{t.category} {t.score:.2f} ≥ {t.threshold:.2f}") for t in triggers]
    findings += [Finding(Reason.SUSPECT_WORD, "review", f"suspect word „{w.matched}“ ({w.term})")
                 for w in signals.words if w.kind == "suspect"]
    if settings.max_links is not None and signals.links > settings.max_links:
        findings.append(Finding(Reason.TOO_MANY_LINKS, "review",
                                f"{signals.links} links (at most {settings.max_links})"))
    if signals.scores is None:
        code, why = signals.scorer_problem or (Reason.SCORER_UNAVAILABLE, "not scored")
        findings.append(Finding(code, "review", why))
    return sorted(findings, key=lambda f: f.level != "reject")


def decide(signals: Signals, settings: PolicySettings, mode: ModerationMode) -> Decision:
    """Turn what is known about a comment into a decision.

    ``auto`` rejects on a banned word, a filled-in honeypot or a score above a reject
    threshold, holds on a score above a review threshold, a suspect word, too many links or
    a duplicate, and approves the rest.
    Fail closed: an unscored comment is never approved automatically. ``pre`` holds
    everything. ``post`` leaves the published comment alone unless something is found, and
    then only holds it: it never rejects without an editor (nor withdraws a comment because
    the scorer is down: the publisher chose to publish before scoring).
    """
    triggers = find_triggers(signals.scores or {}, settings.thresholds)
    findings = _findings(signals, settings, triggers)
    summary = "; ".join(f.detail for f in findings)
    if mode is ModerationMode.PRE:
        why = "Every comment on this article waits for an editor."
        return Decision(CommentStatus.REVIEW, Reason.PRE_MODERATION,
                        f"{why} Found: {summary}." if findings else why, findings, triggers)
    if mode is ModerationMode.POST:
        findings = [f for f in findings if f.code not in SCORER_PROBLEMS]
    if not findings:
        status = None if mode is ModerationMode.POST else CommentStatus.APPROVED
        return Decision(status, Reason.SCORE_BELOW_THRESHOLDS,
                        "No threshold reached and no listed word found.", [], triggers)
    worst = findings[0]
    if worst.level == "reject" and mode is ModerationMode.AUTO:
        return Decision(CommentStatus.REJECTED, worst.code,
                        f"Rejected automatically: {summary}.", findings, triggers)
    return Decision(CommentStatus.REVIEW, worst.code, f"Held for review: {summary}.",
                    findings, triggers)


def decide_at_intake(spam: Mapping[str, Any] | None, mode: ModerationMode) -> Decision | None:
    """What intake decides before any scoring, or ``None`` to go the usual way.

    A filled-in honeypot is rejected at once, whatever the mode: no reader filled it in.
    A duplicate on a ``post`` article is held instead of published; on ``auto`` and ``pre``
    articles nothing is public yet, and the scoring worker holds it.
    """
    findings = spam_findings(spam)
    if not findings:
        return None
    summary = "; ".join(f.detail for f in findings)
    worst = findings[0]
    if worst.level == "reject":
        return Decision(CommentStatus.REJECTED, worst.code, f"Rejected at intake: {summary}.",
                        findings)
    if mode is ModerationMode.POST:
        return Decision(CommentStatus.REVIEW, worst.code, f"Held for review: {summary}.",
                        findings)
    return None
