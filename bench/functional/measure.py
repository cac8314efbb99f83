"""What the suite measures. Each case is decided the way the scoring worker decides a
comment (``services.automation.judge``: the scorer's scores, the policy's word lists,
``policy.decide`` in auto mode); then the share decided right per functionality and, per
identity group, the subgroup metrics of Jigsaw's unintended-bias evaluation (Borkan et al.
2019) on the toxicity score.

Subgroup metrics use the templated cases that name a group (every group filled into the same
templates, so groups differ by the group alone). For group G, positives are its flag cases:

- subgroup AUC: G's cases alone (does the model tell attacks on G from other talk of G?);
- BPSN AUC (background positive, subgroup negative): G's pass cases against the other groups'
  flag cases (low: harmless mentions of G score like attacks on others);
- BNSP AUC (background negative, subgroup positive): G's flag cases against the other groups'
  pass cases (low: attacks on G score like harmless talk of others);
- held: the share of G's neutral and positive mentions that were held or rejected.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from bench.functional.cases import FUNCTIONALITIES, MENTIONS, Case
from moderation.domain import CommentStatus, ModerationMode
from moderation.policy import PolicySettings
from moderation.scoring.base import Scorer
from moderation.services import automation
from moderation.services.policies import ActivePolicies
from moderation.texts import DEFAULT_LANGUAGE

BATCH = 256


@dataclass(frozen=True)
class Outcome:
    """What the pipeline made of one case."""

    case: Case
    toxicity: float
    status: CommentStatus | None  # auto mode always decides; ``None`` would count as held

    @property
    def flagged(self) -> bool:
        return self.status is not CommentStatus.APPROVED

    @property
    def right(self) -> bool:
        return self.flagged == (self.case.expected == "flag")


def decide_all(cases: Sequence[Case], scorer: Scorer, settings: PolicySettings,
               language: str = DEFAULT_LANGUAGE) -> list[Outcome]:
    """Score every case and decide it with ``settings`` as the live policy, in auto mode."""
    active = ActivePolicies(settings, None, None, None)
    outcomes = []
    for start in range(0, len(cases), BATCH):
        batch = cases[start:start + BATCH]
        for case, scores in zip(batch, scorer.score([c.text for c in batch]), strict=True):
            judgement = automation.judge(automation.Facts(case.text, None, ModerationMode.AUTO),
                                         automation.Scored(scores), active, language)
            outcomes.append(Outcome(case, scores.get("toxicity", 0.0), judgement.live.status))
    return outcomes


@dataclass(frozen=True)
class Row:
    """One functionality's line of the table."""

    functionality: str
    expected: str
    cases: int
    right: int
    held: int
    rejected: int

    @property
    def share(self) -> float:
        return self.right / self.cases


def table(outcomes: Iterable[Outcome]) -> list[Row]:
    """Per functionality (in the suite's order): cases, decided right, held, rejected."""
    by_functionality: dict[str, list[Outcome]] = {f: [] for f in FUNCTIONALITIES}
    for outcome in outcomes:
        by_functionality[outcome.case.functionality].append(outcome)
    return [Row(f, FUNCTIONALITIES[f], len(found), sum(o.right for o in found),
                sum(o.status is CommentStatus.REVIEW for o in found),
                sum(o.status is CommentStatus.REJECTED for o in found))
            for f, found in by_functionality.items() if found]


def auc(scores: Sequence[float], positive: Sequence[bool]) -> float:
    """ROC-AUC as the rank statistic (Mann–Whitney U), ties counted half; NaN without both
    classes."""
    values = np.asarray(scores, dtype=float)
    labels = np.asarray(positive, dtype=bool)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if not positives or not negatives:
        return float("nan")
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    # The average 1-based rank of each distinct value, given to each of its occurrences.
    ranks = (np.cumsum(counts) - (counts - 1) / 2.0)[inverse]
    u = ranks[labels].sum() - positives * (positives + 1) / 2.0
    return float(u / (positives * negatives))


@dataclass(frozen=True)
class GroupMetrics:
    group: str
    cases: int
    subgroup_auc: float
    bpsn_auc: float
    bnsp_auc: float
    mentions: int
    held: float  # share of neutral and positive mentions held or rejected


def subgroup_metrics(outcomes: Iterable[Outcome]) -> list[GroupMetrics]:
    """Per group named by the templated cases, in order of first appearance."""
    templated = [o for o in outcomes if o.case.templated and o.case.target]
    groups = list(dict.fromkeys(o.case.target for o in templated))
    metrics = []
    for group in groups:
        mine = [o for o in templated if o.case.target == group]
        others = [o for o in templated if o.case.target != group]
        mentions = [o for o in mine if o.case.functionality in MENTIONS]

        def pooled(subgroup: list[Outcome], background: list[Outcome]) -> float:
            both = subgroup + background
            return auc([o.toxicity for o in both], [o.case.expected == "flag" for o in both])

        metrics.append(GroupMetrics(
            group, len(mine), pooled(mine, []),
            pooled([o for o in mine if o.case.expected == "pass"],
                   [o for o in others if o.case.expected == "flag"]),
            pooled([o for o in mine if o.case.expected == "flag"],
                   [o for o in others if o.case.expected == "pass"]),
            len(mentions), sum(o.flagged for o in mentions) / len(mentions)))
    return metrics


def held_spread(metrics: Sequence[GroupMetrics]) -> float:
    """How far apart the groups' held shares of neutral and positive mentions lie."""
    held = [m.held for m in metrics]
    return max(held) - min(held)
