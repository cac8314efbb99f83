"""The scoring worker with a fetched transformer beside compact-de (MODERATION_SCORER=auto):
the comment's decision records the combined scorer, the transformer's version included."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from moderation.config import Config
from moderation.db import Database
from moderation.models import Comment, ModerationEvent
from moderation.scoring.factory import load_scorer
from moderation.scoring.transformer import TransformerScorer
from moderation.scoring.transformer_cache import cached_transformer
from moderation.workers.scoring import ScoringWorker
from tests.support.http import post_comment
from tests.support.tolerance import SCORE_TOLERANCE


def test_auto_scores_a_comment_with_compact_de_and_the_transformer(
        client, database: Database, config: Config, clock, tiny_cache: Path) -> None:
    configured = config.replace(scorer="auto", transformer_model="gbert", model_cache=tiny_cache)
    worker = ScoringWorker(database, configured, load_scorer, clock)
    body = "Grüße aus München – danke für den Artikel über die Größe der Städte!"
    comment = post_comment(client, body).get_json()["id"]

    assert worker.run_once() == 1

    fetched = cached_transformer("gbert", tiny_cache)
    assert fetched is not None
    transformer = TransformerScorer(fetched.folder, fetched.labels, fetched.activation,
                                    name="gbert")
    scorer = worker.scorer.scorer
    assert scorer is not None and scorer.name == "max(compact-de,hf:gbert)"
    with database.transaction() as session:
        row = session.scalar(select(Comment).where(Comment.public_id == comment))
        assert row.scored_by == f"{scorer.name}@{scorer.version}"
        assert row.scored_by.startswith("max(compact-de,hf:gbert)@compact-de=")
        assert row.scored_by.endswith(f"+hf:gbert={transformer.version}")
        [alone] = transformer.score([body])
        assert row.scores["toxicity"] >= alone["toxicity"] - SCORE_TOLERANCE
        assert row.status.value in {"approved", "review", "rejected"}
        event = session.scalars(select(ModerationEvent)
                                .where(ModerationEvent.comment_id == row.id)
                                .order_by(ModerationEvent.id)).all()[-1]
        assert event.details["model"] == "max(compact-de,hf:gbert)"
        assert event.details["model_version"] == scorer.version


def test_eval_scores_with_the_transformer_alone(tiny_cache, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from moderation.training.commands import make_eval_command

    data = tmp_path / "beispiele.csv"
    data.write_text("text,label\nDu Idiot!,1\nDanke für den Überblick.,0\n", encoding="utf-8")
    monkeypatch.setenv("MODERATION_MODEL_CACHE", str(tiny_cache))
    monkeypatch.setenv("MODERATION_TRANSFORMER_MODEL", "gbert")

    result = CliRunner().invoke(make_eval_command(), ["--data", str(data), "--split", "",
                                                      "--scorer", "transformer"])

    assert result.exit_code == 0, result.output
    assert "hf:gbert@" in result.output
