"""Pure: the statement of reasons (DSA Art. 17) an author is owed when a comment is rejected.

The facts of the decision, the publisher's terms and the appeal period in; a JSON document
out, with the texts the author reads in the publisher's language. No database: the services
gather the facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from moderation.texts import DEFAULT_LANGUAGE, day, number, text

if TYPE_CHECKING:
    from moderation.config import Config

APPEAL_HEADER = "X-Author-Token"


@dataclass(frozen=True)
class PublisherTerms:
    """What every statement names: the publisher's terms and the appeal period; and the
    language statements are written in."""

    clause: str
    url: str | None
    appeal_days: int
    language: str = DEFAULT_LANGUAGE

    @classmethod
    def of(cls, config: Config) -> PublisherTerms:
        return cls(config.terms_clause, config.terms_url, config.appeal_days, config.language)


@dataclass(frozen=True)
class Ground:
    """Why a comment may not stand: the publisher's terms (the default), or a provision of
    law it is considered to break (``§ 130 StGB``). ``clause`` names another clause of the
    terms than the configured one."""

    type: Literal["terms", "illegal"] = "terms"
    provision: str | None = None
    clause: str | None = None

    def __post_init__(self) -> None:
        if (self.type == "illegal") != (self.provision is not None):
            raise ValueError("a provision is named for illegal content, and only for it")


@dataclass(frozen=True)
class Evidence:
    """What automated means found: the classifier, the scores that crossed a threshold,
    word-list matches, whom the comment was aimed at, and spam checks that fired."""

    classifier: str | None = None  # "name@version"
    triggers: tuple[Mapping[str, Any], ...] = ()
    words: tuple[Mapping[str, Any], ...] = ()
    checks: tuple[str, ...] = ()
    targets: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_record(cls, explanation: Mapping[str, Any] | None, scored_by: str | None,
                    spam: Mapping[str, Any] | None) -> Evidence | None:
        """The evidence in a comment's record, or ``None`` when automation found nothing."""
        explanation = explanation or {}
        spam = spam or {}
        checks = tuple(check for check, present in (
            ("honeypot", spam.get("honeypot")), ("duplicate_text", "duplicate_of" in spam))
            if present)
        evidence = cls(scored_by, tuple(explanation.get("triggers") or ()),
                       tuple(explanation.get("words") or ()), checks,
                       tuple(explanation.get("targets") or ()))
        return evidence if evidence.triggers or evidence.words or checks else None

    def as_means(self) -> dict[str, Any]:
        name, _, version = (self.classifier or "").rpartition("@")
        return {
            "classifier": {"name": name, "version": version} if self.classifier else None,
            "scores": [{"category": t["category"], "score": t["score"],
                        "threshold": t["threshold"], "level": t["level"]}
                       for t in self.triggers],
            # What the author wrote, never the list entry: the lists stay the publisher's.
            "words": [{"matched": w["matched"], "list": w["kind"]} for w in self.words],
            "checks": list(self.checks),
            # Why a score could reject: the comment was aimed at someone.
            "targets": [{"kind": t["kind"], "matched": t["matched"]} for t in self.targets],
        }

    def findings(self, language: str) -> list[str]:
        """Each finding as a phrase in ``language``."""
        return ([text(language, "finding.score", label=_label(language, "category",
                                                            t["category"]),
                      score=number(t["score"], language),
                      threshold=number(t["threshold"], language)) for t in self.triggers]
                + [text(language, "finding.word", matched=w["matched"],
                        list=_label(language, "list", w["kind"], "list.other"))
                   for w in self.words]
                + [text(language, f"check.{check}") for check in self.checks]
                + ([text(language, "finding.targets", matched=", ".join(
                    f"„{t['matched']}“" if language == "de" else f"“{t['matched']}”"
                    for t in self.targets))] if self.targets and self.triggers else []))


