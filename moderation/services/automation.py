"""What automation makes of a scored comment: the live policy's decision, applied through
``decisions``, and what a candidate policy would have done (shadow mode)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from moderation.domain import ModerationMode, Reason
from moderation.models import Comment
from moderation.policy import Decision, Scores, Signals, decide
from moderation.services import decisions, policies
from moderation.statements import PublisherTerms
from moderation.targets import find_targets
from moderation.text import count_links


@dataclass(frozen=True)
class Facts:
    """What the policy needs to know of a comment besides its scores."""

    body: str
    spam: dict[str, Any] | None
    mode: ModerationMode


@dataclass(frozen=True)
class Scored:
    """The scorer's answer for one comment: scores by ``scorer`` ("name@version"), or the
    ``problem`` why there are none."""

    scores: Scores | None
    scorer: str | None = None
    problem: tuple[Reason, str] | None = None
    # The sentences that scored highest in the categories that crossed a threshold.
    sentences: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Judgement:
    """The live policy's decision with the signals it saw, and the candidate's, if any."""

    live: Decision
    signals: Signals
    candidate: Decision | None = None


def judge(facts: Facts, scored: Scored, active: policies.ActivePolicies,
          language: str) -> Judgement:
    """Apply the live policy (and a candidate, in shadow) to a scored comment. Pure: runs
    outside any transaction, before the sentences of a flagged comment are explained."""
    links = count_links(facts.body)

    targets = find_targets(facts.body)

    def signals_for(settings: policies.PolicySettings) -> Signals:
        return Signals(scored.scores, policies.word_list(settings).find(facts.body), links,
                       scored.problem, facts.spam, targets)

    live = signals_for(active.live)
    candidate = decide(signals_for(active.candidate), active.candidate, facts.mode, language) \
        if active.candidate is not None else None
    return Judgement(decide(live, active.live, facts.mode, language), live, candidate)


def record(session: Session, comment: Comment, scored: Scored, judgement: Judgement,
           active: policies.ActivePolicies, now: datetime, terms: PublisherTerms) -> None:
    """Keep the scores, apply the live decision and note the candidate's.

    The decision goes the one way every decision goes: a person's decision or an open
    appeal stands against it, and an erased comment is left alone."""
    if comment.erased_at is not None:
        return
    if scored.scores is not None:
        comment.scores = scored.scores
        comment.max_score = max(scored.scores.values(), default=None)
        comment.scored_by = scored.scorer
        comment.updated_at = now
    live = judgement.live
    explanation = {**live.explanation(judgement.signals), "sentences": scored.sentences}
    model, _, version = (scored.scorer or "").partition("@")
    if live.status is not None:
        decisions.apply(comment, decisions.Change(
            live.status, live.reason_code, live.reason, explanation=explanation, details={
                "model": model or None, "model_version": version or None,
                "scores": scored.scores, "mode": comment.article.moderation_mode.value,
                "policy": active.live.as_dict(), "explanation": explanation,
            }), decisions.AUTOMATION, now, terms=terms)
    if judgement.candidate is not None and active.candidate_version is not None:
        policies.record_shadow(session, comment, active.candidate_version,
                               judgement.candidate.status or comment.status,
                               judgement.candidate.reason_code, now)
