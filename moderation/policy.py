"""Pure moderation policy: scores and settings in, a decision with its reasons out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from moderation.domain import CommentStatus, ModerationMode, Reason
from moderation.starterlists import StarterChoice, term_label
from moderation.texts import DEFAULT_LANGUAGE, number, text

if TYPE_CHECKING:
    from moderation.targets import Target
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
# A score is evidence of how a text reads, not of whom it hurts: alone it never rejects.
SCORE_FINDINGS = {Reason.SCORE_ABOVE_REJECT, Reason.SCORE_ABOVE_REVIEW}

# detoxify's categories. Lower bars for the rare, grave categories.
DEFAULT_THRESHOLDS: Thresholds = {
    "toxicity": Threshold(review=0.42, reject=0.9),
    "severe_toxicity": Threshold(review=0.2, reject=0.6),
    "obscene": Threshold(review=0.6, reject=0.95),
    "identity_attack": Threshold(review=0.3, reject=0.8),
    "insult": Threshold(review=0.5, reject=0.9),
    "threat": Threshold(review=0.3, reject=0.8),
    "sexual_explicit": Threshold(review=0.5, reject=0.9),
}


def parse_thresholds(raw: Mapping[str, Any], base: Thresholds | None = None) -> Thresholds:
    """The one conversion of stored or configured thresholds, ``{"insult": {"review": 0.4,
    "reject": 0.8}, ...}``, into ``Threshold`` values; categories not named keep those of
    ``base`` (the defaults when not given). A ValueError says what is wrong."""
    thresholds = dict(DEFAULT_THRESHOLDS if base is None else base)
    for category, values in raw.items():
        try:
            thresholds[category] = Threshold(review=float(values["review"]),
                                             reject=_optional_float(values.get("reject")))
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"{category}: needs a review threshold and may have a reject "
                             f"threshold ({error!r})") from None
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
    # The shipped starter lists included (moderation.starterlists), in name order.
    starter: tuple[StarterChoice, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "max_links": self.max_links,
                "thresholds": {c: t.as_dict() for c, t in self.thresholds.items()},
                "banned": len(self.banned), "suspect": len(self.suspect),
                "starter_lists": {c.name: {"version": c.version, "kind": c.kind,
                                           "excluded": len(c.excluded)}
                                  for c in self.starter}}


@dataclass(frozen=True)
class Signals:
    """What is known about a comment: scores (``None``: the scorer could not judge it, and
    ``scorer_problem`` says why), word-list matches, the number of links and the spam signals
    found at intake (``{"honeypot": true}`` or ``{"duplicate_of": id, "by": ...}``) and the
    signals of whom the comment is aimed at (``moderation.targets``)."""

    scores: Scores | None
    words: Sequence[WordMatch] = ()
    links: int = 0
    scorer_problem: tuple[Reason, str] | None = None
    spam: Mapping[str, Any] | None = None
    targets: Sequence[Target] = ()


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
            "words": [w.as_dict() for w in signals.words],
            "links": signals.links,
            "targets": [t.as_dict() for t in signals.targets],
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


def spam_findings(spam: Mapping[str, Any] | None,
                  language: str = DEFAULT_LANGUAGE) -> list[Finding]:
    """A filled-in honeypot is a bot: reject. The same text again is held for an editor,
    who can tell a double click from a flood."""
    findings = []
    if spam and spam.get("honeypot"):
        findings.append(Finding(Reason.HONEYPOT, "reject", text(language, "honeypot")))
    if spam and spam.get("duplicate_of"):
        by = "duplicate_author" if spam.get("by") == "author" else "duplicate_address"
        findings.append(Finding(Reason.DUPLICATE, "review",
                                text(language, by, comment=spam["duplicate_of"])))
    return findings


def _findings(signals: Signals, settings: PolicySettings, triggers: list[Trigger],
              language: str) -> list[Finding]:
    def words(kind: str) -> list[Finding]:
        return [Finding(Reason.BANNED_WORD if kind == "banned" else Reason.SUSPECT_WORD,
                        "reject" if kind == "banned" else "review",
                        text(language, f"{kind}_word", matched=w.matched,
                             term=term_label(w, language)))
                for w in signals.words if w.kind == kind]

    findings = words("banned") + spam_findings(signals.spam, language)
    findings += [Finding(Reason(f"score_above_{t.level}"), t.level,
                         text(language, "score", category=t.category,
                              score=number(t.score, language),
                              threshold=number(t.threshold, language)))
                 for t in triggers]
    findings += words("suspect")
    if settings.max_links is not None and signals.links > settings.max_links:
        findings.append(Finding(Reason.TOO_MANY_LINKS, "review",
                                text(language, "too_many_links", links=signals.links,
                                     max_links=settings.max_links)))
    if signals.scores is None:
        code, detail = signals.scorer_problem or (Reason.SCORER_UNAVAILABLE, "–")
        findings.append(Finding(code, "review", text(language, code.value, detail=detail)))
    return sorted(findings, key=lambda f: f.level != "reject")


def decide(signals: Signals, settings: PolicySettings, mode: ModerationMode,
           language: str = DEFAULT_LANGUAGE) -> Decision:
    """Turn what is known about a comment into a decision, its reason in ``language``.

    ``auto`` rejects on a banned word, a filled-in honeypot, or a score above a reject
    threshold when the comment is aimed at someone (a target signal: the classifier alone
    cannot tell swearing from abuse, so a high score without a target is held); it holds on
    a score above a review threshold, a suspect word, too many links or a duplicate, and
    approves the rest.
    Fail closed: an unscored comment is never approved automatically. ``pre`` holds
    everything. ``post`` leaves the published comment alone unless something is found, and
    then only holds it: it never rejects without an editor (nor withdraws a comment because
    the scorer is down: the publisher chose to publish before scoring).
    """
    triggers = find_triggers(signals.scores or {}, settings.thresholds)
    findings = _findings(signals, settings, triggers, language)
    summary = "; ".join(f.detail for f in findings)
    if mode is ModerationMode.PRE:
        return Decision(CommentStatus.REVIEW, Reason.PRE_MODERATION,
                        text(language, "pre_moderation_found", summary=summary) if findings
                        else text(language, "pre_moderation"), findings, triggers)
    if mode is ModerationMode.POST:
        findings = [f for f in findings if f.code not in SCORER_PROBLEMS]
    if not findings:
        status = None if mode is ModerationMode.POST else CommentStatus.APPROVED
        return Decision(status, Reason.SCORE_BELOW_THRESHOLDS, text(language, "nothing_found"),
                        [], triggers)
    worst = findings[0]
    if worst.level == "reject" and mode is ModerationMode.AUTO:
        if signals.targets or any(f.level == "reject" and f.code not in SCORE_FINDINGS
                                  for f in findings):
            return Decision(CommentStatus.REJECTED, worst.code,
                            text(language, "rejected", summary=summary), findings, triggers)
        findings = [*findings, Finding(Reason.NO_TARGET, "review", text(language, "no_target"))]
        summary = "; ".join(f.detail for f in findings)
    return Decision(CommentStatus.REVIEW, worst.code, text(language, "held", summary=summary),
                    findings, triggers)


def decide_at_intake(spam: Mapping[str, Any] | None, mode: ModerationMode,
                     language: str = DEFAULT_LANGUAGE) -> Decision | None:
    """What intake decides before any scoring, or ``None``: the comment waits for it.

    A filled-in honeypot is rejected at once, whatever the mode: no reader filled it in.
    A ``post`` article publishes at once, unless the text is a duplicate: that is held
    instead. On ``auto`` and ``pre`` articles nothing is public yet, and the scoring worker
    holds a duplicate.
    """
    findings = spam_findings(spam, language)
    summary = "; ".join(f.detail for f in findings)
    if findings and findings[0].level == "reject":
        return Decision(CommentStatus.REJECTED, findings[0].code,
                        text(language, "rejected_at_intake", summary=summary), findings)
    if mode is not ModerationMode.POST:
        return None
    if findings:
        return Decision(CommentStatus.REVIEW, findings[0].code,
                        text(language, "held", summary=summary), findings)
    return Decision(CommentStatus.APPROVED, Reason.POST_MODERATION,
                    text(language, "post_moderation"))
