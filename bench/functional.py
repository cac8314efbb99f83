"""Our German functional test suite, scored through the whole pipeline the service uses: the
scorer, the default live policy (``policies.configured(Config())``) with its word lists, and
``policy.decide`` in auto mode.

    .venv/bin/python bench/functional.py [--scorer compact|detoxify|combined] [--json]

Prints the machine; per functionality the cases, the share decided right (flag cases held or
rejected, pass cases approved), how many were held and rejected; per identity group the
subgroup AUC, BPSN AUC and BNSP AUC on the toxicity score (positives: flag cases) and the
share of neutral and positive mentions held, with the spread between groups. The cases and the
measures live in ``bench/functional/``; ``tests/test_functional_suite.py`` holds the floors.
detoxify is used only from local weights.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.functional.cases import suite  # noqa: E402
from bench.functional.measure import decide_all, held_spread, subgroup_metrics, table  # noqa: E402
from bench.machine import describe  # noqa: E402
from moderation.config import Config  # noqa: E402
from moderation.scoring.base import Scorer, ScorerUnavailable  # noqa: E402
from moderation.scoring.cache import cached_model  # noqa: E402
from moderation.scoring.factory import load_scorer  # noqa: E402
from moderation.services.policies import configured  # noqa: E402


def scorer_named(name: str) -> Scorer:
    """The scorer the service would build for ``MODERATION_SCORER=name``; detoxify only from
    local weights: a benchmark never downloads a model."""
    config = replace(Config.from_env(), scorer=name)
    if name != "compact" and config.detoxify_checkpoint is None and cached_model(
            config.detoxify_model, config.model_cache) is None:
        raise ScorerUnavailable("no local detoxify weights: set MODERATION_DETOXIFY_CHECKPOINT "
                                "or run `moderation model fetch` where there is network")
    return load_scorer(config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scorer", choices=("compact", "detoxify", "combined"),
                        default="compact")
    parser.add_argument("--json", action="store_true", help="Also print the figures as JSON.")
    args = parser.parse_args()

    print(f"Machine: {describe('numpy')}", flush=True)
    try:
        scorer = scorer_named(args.scorer)
    except ScorerUnavailable as error:
        sys.exit(f"{args.scorer} unavailable: {error}")
    settings = configured(Config())
    cases = suite()
    lists = ", ".join(f"{c.name} v{c.version} as {c.kind}" for c in settings.starter) or "none"
    print(f"Scorer: {scorer.name} {scorer.version}; policy: {settings.label} "
          f"({len(settings.banned)} banned, {len(settings.suspect)} suspect entries of its own; "
          f"starter lists: {lists}); {len(cases)} cases\n")
    outcomes = decide_all(cases, scorer, settings)

    rows = table(outcomes)
    print(f"{'functionality':<26}{'expected':>9}{'cases':>7}{'right':>8}{'held':>6}{'rejected':>9}")
    for row in rows:
        print(f"{row.functionality:<26}{row.expected:>9}{row.cases:>7}{row.share:>8.0%}"
              f"{row.held:>6}{row.rejected:>9}")
    right = sum(r.right for r in rows)
    print(f"{'all':<26}{'':>9}{len(outcomes):>7}{right / len(outcomes):>8.0%}\n")

    groups = subgroup_metrics(outcomes)
    print(f"{'group':<14}{'cases':>6}{'subgroup AUC':>14}{'BPSN AUC':>10}{'BNSP AUC':>10}"
          f"{'mentions':>10}{'held':>7}")
    for m in groups:
        print(f"{m.group:<14}{m.cases:>6}{m.subgroup_auc:>14.3f}{m.bpsn_auc:>10.3f}"
              f"{m.bnsp_auc:>10.3f}{m.mentions:>10}{m.held:>7.0%}")
    spread = held_spread(groups)
    print(f"\nHeld share of neutral and positive mentions: spread between groups "
          f"{spread:.0%} (max − min); lowest subgroup / BPSN / BNSP AUC "
          f"{min(m.subgroup_auc for m in groups):.3f} / {min(m.bpsn_auc for m in groups):.3f}"
          f" / {min(m.bnsp_auc for m in groups):.3f}")
    if args.json:
        print(json.dumps({"scorer": f"{scorer.name}@{scorer.version}", "cases": len(outcomes),
                          "functionalities": [{**asdict(r), "share": r.share} for r in rows],
                          "groups": [asdict(m) for m in groups], "held_spread": spread},
                         indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