@dataclass(frozen=True)
class Rejection:
    """The facts of one rejection. ``by_editor`` is false for automatic decisions;
    ``appeal_reviewed`` marks the decision on an appeal; ``appealable`` is false once an
    appeal against the comment has been made; ``following_notice`` marks a decision taken on
    readers' reports (DSA Art. 16 notices)."""

    comment_id: str
    reason_code: str
    reason: str | None
    by_editor: bool
    was_published: bool
    evidence: Evidence | None = None
    ground: Ground = field(default_factory=Ground)
    appeal_reviewed: bool = False
    appealable: bool = True
    following_notice: bool = False


def appeal_deadline(rejected_at: datetime, appeal_days: int) -> date:
    """The last day (UTC) on which a rejection may be appealed."""
    return (rejected_at + timedelta(days=appeal_days)).date()


def statement_of_reasons(rejection: Rejection, terms: PublisherTerms,
                         now: datetime) -> dict[str, Any]:
    """The statement of reasons for ``rejection``, decided ``now``."""
    measure = "removal" if rejection.was_published else "not_published"
    ground = _ground(rejection.ground, terms)
    return {
        "comment_id": rejection.comment_id,
        "summary": _summary(measure, ground, rejection.appeal_reviewed, terms.language),
        "measure": measure,
        "reason_code": rejection.reason_code,
        "facts": _facts(rejection, terms.language),
        "automated_detection": rejection.evidence is not None,
        "automated_decision": not rejection.by_editor,
        "automated_means": rejection.evidence.as_means() if rejection.evidence else None,
        "following_notice": rejection.following_notice,
        "ground": ground,
        "redress": _redress(rejection, terms, now),
        "decided_at": now.isoformat(),
    }


def _label(language: str, kind: str, key: str, fallback: str | None = None) -> str:
    """A category's or list's name in ``language``; unknown ones by their own name."""
    try:
        return text(language, f"{kind}.{key}")
    except KeyError:
        return text(language, fallback) if fallback else key


def _ground(ground: Ground, terms: PublisherTerms) -> dict[str, Any]:
    if ground.type == "illegal":
        return {"type": "illegal", "provision": ground.provision,
                "explanation": text(terms.language, "ground.illegal",
                                    provision=ground.provision)}
    clause = ground.clause or terms.clause
    return {"type": "terms", "clause": clause, "url": terms.url,
            "explanation": text(terms.language, "ground.terms", clause=clause)}


def _summary(measure: str, ground: dict[str, Any], appeal_reviewed: bool,
             language: str) -> str:
    start = text(language, f"summary.{'appeal.' if appeal_reviewed else ''}{measure}")
    if ground["type"] == "illegal":
        return text(language, "summary.illegal", start=start, provision=ground["provision"])
    return text(language, "summary.terms", start=start, clause=ground["clause"])


def _facts(rejection: Rejection, language: str) -> str:
    findings = "; ".join(rejection.evidence.findings(language)) if rejection.evidence else ""
    if not rejection.by_editor:
        return text(language, "facts.automatic") + (
            text(language, "facts.found", findings=findings) if findings else "")
    facts = text(language, "facts.appeal_dismissed" if rejection.appeal_reviewed
                 else "facts.editor")
    if rejection.following_notice:
        facts += text(language, "facts.notice")
    if findings:
        facts += text(language, "facts.hints", findings=findings)
    if rejection.reason:
        facts += text(language, "facts.editor_reason", reason=rejection.reason)
    return facts


def _redress(rejection: Rejection, terms: PublisherTerms, now: datetime) -> dict[str, Any]:
    appeal = None
    if rejection.appealable:
        until = appeal_deadline(now, terms.appeal_days)
        path = f"/v1/comments/{rejection.comment_id}/appeal"
        appeal = {
            "method": "POST", "path": path, "header": APPEAL_HEADER,
            "until": until.isoformat(),
            "explanation": text(terms.language, "redress.appeal",
                                until=day(until, terms.language)),
        }
    return {"appeal": appeal, "out_of_court": text(terms.language, "redress.out_of_court"),
            "courts": text(terms.language, "redress.courts")}
