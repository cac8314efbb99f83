"""A candidate model with decisions in shadow, for the screens and endpoints that show its
report: comments posted and decided live, then what the candidate would have decided."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import select

from moderation.config import Config
from moderation.db import Database
from moderation.domain import CommentStatus, Reason
from moderation.models import Comment
from moderation.services import model_versions
from moderation.workers.scoring import ScoringWorker
from tests.conftest import FrozenClock
from tests.support.http import submit_comment


def install_candidate(database: Database, trained: Path, config: Config, clock: FrozenClock,
                      note: str | None = None) -> tuple[int, str]:
    """The tiny model in ``trained`` installed as the candidate: its id and version."""
    with database.transaction() as session:
        row = model_versions.install(session, trained, config, actor="cli", note=note,
                                     now=clock())
        return row.id, row.version


def decided_in_shadow(client: FlaskClient, database: Database, worker: ScoringWorker,
                      clock: FrozenClock, candidate_id: int,
                      decisions: list[tuple[str, CommentStatus]]) -> list[str]:
    """Post each text, let ``worker`` decide it live, and note the candidate's decision
    beside. The comments' public ids, in order."""
    posted = [submit_comment(client, text)["id"] for text, _ in decisions]
    worker.run_once()
    with database.transaction() as session:
        for public_id, (_, status) in zip(posted, decisions, strict=True):
            comment = session.scalar(select(Comment).where(Comment.public_id == public_id))
            reason = (Reason.SCORE_ABOVE_REJECT if status == CommentStatus.REJECTED
                      else Reason.SCORE_BELOW_THRESHOLDS)
            model_versions.record_shadow(session, comment, candidate_id, status, reason,
                                         clock())
    return posted
