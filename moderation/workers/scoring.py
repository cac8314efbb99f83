"""The scoring worker: claims pending comments, scores them outside any transaction, and
hands the scores to ``services.automation``, which decides."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from moderation import jobs, wakeups
from moderation.clock import Clock, utcnow
from moderation.config import Config
from moderation.db import UNAVAILABLE, Database, unavailable_reason
from moderation.domain import CommentStatus, ModerationMode, Reason
from moderation.logs import request_context
from moderation.metrics import scoring_batch_size, scoring_duration
from moderation.models import Article, Comment, WorkerHeartbeat
from moderation.scoring.base import Scorer, ScorerUnavailable, Scores
from moderation.scoring.compact import CombinedScorer, CompactScorer
from moderation.scoring.factory import registered_transformer
from moderation.services import automation, model_versions
from moderation.services.policies import ActivePolicies, active_policies, configured
from moderation.statements import PublisherTerms
from moderation.text import sentences
from moderation.texts import text
from moderation.workers.loop import new_worker_id, run_until

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = timedelta(seconds=10)
RETRY_LOAD_EVERY = timedelta(minutes=1)
RETRY_DELAYS = (timedelta(seconds=5), timedelta(seconds=30), timedelta(minutes=2))


@dataclass
class ScorerState:
    """What this worker can score with; written to its heartbeat for ``/readyz``.
    ``live_model``: the registered compact version it was loaded for (None: the shipped
    one); ``live_transformer``: the registered transformer version (None: none)."""

    state: str = "loading"  # loading | ready | unavailable
    scorer: Scorer | None = None
    error: str | None = None
    checked_at: datetime | None = None
    live_model: str | None = None
    live_transformer: str | None = None

    def as_details(self) -> dict[str, str | None]:
        return {
            "model": self.scorer.name if self.scorer else None,
            "version": self.scorer.version if self.scorer else None,
            # What the comments' scored_by and the decisions' events name.
            "model_version": f"{self.scorer.name}@{self.scorer.version}"
            if self.scorer else None,
            "live_model": self.live_model or model_versions.shipped_version(),
            "live_transformer": self.live_transformer,
            "device": self.scorer.device if self.scorer else None,
            "error": self.error,
        }


@dataclass(frozen=True)
class ShadowModel:
    """The candidate model, scored with in shadow: what the live policy would decide with
    its scores is recorded beside the live decision, never applied. ``scorer`` is None
    where it cannot score here (its files changed, or the live scorer has no compact part
    for it to stand in for or stand beside)."""

    id: int
    version: str
    scorer: Scorer | None


@dataclass(frozen=True)
class Claimed:
    job_id: int
    comment_id: int
    attempts: int
    facts: automation.Facts
    request_id: str | None = None  # of the POST that made the job: its log lines carry it


@dataclass(frozen=True)
class Outcome:
    """What scoring one claimed comment came to; ``retry_at`` puts the job back."""

    scored: automation.Scored
    retry_at: datetime | None = None
    message: str = ""


def explain_sentences(scorer: Scorer, texts: list[str], scores: list[Scores | None],
                      flagged: list[list[str]], top: int = 2) -> list[list[dict[str, Any]]]:
    """For each comment, the sentences that scored highest in its ``flagged`` categories
    (those that crossed a threshold): an editor sees at a glance what the model objected
    to. Only the sentences of flagged comments of more than one sentence are scored, in one
    extra batch; a single sentence is the whole comment, with the comment's score."""
    found: list[list[dict[str, Any]]] = [[] for _ in texts]
    wanted: list[tuple[int, tuple[int, int], list[str]]] = []
    for index, (body, categories) in enumerate(zip(texts, flagged, strict=True)):
        spans = sentences(body)
        if not categories or not spans:
            continue
        if len(spans) == 1:
            category = max(categories, key=lambda c: (scores[index] or {}).get(c, 0.0))
            found[index].append(_hit(spans[0], category, scores[index] or {}))
            continue
        wanted.extend((index, span, categories) for span in spans)
    if wanted:
        sentence_scores = scorer.score([texts[i][start:end] for i, (start, end), _ in wanted])
        for (index, span, categories), sentence in zip(wanted, sentence_scores, strict=True):
            category = max(categories, key=lambda c: sentence.get(c, 0.0))
            found[index].append(_hit(span, category, sentence))
    return [sorted(hits, key=lambda h: -h["score"])[:top] for hits in found]


