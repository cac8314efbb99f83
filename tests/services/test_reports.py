"""Readers' reports at the service level: the good-faith rule and how open reports are
counted when address hashes are missing or purged."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from moderation.domain import ReportCategory
from moderation.errors import Invalid
from moderation.models import Comment, Report
from moderation.services import reports
from tests.support.http import post_comment

NOTICE = reports.NewReport(category=ReportCategory.THREAT, good_faith=True,
                           explanation="Droht dem Autor unverhohlen mit Gewalt.")


@pytest.fixture
def comment_id(client, editor) -> str:
    comment_id = post_comment(client).get_json()["id"]
    client.post(f"/v1/moderation/comments/{comment_id}/approve", headers=editor)
    return comment_id


def open_reports(database, comment_id: str) -> int:
    with database.transaction() as session:
        return session.scalar(select(Comment.open_reports)
                              .where(Comment.public_id == comment_id))


def test_a_report_not_made_in_good_faith_is_refused(database, clock, comment_id):
    doubtful = reports.NewReport(category=ReportCategory.OTHER, good_faith=False,
                                 explanation="Einfach so, ohne Grund gemeldet.")
    with database.transaction() as session, pytest.raises(Invalid) as refused:
        reports.report_comment(session, comment_id, doubtful, "203.0.113.7", clock())
    assert "good_faith" in refused.value.errors


def test_reports_without_an_address_hash_count_one_each(database, clock, comment_id):
    with database.transaction() as session:
        for address in ("203.0.113.7", "203.0.113.7", None):
            reports.report_comment(session, comment_id, NOTICE, address, clock())
    assert open_reports(database, comment_id) == 2  # the repeat counts once, no address once

    with database.transaction() as session:  # as the retention purge leaves them
        session.execute(update(Report).values(client_hash=None))
    with database.transaction() as session:
        reports.report_comment(session, comment_id, NOTICE, "198.51.100.1", clock())
    assert open_reports(database, comment_id) == 4
