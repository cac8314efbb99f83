"""Finding a reader before an export or an erasure: what is stored, counted, audited by id
and counts only."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from moderation.domain import CommentStatus
from moderation.errors import Invalid
from moderation.models import AuditEvent
from moderation.services import privacy
from tests.support.records import add_appeal, add_comment, add_report

EMAIL = "Grete.Grünwald@Example.de"


def test_the_lookup_counts_comments_appeals_and_reports_in_any_spelling(database, clock):
    with database.transaction() as session:
        first = add_comment(session, clock() - timedelta(days=3), author_email=EMAIL)
        rejected = add_comment(session, clock(), author_email="grete.grünwald@example.de",
                               status=CommentStatus.REJECTED)
        add_appeal(session, rejected, clock())
        other = add_comment(session, clock(), author_email="otto@example.de")
        add_report(session, other, clock(), reporter_email=EMAIL.upper())
        first_at = first.created_at

    with database.transaction() as session:
        found = privacy.lookup(session, "GRETE.GRÜNWALD@example.de", actor="user:a@z.de",
                               now=clock())

    assert (found.comments, found.appeals, found.reports) == (2, 1, 1)
    assert (found.first_comment_at, found.last_comment_at) == (first_at, clock())
    assert found.found
    with database.transaction() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "privacy.looked_up")).one()
        assert (event.actor, event.target) == ("user:a@z.de", f"request:{found.request_id}")
        assert event.details == {"request_id": found.request_id, "identified_by": ["email"],
                                 "comments": 2, "appeals": 1, "reports": 1}
        assert "grünwald" not in json.dumps(event.details, ensure_ascii=False).lower()


def test_erased_comments_are_found_no_more(database, clock):
    with database.transaction() as session:
        add_comment(session, clock(), author_email=EMAIL, token="mein-token")
        privacy.erase_author(session, EMAIL, actor="cli", now=clock())

    with database.transaction() as session:
        by_email = privacy.lookup(session, EMAIL, actor="cli", now=clock())
        by_token = privacy.lookup(session, author_tokens=["mein-token"], actor="cli",
                                  now=clock())

    assert not by_email.found and not by_token.found


def test_nobody_named_is_refused(database, clock):
    with pytest.raises(Invalid), database.transaction() as session:
        privacy.lookup(session, None, actor="cli", now=clock())
