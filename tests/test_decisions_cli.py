"""`moderation decisions export`: the editors' decisions as a CSV for `moderation model
train`, on the audit log."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from moderation import migrate
from moderation.cli import main
from moderation.db import Database
from moderation.domain import CommentStatus, Reason
from moderation.models import AuditEvent
from moderation.services import decisions
from moderation.services.actors import Decider
from moderation.statements import PublisherTerms
from moderation.training.data import Columns, read_rows
from tests.conftest import FrozenClock
from tests.support.records import add_comment


def test_the_export_writes_training_data_and_is_audited(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'entscheidungen.db'}"
    migrate.upgrade(url)
    clock = FrozenClock()
    with Database(url) as database, database.transaction() as session:
        for body, status in [("Sehr gut recherchiert.", CommentStatus.APPROVED),
                             ("Ihr Lügenpresse-Schreiberlinge!", CommentStatus.REJECTED)]:
            comment = add_comment(session, clock(), body=body, status=CommentStatus.REVIEW)
            decisions.apply(comment, decisions.Change(status, Reason.EDITOR_DECISION),
                            Decider.user("anna@zeitung.de"), clock(),
                            terms=PublisherTerms("Kommentarrichtlinien", None, 183))
            clock.advance(minutes=1)
    out = tmp_path / "entscheidungen.csv"

    result = CliRunner().invoke(main, ["decisions", "export", "--holdout", "0.5",
                                                 "--out", str(out)],
                                env={"MODERATION_DATABASE_URL": url})

    assert result.exit_code == 0, result.output
    assert "2 decisions exported" in result.stderr
    rows = list(read_rows(out, Columns()))
    assert [(r.text, r.label, r.split) for r in rows] == [
        ("Sehr gut recherchiert.", 0, "train"), ("Ihr Lügenpresse-Schreiberlinge!", 1, "test")]
    with Database(url) as database, database.transaction() as session:
        assert session.scalars(select(AuditEvent.actor).where(
            AuditEvent.action == "decisions.exported")).all() == ["cli"]

    refused = CliRunner().invoke(main, ["decisions", "export", "--holdout", "1"],
                                 env={"MODERATION_DATABASE_URL": url})
    assert refused.exit_code == 2 and "holdout" in refused.stderr

