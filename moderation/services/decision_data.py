"""The editors' decisions as labelled training data: what a site model learns from.

Only a person's decision counts (an editor approved or rejected the comment; automation's
decisions would teach the model what it already thinks), and only text and label leave the
database: no name, email, address or id. Erased comments have no text and are left out; a
comment under appeal is left out until an editor decided again. The most recent decisions
are held out as the ``test`` split: a model trained on the older ones is judged on what the
newsroom decides now.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.domain import CommentStatus, Reason
from moderation.errors import Invalid
from moderation.models import Comment
from moderation.services import audit

# The CSV columns, as `moderation model train --data` reads them.
COLUMNS = ("text", "label", "split", "fine_label", "decided_at")
# What trainings call the exported decisions among their data files (manifests name it).
DECISIONS_FILE = "entscheidungen.csv"
LABELS = {CommentStatus.APPROVED: 0, CommentStatus.REJECTED: 1}


@dataclass(frozen=True)
class Decided:
    """One comment an editor decided: its text, 1 for rejected, the editor's reason code
    for a rejection (the fine label), and when."""

    text: str
    label: int
    fine_label: str
    decided_at: datetime
    split: str = "train"
    comment_id: int = 0  # kept in the database, never written out


def decided_comments(session: Session, *, since: datetime | None = None,
                     holdout: float = 0.2) -> list[Decided]:
    """The comments an editor approved or rejected (since ``since``), oldest first; the
    newest ``holdout`` share is the ``test`` split."""
    if not 0 <= holdout < 1:
        raise Invalid("The held-out share must be at least 0 and below 1.", code="invalid_holdout",
                      errors={"holdout": ["From 0 to below 1."]})
    query = (select(Comment.body, Comment.status, Comment.status_reason_code,
                    Comment.editor_decided_at, Comment.id)
             .where(Comment.editor_decided_at.is_not(None), Comment.erased_at.is_(None),
                    Comment.status.in_(list(LABELS)))
             .order_by(Comment.editor_decided_at, Comment.id))
    if since is not None:
        query = query.where(Comment.editor_decided_at >= since)
    rows = [Decided(body, LABELS[status], _fine_label(status, reason), decided_at,
                    comment_id=comment_id)
            for body, status, reason, decided_at, comment_id in session.execute(query)]
    held = math.floor(len(rows) * holdout)
    return [*rows[:len(rows) - held],
            *(replace(row, split="test") for row in rows[len(rows) - held:])]


def export(session: Session, out: TextIO, *, since: datetime | None, holdout: float,
           actor: str, api_key_id: int | None = None, now: datetime) -> list[int]:
    """Write the decided comments as CSV to ``out``; an admin's act on the audit log (the
    log notes how many and from when, never a text). Returns the comments' ids (for the
    model trained on them), in the file's order."""
    rows = decided_comments(session, since=since, holdout=holdout)
    write_csv(out, rows)
    audit.record(session, "decisions.exported", actor=actor, api_key_id=api_key_id, now=now,
                 details={"since": since.isoformat() if since else None, "rows": len(rows),
                          "rejected": sum(row.label for row in rows), "holdout": holdout})
    return [row.comment_id for row in rows]


def _fine_label(status: CommentStatus, reason_code: str) -> str:
    """The newsroom's reason for a rejection (insult, threat …), where the editor gave one."""
    if status is not CommentStatus.REJECTED or reason_code == Reason.EDITOR_DECISION:
        return ""
    return reason_code


def write_csv(out: TextIO, rows: Iterable[Decided]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.text, row.label, row.split, row.fine_label,
                         row.decided_at.isoformat()])
