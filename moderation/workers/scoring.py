"""The scoring worker: claims pending comments, scores them and applies the policy."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation import jobs
from moderation.clock import Clock, utcnow
from moderation.config import Config
from moderation.db import UNAVAILABLE, Database, unavailable_reason
from moderation.domain import CommentStatus, Reason
from moderation.models import Comment, WorkerHeartbeat
from moderation.policy import PolicySettings, Signals, Thresholds, decide, find_triggers
from moderation.scoring.base import Scorer, ScorerUnavailable, Scores
from moderation.services.policies import ActivePolicies, active_policies, record_shadow
from moderation.services.rejections import statement_for
from moderation.services.transitions import change_status
from moderation.statements import PublisherTerms
from moderation.text import count_links, sentences
from moderation.wordlists import WordEntry, WordList
from moderation.workers.loop import run_until

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = timedelta(seconds=10)
RETRY_LOAD_EVERY = timedelta(minutes=1)
RETRY_DELAYS = (timedelta(seconds=5), timedelta(seconds=30), timedelta(minutes=2))


@dataclass
class ScorerState:
    """What this worker can score with; written to its heartbeat for ``/readyz``."""

    state: str = "loading"  # loading | ready | unavailable
    scorer: Scorer | None = None
    error: str | None = None
    checked_at: datetime | None = None

    def as_details(self) -> dict[str, str | None]:
        return {
            "model": self.scorer.name if self.scorer else None,
            "version": self.scorer.version if self.scorer else None,
            "device": self.scorer.device if self.scorer else None,
            "error": self.error,
        }


@dataclass(frozen=True)
class Claimed:
    job_id: int
    comment_id: int
    attempts: int
    body: str


@dataclass(frozen=True)
class Outcome:
    """Scores, or why there are none; ``retry_at`` puts the job back for another try."""

    scores: Scores | None
    reason_code: Reason = Reason.SCORE_BELOW_THRESHOLDS
    message: str = ""
    retry_at: datetime | None = None
    sentences: list[dict[str, Any]] = field(default_factory=list)


def explain_sentences(scorer: Scorer, texts: list[str], scores: list[Scores],
                      thresholds: Thresholds, top: int = 2) -> list[list[dict[str, Any]]]:
    """For comments that crossed a threshold, the sentences that scored highest in the
    categories that crossed it: an editor sees at a glance what the model objected to.
    Sentences are scored only for such comments, in one extra batch."""
    wanted: list[tuple[int, tuple[int, int], list[str]]] = []
    for index, (text, text_scores) in enumerate(zip(texts, scores, strict=True)):
        categories = [t.category for t in find_triggers(text_scores, thresholds)]
        spans = sentences(text)
        if categories and len(spans) > 1:
            wanted.extend((index, span, categories) for span in spans)
    found: list[list[dict[str, Any]]] = [[] for _ in texts]
    if not wanted:
        return found
    sentence_scores = scorer.score([texts[i][start:end] for i, (start, end), _ in wanted])
    for (index, (start, end), categories), sentence in zip(wanted, sentence_scores, strict=True):
        category = max(categories, key=lambda c: sentence.get(c, 0.0))
        found[index].append({"start": start, "end": end, "category": category,
                             "score": round(sentence.get(category, 0.0), 4)})
    return [sorted(hits, key=lambda h: -h["score"])[:top] for hits in found]


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class ScoringWorker:
    """Scores comments in batches. Fails closed: what cannot be scored waits for an editor."""

    def __init__(self, database: Database, config: Config,
                 load_scorer: Callable[[Config], Scorer], clock: Clock = utcnow,
                 worker_id: str | None = None) -> None:
        self.database = database
        self.config = config
        self._load_scorer = load_scorer
        self.clock = clock
        self.id = worker_id or new_worker_id()
        self.scorer = ScorerState()
        self._started_at = clock()
        self._last_heartbeat: datetime | None = None
        self._word_lists: dict[tuple, WordList] = {}

    def ensure_scorer(self) -> None:
        """Load the scorer once; after a failure, try again now and then."""
        now = self.clock()
        if self.scorer.state == "ready" or (
            self.scorer.checked_at and now - self.scorer.checked_at < RETRY_LOAD_EVERY
        ):
            return
        try:
            self.scorer = ScorerState("ready", self._load_scorer(self.config), None, now)
            log.info("scorer %s %s ready", self.scorer.scorer.name, self.scorer.scorer.version)
        except ScorerUnavailable as error:
            self.scorer = ScorerState("unavailable", None, str(error), now)
            log.error("scorer unavailable: %s", error)
        self.heartbeat(force=True)

    def run_once(self) -> int:
        """Claim one batch of due comments and decide them; returns how many were claimed."""
        self.ensure_scorer()
        self.heartbeat()
        batch, policies = self._claim()
        if policies is None:
            return 0
        outcomes = self._score(batch, policies.live)
        with self.database.transaction() as session:
            # Jobs whose lease ran out meanwhile belong to another worker now.
            held = jobs.still_held(session, [item.job_id for item in batch], self.id)
            mine = [item for item in batch if item.job_id in held]
            comments = {c.id: c for c in session.scalars(
                select(Comment).where(Comment.id.in_([item.comment_id for item in mine])))}
            now = self.clock()
            done = []
            for item in mine:
                outcome = outcomes[item.job_id]
                if outcome.retry_at is not None:
                    jobs.release(session, [item.job_id], outcome.message, outcome.retry_at)
                    continue
                if item.comment_id in comments:
                    self._decide(session, comments[item.comment_id], outcome, policies, now)
                done.append(item.job_id)
            jobs.complete(session, done)
        return len(batch)

    def _claim(self) -> tuple[list[Claimed], ActivePolicies | None]:
        with self.database.transaction() as session:
            claimed = jobs.claim(session, jobs.SCORE_COMMENT, self.id,
                                 self.config.worker_batch_size, self.clock(),
                                 timedelta(seconds=self.config.job_lease_seconds))
            if not claimed:
                return [], None
            bodies = dict(session.execute(
                select(Comment.id, Comment.body)
                .where(Comment.id.in_([job.subject_id for job in claimed]))).all())
            policies = active_policies(session, self.config.policy_defaults())
            return [Claimed(job.id, job.subject_id, job.attempts, bodies.get(job.subject_id, ""))
                    for job in claimed], policies

    def _score(self, batch: list[Claimed], live: PolicySettings) -> dict[int, Outcome]:
        """Score the batch outside any transaction; every job gets an outcome."""
        limit = self.config.job_max_attempts
        # A job claimed this often has crashed workers before: do not try it again.
        outcomes = {item.job_id: Outcome(None, Reason.SCORING_FAILED,
                                         f"Gave up after {item.attempts - 1} attempts.")
                    for item in batch if item.attempts > limit}
        fresh = [item for item in batch if item.job_id not in outcomes]
        if not fresh:
            return outcomes
        scorer = self.scorer.scorer
        if scorer is None:
            message = f"Scorer unavailable: {self.scorer.error}"
            outcomes.update({item.job_id: Outcome(None, Reason.SCORER_UNAVAILABLE, message)
                             for item in fresh})
            return outcomes
        try:
            scores = scorer.score([item.body for item in fresh])
            hot = explain_sentences(scorer, [item.body for item in fresh], scores,
                                    live.thresholds)
        except Exception as error:  # any scorer fault must not lose the batch
            log.exception("scoring failed")
            message = f"Scoring failed: {error}"
            now = self.clock()
            for item in fresh:
                retry_at = now + RETRY_DELAYS[min(item.attempts, len(RETRY_DELAYS)) - 1] \
                    if item.attempts < limit else None
                outcomes[item.job_id] = Outcome(None, Reason.SCORING_FAILED, message, retry_at)
            return outcomes
        outcomes.update({item.job_id: Outcome(s, sentences=h)
                         for item, s, h in zip(fresh, scores, hot, strict=True)})
        return outcomes

    def _word_list(self, settings: PolicySettings) -> WordList:
        """Word lists are compiled once per policy version."""
        key = (settings.label, settings.banned, settings.suspect)
        if key not in self._word_lists:
            if len(self._word_lists) > 4:  # only the live and the candidate list matter
                self._word_lists.clear()
            self._word_lists[key] = WordList(
                [WordEntry(t, "banned") for t in settings.banned]
                + [WordEntry(t, "suspect") for t in settings.suspect])
        return self._word_lists[key]

    def _decide(self, session: Session, comment: Comment, outcome: Outcome,
                policies: ActivePolicies, now: datetime) -> None:
        """Record the scores, apply the live policy and note what a candidate would do."""
        mode = comment.article.moderation_mode
        scorer = self.scorer.scorer
        if outcome.scores is not None and scorer is not None:
            comment.scores = outcome.scores
            comment.max_score = max(outcome.scores.values(), default=None)
            comment.scored_by = f"{scorer.name}@{scorer.version}"
            comment.updated_at = now
        problem = None if outcome.scores is not None else (outcome.reason_code, outcome.message)
        links = count_links(comment.body)

        def signals_for(settings: PolicySettings) -> Signals:
            return Signals(outcome.scores, self._word_list(settings).find(comment.body), links,
                           problem, comment.spam)

        live = signals_for(policies.live)
        decision = decide(live, policies.live, mode)
        explanation = {**decision.explanation(live), "sentences": outcome.sentences}
        details = {
            "model": scorer.name if outcome.scores is not None and scorer else None,
            "model_version": scorer.version if outcome.scores is not None and scorer else None,
            "scores": outcome.scores, "mode": mode.value, "policy": policies.live.as_dict(),
            "explanation": explanation,
        }
        # An editor may have decided while the comment was being scored: theirs stands. An
        # open appeal waits for a person too (DSA Art. 20(6)), however it scores now.
        if decision.status not in (None, comment.status) and comment.editor_decided_at is None \
                and comment.status_reason_code != Reason.APPEALED:
            comment.explanation = explanation
            statement = statement_for(
                comment, reason_code=decision.reason_code, reason=decision.reason,
                terms=PublisherTerms.of(self.config), now=now,
            ) if decision.status is CommentStatus.REJECTED else None
            change_status(comment, decision.status, reason_code=decision.reason_code,
                          reason=decision.reason, now=now, details=details, statement=statement)
        if policies.candidate is not None and policies.candidate_version is not None:
            shadow = decide(signals_for(policies.candidate), policies.candidate, mode)
            record_shadow(session, comment, policies.candidate_version,
                          shadow.status or comment.status, shadow.reason_code, now)

    def heartbeat(self, force: bool = False) -> None:
        now = self.clock()
        if not force and self._last_heartbeat and now - self._last_heartbeat < HEARTBEAT_EVERY:
            return
        with self.database.transaction() as session:
            row = session.get(WorkerHeartbeat, self.id)
            if row is None:
                row = WorkerHeartbeat(id=self.id, started_at=self._started_at, seen_at=now,
                                      scorer_state=self.scorer.state)
                session.add(row)
            row.seen_at = now
            row.scorer_state = self.scorer.state
            row.details = self.scorer.as_details()
        self._last_heartbeat = now

    def run_forever(self, stop: threading.Event) -> None:
        """Score until ``stop`` is set, then sign off."""
        run_until(stop, self.run_once, self.config.worker_poll_seconds,
                  f"scoring worker {self.id}")
        self.sign_off()

    def sign_off(self) -> None:
        """Remove this worker's heartbeat. With the database away, the heartbeat is left to
        go stale instead: stopping must not fail."""
        try:
            with self.database.transaction() as session:
                row = session.get(WorkerHeartbeat, self.id)
                if row is not None:
                    session.delete(row)
        except UNAVAILABLE as error:
            log.warning("scoring worker %s: database unavailable, not signed off: %s", self.id,
                        unavailable_reason(error))
