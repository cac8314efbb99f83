"""How well a scorer and a policy moderate a publisher's labelled comments.

The scorer's ``toxicity`` probability is judged as a ranking (ROC-AUC) and as a decision at
the policy's review threshold for ``toxicity`` (a comment at or above it counts as flagged
toxic: precision, recall, macro-F1). The policy (``moderation.policy.decide`` in ``auto`` mode,
with links counted and the settings' word lists matched, as the scoring worker does) then says
what would have happened to each comment: approved, held for review or rejected, and how many
toxic comments would have been published without an editor seeing them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np

from moderation.domain import CommentStatus, ModerationMode
from moderation.policy import PolicySettings
from moderation.scoring.base import Scorer
from moderation.services import automation
from moderation.services.policies import ActivePolicies
from moderation.texts import DEFAULT_LANGUAGE
from moderation.training import metrics
from moderation.training.data import DataError, LabelledText

CATEGORY = "toxicity"
BATCH = 256


@dataclass(frozen=True)
class Evaluation:
    """The figures of one evaluation run."""

    scorer: str
    policy: str
    rows: int
    toxic: int
    roc_auc: float
    cut_off: float
    macro_f1: float
    precision: float
    recall: float
    approved: int
    review: int
    rejected: int
    toxic_published: int

    def as_dict(self) -> dict[str, Any]:
        share = (lambda n: round(n / self.rows, 4)) if self.rows else (lambda n: 0.0)
        return {
            "scorer": self.scorer, "policy": self.policy, "rows": self.rows,
            "toxic": self.toxic, "roc_auc": _round(self.roc_auc), "cut_off": self.cut_off,
            "macro_f1": _round(self.macro_f1), "precision": _round(self.precision),
            "recall": _round(self.recall),
            "approved": self.approved, "review": self.review, "rejected": self.rejected,
            "approved_share": share(self.approved), "review_share": share(self.review),
            "rejected_share": share(self.rejected), "toxic_published": self.toxic_published,
        }


def _round(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 4)


def _batches(rows: Iterable[LabelledText], size: int) -> Iterator[list[LabelledText]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def evaluate(rows: Iterable[LabelledText], scorer: Scorer,
             settings: PolicySettings | None = None, *, batch_size: int = BATCH) -> Evaluation:
    """Score ``rows`` in batches (a large file is never held in memory as text) and apply the
    policy to each; raises ``DataError`` on no rows or a scorer without ``toxicity``."""
    settings = settings or PolicySettings()
    if CATEGORY not in settings.thresholds:
        raise DataError(f"the policy has no threshold for {CATEGORY!r}")
    cut_off = settings.thresholds[CATEGORY].review
    # The scoring worker's own path: word lists (starter lists too), targets, the policy.
    active = ActivePolicies(settings, None, None, None)
    labels: list[int] = []
    scores: list[float] = []
    counts = {CommentStatus.APPROVED: 0, CommentStatus.REVIEW: 0, CommentStatus.REJECTED: 0}
    toxic_published = 0
    for batch in _batches(rows, batch_size):
        scored = scorer.score([r.text for r in batch])
        for row, row_scores in zip(batch, scored, strict=True):
            if CATEGORY not in row_scores:
                raise DataError(f"scorer {scorer.name} gives no {CATEGORY!r} score")
            status = automation.judge(automation.Facts(row.text, None, ModerationMode.AUTO),
                                      automation.Scored(row_scores), active,
                                      DEFAULT_LANGUAGE).live.status
            assert status is not None  # auto mode always decides
            counts[status] += 1
            toxic_published += row.label == 1 and status is CommentStatus.APPROVED
            labels.append(row.label)
            scores.append(float(row_scores[CATEGORY]))
    if not labels:
        raise DataError("no rows to evaluate (check --split and the file)")
    y, s = np.asarray(labels), np.asarray(scores)
    decided = metrics.binary_figures(y, s >= cut_off)
    return Evaluation(
        scorer=f"{scorer.name}@{scorer.version}", policy=settings.label, rows=len(y),
        toxic=int(y.sum()), roc_auc=metrics.roc_auc(y, s), cut_off=cut_off,
        macro_f1=decided["macro_f1"], precision=decided["precision"],
        recall=decided["recall"], approved=counts[CommentStatus.APPROVED],
        review=counts[CommentStatus.REVIEW], rejected=counts[CommentStatus.REJECTED],
        toxic_published=toxic_published)


def format_report(evaluation: Evaluation) -> str:
    """The figures as an editor reads them."""
    d = evaluation.as_dict()

    def figure(value: float | None) -> str:
        return "n/a (one class only)" if value is None else f"{value:.3f}"

    return "\n".join([
        f"scorer      {d['scorer']}",
        f"policy      {d['policy']}",
        f"comments    {d['rows']} ({d['toxic']} labelled toxic)",
        f"ROC-AUC     {figure(d['roc_auc'])}  (toxicity)",
        f"cut-off     toxicity ≥ {d['cut_off']:.2f} (the policy's review threshold)",
        f"macro-F1    {figure(d['macro_f1'])}",
        f"precision   {figure(d['precision'])}  (toxic class)",
        f"recall      {figure(d['recall'])}  (toxic class)",
        f"approved    {d['approved']} ({d['approved_share']:.1%})",
        f"held        {d['review']} ({d['review_share']:.1%}) for review",
        f"rejected    {d['rejected']} ({d['rejected_share']:.1%})",
        f"toxic comments published automatically: {d['toxic_published']} of {d['toxic']}",
    ])
