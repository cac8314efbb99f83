"""The demo data the screens are tested and photographed with fills every working view."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from moderation.db import Database
from moderation.domain import CommentStatus, Reason
from moderation.models import Comment
from moderation.services import queue
from tests.browser.demo import Demo

pytestmark = pytest.mark.browser


def test_every_working_view_has_comments_and_nothing_waits_for_the_scorer(
        service_database: str, demo_data: Demo) -> None:
    with Database(service_database) as database, database.transaction() as session:
        counts = queue.counts(session, queue.QueueFilter())
        held_before_publication = session.scalars(select(Comment.public_id).where(
            Comment.status == CommentStatus.REVIEW,
            Comment.status_reason_code == Reason.PRE_MODERATION)).all()

    assert counts["pending"] == 0
    assert counts["reported"] == len(demo_data.reported) == 2
    assert counts["appealed"] == len(demo_data.appealed) == 1
    assert len(held_before_publication) == 3
    # the pre-moderated three, the appeal, and whatever the compact model holds
    assert counts["review"] >= 4