def _hit(span: tuple[int, int], category: str, scores: Scores) -> dict[str, Any]:
    return {"start": span[0], "end": span[1], "category": category,
            "score": round(scores.get(category, 0.0), 4)}


def _unscored(problem: Reason, detail: str) -> Outcome:
    return Outcome(automation.Scored(None, problem=(problem, detail)))


class ScoringWorker:
    """Claims comments, scores them outside any transaction and hands the scores to the
    service that decides. Fails closed: what cannot be scored waits for an editor."""

    def __init__(self, database: Database, config: Config,
                 load_scorer: Callable[[Config], Scorer], clock: Clock = utcnow,
                 worker_id: str | None = None) -> None:
        self.database = database
        self.config = config
        self._load_scorer = load_scorer
        self.clock = clock
        self.id = worker_id or new_worker_id()
        self.scorer = ScorerState()
        self.shadow: ShadowModel | None = None
        self._started_at = clock()
        self._last_heartbeat: datetime | None = None
        self._terms = PublisherTerms.of(config)
        configured(config)  # thresholds the policy cannot use stop the start

    def ensure_scorer(self) -> None:
        """Load the scorer of the live model versions (compact and transformer), and again
        whenever an admin promotes or rolls back another one (asked before every batch: one
        indexed query); after a failure, try again now and then."""
        now = self.clock()
        # Read-only: on SQLite the question takes no write lock.
        with self.database.session(read_only=True) as session, session.begin():
            lives = model_versions.live_versions(session)
            wanted = (lives.get(model_versions.COMPACT), lives.get(model_versions.TRANSFORMER))
            loaded = (self.scorer.live_model, self.scorer.live_transformer)
            reload = wanted != loaded or not (self.scorer.state == "ready" or (
                self.scorer.checked_at and now - self.scorer.checked_at < RETRY_LOAD_EVERY))
            candidate = model_versions.candidate_version(session)
            reshadow = reload or candidate != (self.shadow.version if self.shadow else None)
            live = [model_versions.live_model(session, kind) for kind in model_versions.KINDS
                    if lives.get(kind)] if reload else []
            found = model_versions.candidate_model(session) if reshadow and candidate else None
        if reload:
            try:
                self.scorer = ScorerState("ready", self._load(live), None, now, *wanted)
                log.info("scorer %s %s ready", self.scorer.scorer.name,
                         self.scorer.scorer.version)
            except ScorerUnavailable as error:
                self.scorer = ScorerState("unavailable", None, str(error), now, *wanted)
                log.error("scorer unavailable: %s", error)
            self.heartbeat(force=True)
        if reshadow:
            self.shadow = self._shadow_of(found)

    def _load(self, live: list[model_versions.LiveModel | None]) -> Scorer:
        """The configured scorer, with the live registered compact model and transformer
        where there are such; fails closed on a model whose files changed since it was
        installed."""
        if not live:
            return self._load_scorer(self.config)
        paths: dict[str, Path] = {}
        for model in live:
            if model is None:  # rolled back between two queries: loaded anew next batch
                raise ScorerUnavailable("the live model changed while loading")
            changed = model_versions.changed_files(model.path, model.files)
            if changed:
                raise ScorerUnavailable(f"model {model.version}: files changed or missing in "
                                        f"{model.path} ({', '.join(changed)})")
            paths[model.kind] = model.path
        return self._load_scorer(self.config.replace(
            compact_model=paths.get(model_versions.COMPACT),
            transformer_path=paths.get(model_versions.TRANSFORMER)))

    def _shadow_of(self, found: tuple[int, model_versions.LiveModel] | None
                   ) -> ShadowModel | None:
        """The candidate model in the shape of the live scorer. A compact candidate: alone
        where compact-de scores, beside the same partners where a combined scorer does. A
        transformer candidate: beside the live compact-de, in place of its partner."""
        if found is None:
            return None
        candidate_id, candidate = found
        live = self.scorer.scorer
        parts = live.parts if isinstance(live, CombinedScorer) else (live,)
        compacts = [part for part in parts if isinstance(part, CompactScorer)]
        if not compacts:
            return ShadowModel(candidate_id, candidate.version, None)
        changed = model_versions.changed_files(candidate.path, candidate.files)
        try:
            if changed:
                raise ScorerUnavailable(f"files changed or missing: {', '.join(changed)}")
            if candidate.kind == model_versions.TRANSFORMER:
                transformer = registered_transformer(candidate.path, self.config)
                return ShadowModel(candidate_id, candidate.version,
                                   CombinedScorer(compacts[0], transformer))
            compact = CompactScorer(candidate.path)
        except ScorerUnavailable as error:
            log.warning("candidate model %s not scored in shadow: %s", candidate.version, error)
            return ShadowModel(candidate_id, candidate.version, None)
        partners = [part for part in parts if not isinstance(part, CompactScorer)]
        return ShadowModel(candidate_id, candidate.version,
                           CombinedScorer(compact, *partners) if partners else compact)

    def run_once(self) -> int:
        """Claim one batch of due comments and have them decided; returns how many were
        claimed."""
        self.ensure_scorer()
        self.heartbeat()
        batch, active = self._claim()
        if active is None:
            return 0
        outcomes = self._score(batch)
        judged = {item.job_id: automation.judge(item.facts, outcomes[item.job_id].scored, active,
                                                self.config.language)
                  for item in batch if outcomes[item.job_id].retry_at is None}
        in_shadow = self._judge_in_shadow(batch, outcomes, active)
        outcomes = self._explain(batch, outcomes, judged)
        with self.database.transaction() as session:
            # Jobs whose lease ran out meanwhile belong to another worker now.
            held = jobs.still_held(session, [item.job_id for item in batch], self.id)
            mine = [item for item in batch if item.job_id in held]
            # Locked, in the order bulk decisions lock: an editor deciding meanwhile waits,
            # and is then decided after the worker, not overwritten by it.
            comments = {c.id: c for c in session.scalars(
                select(Comment).where(Comment.id.in_([item.comment_id for item in mine]))
                .order_by(Comment.id).with_for_update(of=Comment)
                .execution_options(populate_existing=True))}
            now = self.clock()
            done = []
            for item in mine:
                outcome = outcomes[item.job_id]
                if outcome.retry_at is not None:
                    jobs.release(session, [item.job_id], outcome.message, outcome.retry_at)
                    continue
                comment = comments.get(item.comment_id)
                if comment is not None:
                    # The webhook and mail jobs of the decision carry the POST's request id.
                    with request_context(item.request_id):
                        automation.record(session, comment, outcome.scored,
                                          judged[item.job_id], active, now, self._terms)
                        log.info("comment %s scored: %s", comment.public_id, comment.status)
                if comment is not None and comment.erased_at is None \
                        and item.job_id in in_shadow and self.shadow is not None:
                    status, reason_code = in_shadow[item.job_id]
                    model_versions.record_shadow(session, comment, self.shadow.id,
                                                 status or comment.status, reason_code, now)
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
            facts = {row.id: automation.Facts(row.body, row.spam, row.moderation_mode)
                     for row in session.execute(
                         select(Comment.id, Comment.body, Comment.spam, Article.moderation_mode)
                         .join(Article)
                         .where(Comment.id.in_([job.subject_id for job in claimed])))}
            active = active_policies(session, configured(self.config))
            # A comment erased meanwhile has no facts: an empty text, and nothing to decide.
            nothing = automation.Facts("", None, ModerationMode.PRE)
            return [Claimed(job.id, job.subject_id, job.attempts,
                            facts.get(job.subject_id, nothing), job.request_id)
                    for job in claimed], active

    def _score(self, batch: list[Claimed]) -> dict[int, Outcome]:
        """Score the batch outside any transaction; every job gets an outcome."""
        limit = self.config.job_max_attempts
        # A job claimed this often has crashed workers before: do not try it again.
        outcomes = {item.job_id: _unscored(Reason.SCORING_FAILED, text(
                        self.config.language, "gave_up", attempts=item.attempts - 1))
                    for item in batch if item.attempts > limit}
        fresh = [item for item in batch if item.job_id not in outcomes]
        if not fresh:
            return outcomes
        scorer = self.scorer.scorer
        if scorer is None:
            outcomes.update({item.job_id: _unscored(Reason.SCORER_UNAVAILABLE,
                                                    str(self.scorer.error))
                             for item in fresh})
            return outcomes
        started = time.perf_counter()
        try:
            scores = scorer.score([item.facts.body for item in fresh])
        except Exception as error:  # any scorer fault must not lose the batch
            log.exception("scoring failed")
            now = self.clock()
            for item in fresh:
                retry_at = now + RETRY_DELAYS[min(item.attempts, len(RETRY_DELAYS)) - 1] \
                    if item.attempts < limit else None
                outcomes[item.job_id] = Outcome(
                    automation.Scored(None, problem=(Reason.SCORING_FAILED, str(error))),
                    retry_at, f"Scoring failed: {error}")
            return outcomes
        label = f"{scorer.name}@{scorer.version}"
        scoring_duration.labels(label).observe(time.perf_counter() - started)
        scoring_batch_size.labels(label).observe(len(fresh))
        outcomes.update({item.job_id: Outcome(automation.Scored(s, label))
                         for item, s in zip(fresh, scores, strict=True)})
        return outcomes

    def _judge_in_shadow(self, batch: list[Claimed], outcomes: dict[int, Outcome],
                         active: ActivePolicies
                         ) -> dict[int, tuple[CommentStatus | None, str]]:
        """What the live policy would decide with the candidate model's scores, for the
        comments the live model scored. A fault here costs the comparison, never a
        decision."""
        shadow = self.shadow
        scored = [item for item in batch if outcomes[item.job_id].retry_at is None
                  and outcomes[item.job_id].scored.scores is not None]
        if shadow is None or shadow.scorer is None or not scored:
            return {}
        try:
            scores = shadow.scorer.score([item.facts.body for item in scored])
        except Exception:  # the candidate's fault must not touch the live decisions
            log.exception("scoring with the candidate model %s failed", shadow.version)
            return {}
        live_only = ActivePolicies(active.live, active.live_version, None, None)
        label = f"{shadow.scorer.name}@{shadow.scorer.version}"
        decided = {}
        for item, candidate_scores in zip(scored, scores, strict=True):
            decision = automation.judge(item.facts, automation.Scored(candidate_scores, label),
                                        live_only, self.config.language).live
            decided[item.job_id] = (decision.status, decision.reason_code)
        return decided

    def _explain(self, batch: list[Claimed], outcomes: dict[int, Outcome],
                 judged: dict[int, automation.Judgement]) -> dict[int, Outcome]:
        """Add the sentences that scored highest to the comments the policy flagged. An
        explanation that fails leaves the decision standing, without it."""
        flagged = [item for item in batch if item.job_id in judged
                   and judged[item.job_id].live.triggers]
        if not flagged or self.scorer.scorer is None:
            return outcomes
        try:
            hits = explain_sentences(
                self.scorer.scorer, [item.facts.body for item in flagged],
                [outcomes[item.job_id].scored.scores for item in flagged],
                [[t.category for t in judged[item.job_id].live.triggers] for item in flagged])
        except Exception:
            log.exception("explaining the sentences failed")
            return outcomes
        explained = dict(outcomes)
        for item, sentences_of_item in zip(flagged, hits, strict=True):
            scored = outcomes[item.job_id].scored
            explained[item.job_id] = Outcome(automation.Scored(
                scored.scores, scored.scorer, scored.problem, sentences_of_item))
        return explained

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
        with wakeups.Bell(self.database, wakeups.SCORING, stop) as bell:
            run_until(stop, self.run_once, self.config.worker_poll_seconds,
                      f"scoring worker {self.id}", bell)
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
