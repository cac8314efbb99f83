"""The editor's side: one comment with its record, and decisions on comments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from moderation.domain import CommentStatus, Reason
from moderation.errors import NotFound
from moderation.models import Comment
from moderation.services import appeals, decisions
from moderation.statements import Ground, PublisherTerms

Action = Literal["approve", "reject"]
TARGET: dict[str, CommentStatus] = {
    "approve": CommentStatus.APPROVED,
    "reject": CommentStatus.REJECTED,
}


def get_comment(session: Session, public_id: str, *, for_update: bool = False) -> Comment:
    """A comment with its moderation history, its readers' reports and its appeal;
    ``for_update`` locks its row first, for a decision that depends on what is read."""
    query = select(Comment).where(Comment.public_id == public_id).options(
        selectinload(Comment.events), selectinload(Comment.reports),
        selectinload(Comment.appeal))
    if for_update:
        query = query.with_for_update(of=Comment).execution_options(populate_existing=True)
    comment = session.scalar(query)
    if comment is None:
        raise NotFound(f"No comment with the id {public_id!r}.")
    return comment


def decide(session: Session, public_id: str, action: Action, editor: decisions.Decider, *,
           reason_code: str | None, reason: str | None, now: datetime,
           terms: PublisherTerms, ground: Ground | None = None) -> Comment:
    """An editor approves or rejects a comment, whatever its status. A rejection states its
    reasons on ``ground`` (default: the publisher's ``terms``); a decision on a comment under
    appeal decides the appeal.

    Idempotent: deciding what already stands changes no status and records no event (open
    reports on it are still answered).
    """
    # Locked: an appeal or a report arriving meanwhile is decided with it, not left open.
    comment = get_comment(session, public_id, for_update=True)
    decisions.apply(comment, _change(action, reason_code, reason, ground),
                    editor, now, terms=terms)
    return comment


def _change(action: Action, reason_code: str | None, reason: str | None,
            ground: Ground | None) -> decisions.Change:
    return decisions.Change(TARGET[action], reason_code or Reason.EDITOR_DECISION, reason,
                            ground=ground)


@dataclass(frozen=True)
class BulkResult:
    id: str
    outcome: Literal["changed", "unchanged", "not_found", "refused"]
    status: CommentStatus | None


def decide_many(session: Session, public_ids: list[str], action: Action,
                editor: decisions.Decider, *,
                reason_code: str | None, reason: str | None, now: datetime,
                terms: PublisherTerms, ground: Ground | None = None) -> list[BulkResult]:
    """Apply one decision to many comments in one transaction; unknown ids are reported, and
    so are appeals this editor may not decide and erased comments (``refused``: left as they
    are)."""
    # Locked in one order, so that two bulk decisions cannot deadlock.
    found = {c.public_id: c for c in session.scalars(
        select(Comment).where(Comment.public_id.in_(public_ids))
        .options(selectinload(Comment.events)).order_by(Comment.id)
        .with_for_update(of=Comment).execution_options(populate_existing=True))}
    change = _change(action, reason_code, reason, ground)
    results = []
    for public_id in dict.fromkeys(public_ids):  # each id once, in the order given
        comment = found.get(public_id)
        if comment is None:
            results.append(BulkResult(public_id, "not_found", None))
            continue
        try:
            changed = decisions.apply(comment, change, editor, now, terms=terms)
        except (appeals.NeedsOtherEditor, decisions.CommentErased):
            results.append(BulkResult(public_id, "refused", comment.status))
            continue
        results.append(BulkResult(public_id, "changed" if changed else "unchanged",
                                  comment.status))
    return results
