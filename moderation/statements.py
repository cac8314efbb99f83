"""Pure: the statement of reasons (DSA Art. 17) an author is owed when a comment is rejected.

The facts of the decision, the publisher's terms and the appeal period in; a JSON document
out, with the texts the author reads in German. No database: the services gather the facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from moderation.config import Config

APPEAL_HEADER = "X-Author-Token"
CATEGORY_LABELS = {
    "toxicity": "toxische Sprache",
    "severe_toxicity": "schwer toxische Sprache",
    "obscene": "Obszönität",
    "identity_attack": "Angriff auf eine Gruppe oder Identität",
    "insult": "Beleidigung",
    "threat": "Drohung",
    "sexual_explicit": "sexuell explizite Inhalte",
}
WORD_LISTS = {"banned": "gesperrter Begriff", "suspect": "zu prüfender Begriff"}
# Spam checks at intake, by the key they leave in ``Comment.spam``.
CHECKS = {
    "honeypot": "ein verstecktes Formularfeld, das nur Programme ausfüllen, war ausgefüllt",
    "duplicate_text": "derselbe Text war kurz zuvor schon eingereicht worden",
}
OUT_OF_COURT = ("Sie können sich außerdem an eine zertifizierte außergerichtliche "
                "Streitbeilegungsstelle (Art. 21 DSA) wenden.")
COURTS = "Der Rechtsweg zu den Gerichten steht Ihnen unabhängig davon offen."


@dataclass(frozen=True)
class PublisherTerms:
    """What every statement names: the publisher's terms and the appeal period."""

    clause: str
    url: str | None
    appeal_days: int

    @classmethod
    def of(cls, config: Config) -> PublisherTerms:
        return cls(config.terms_clause, config.terms_url, config.appeal_days)


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
    word-list matches and spam checks that fired."""

    classifier: str | None = None  # "name@version"
    triggers: tuple[Mapping[str, Any], ...] = ()
    words: tuple[Mapping[str, Any], ...] = ()
    checks: tuple[str, ...] = ()

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
                       tuple(explanation.get("words") or ()), checks)
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
        }

    def findings(self) -> list[str]:
        """Each finding as a German phrase."""
        return ([f"{CATEGORY_LABELS.get(t['category'], t['category'])}: Bewertung "
                 f"{_decimal(t['score'])} (Grenzwert {_decimal(t['threshold'])})"
                 for t in self.triggers]
                + [f"{WORD_LISTS.get(w['kind'], 'Begriff')} „{w['matched']}“"
                   for w in self.words]
                + [CHECKS[check] for check in self.checks])


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
        "summary": _summary(measure, ground, rejection.appeal_reviewed),
        "measure": measure,
        "reason_code": rejection.reason_code,
        "facts": _facts(rejection),
        "automated_detection": rejection.evidence is not None,
        "automated_decision": not rejection.by_editor,
        "automated_means": rejection.evidence.as_means() if rejection.evidence else None,
        "following_notice": rejection.following_notice,
        "ground": ground,
        "redress": _redress(rejection, terms, now),
        "decided_at": now.isoformat(),
    }


def _ground(ground: Ground, terms: PublisherTerms) -> dict[str, Any]:
    if ground.type == "illegal":
        return {"type": "illegal", "provision": ground.provision,
                "explanation": "Die Redaktion hält den Kommentar für rechtswidrig nach "
                               f"{ground.provision}."}
    clause = ground.clause or terms.clause
    return {"type": "terms", "clause": clause, "url": terms.url,
            "explanation": "Der Kommentar ist mit unseren Nutzungsbedingungen nicht "
                           f"vereinbar ({clause})."}


def _summary(measure: str, ground: dict[str, Any], appeal_reviewed: bool) -> str:
    if appeal_reviewed:
        start = "Wir haben Ihre Beschwerde geprüft: Ihr Kommentar bleibt " + (
            "entfernt" if measure == "removal" else "unveröffentlicht")
    else:
        start = "Ihr Kommentar wurde " + (
            "entfernt" if measure == "removal" else "nicht veröffentlicht")
    if ground["type"] == "illegal":
        return (f"{start}, weil er nach Einschätzung der Redaktion rechtswidrig ist "
                f"({ground['provision']}).")
    return f"{start}, weil er gegen unsere Nutzungsbedingungen verstößt ({ground['clause']})."


def _facts(rejection: Rejection) -> str:
    findings = rejection.evidence.findings() if rejection.evidence else []
    if not rejection.by_editor:
        found = f" Festgestellt: {'; '.join(findings)}." if findings else ""
        return f"Unsere automatische Prüfung hat den Kommentar abgelehnt.{found}"
    facts = ("Die Redaktion hat Ihre Beschwerde geprüft und die Ablehnung bestätigt; eine "
             "weitere Beschwerde bei uns ist nicht möglich." if rejection.appeal_reviewed
             else "Die Redaktion hat den Kommentar geprüft und abgelehnt.")
    if rejection.following_notice:
        facts += " Anlass waren Meldungen von Leserinnen und Lesern."
    if findings:
        facts += f" Hinweise der automatischen Prüfung: {'; '.join(findings)}."
    if rejection.reason:
        facts += f" Begründung der Redaktion: {rejection.reason}"
    return facts


def _redress(rejection: Rejection, terms: PublisherTerms, now: datetime) -> dict[str, Any]:
    appeal = None
    if rejection.appealable:
        until = appeal_deadline(now, terms.appeal_days)
        path = f"/v1/comments/{rejection.comment_id}/appeal"
        appeal = {
            "method": "POST", "path": path, "header": APPEAL_HEADER,
            "until": until.isoformat(),
            "explanation": f"Sie können bis zum {until:%d.%m.%Y} Beschwerde gegen diese "
                           "Entscheidung einlegen, mit einer Begründung und dem "
                           "Autoren-Token, das Sie beim Absenden erhalten haben. Ein Mensch "
                           "aus der Redaktion prüft sie, wo möglich ein anderer als der, "
                           "der entschieden hat.",
        }
    return {"appeal": appeal, "out_of_court": OUT_OF_COURT, "courts": COURTS}


def _decimal(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")
