"""Training a site model on the editors' decisions (``moderation model train
--from-decisions``): the decisions become one more labelled file, the newest of them are held
out, the trained model is judged on those beside the model that scores now, and it is
installed as the candidate. Promotion stays an admin's act (``moderation model promote``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from moderation.clock import utcnow
from moderation.config import Config
from moderation.db import Database
from moderation.scoring.compact import CompactScorer
from moderation.scoring.factory import load_scorer
from moderation.services import audit, decision_data, model_versions
from moderation.services.decision_data import DECISIONS_FILE
from moderation.training.data import Columns, DataError, read_rows
from moderation.training.evaluation import evaluate

HELD_OUT = "test"


def write_decisions(config: Config, folder: Path, *, since: datetime | None,
                    holdout: float) -> tuple[Path, list[int]]:
    """The editors' decisions as a CSV in ``folder`` (audited as an export), and the ids of
    their comments; raises ``DataError`` when there are none to learn from."""
    path = folder / DECISIONS_FILE
    with Database(config.database_url) as database, database.transaction() as session, \
            path.open("w", encoding="utf-8", newline="") as out:
        comments = decision_data.export(session, out, since=since, holdout=holdout,
                                        actor=audit.CLI, now=utcnow())
    if not comments:
        raise DataError("no editors' decisions to learn from (since the date given)")
    return path, comments


def held_out_figures(config: Config, decisions: Path, model: Path) -> dict[str, Any]:
    """The new model and the one scoring now, each on the held-out newest decisions."""
    def on_held_out(scorer: Any) -> dict[str, Any]:
        rows = read_rows(decisions, Columns(), frozenset({HELD_OUT}))
        return evaluate(rows, scorer).as_dict()

    with Database(config.database_url) as database, database.transaction() as session:
        live = model_versions.live_model(session)
    current = load_scorer(config.replace(compact_model=live.path) if live else config)
    return {"rows": sum(1 for _ in read_rows(decisions, Columns(), frozenset({HELD_OUT}))),
            "candidate": on_held_out(CompactScorer(model)), "current": on_held_out(current)}


def install_candidate(config: Config, model: Path, note: str, comments: list[int]) -> str:
    """Register the trained model as the candidate, with the comments it learnt from;
    returns its version."""
    with Database(config.database_url) as database, database.transaction() as session:
        return model_versions.install(session, model, config, actor=audit.CLI, note=note,
                                      now=utcnow(), trained_on=comments).version
