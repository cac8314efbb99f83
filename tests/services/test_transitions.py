"""The one place a comment changes status."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from moderation.domain import CommentStatus
from moderation.models import Comment
from moderation.services.transitions import change_status

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def test_a_rejection_must_come_with_its_statement_of_reasons():
    with pytest.raises(ValueError, match="statement of reasons"):
        change_status(Comment(), CommentStatus.REJECTED, reason_code="banned_word",
                      reason=None, now=NOW)


def test_only_a_rejection_comes_with_a_statement_of_reasons():
    with pytest.raises(ValueError, match="statement of reasons"):
        change_status(Comment(), CommentStatus.APPROVED, reason_code="editor_decision",
                      reason=None, now=NOW, statement={"measure": "removal"})
