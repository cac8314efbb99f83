"""Comment counts for count.js: what counts as a published comment."""

from __future__ import annotations

from moderation.domain import CommentStatus
from moderation.services import counts
from tests.support.records import ARTICLE_KEY, add_comment


def test_approved_comments_and_their_replies_count_nothing_else(database, clock):
    with database.transaction() as session:
        first = add_comment(session, clock(), body="Grüße aus München")
        add_comment(session, clock(), body="Danke für die Größe!", parent=first)
        add_comment(session, clock(), status=CommentStatus.REVIEW)
        add_comment(session, clock(), status=CommentStatus.REJECTED)
        add_comment(session, clock(), erased_at=clock(), body="", author_name="")
        add_comment(session, clock(), article_key="bahnstreik-2026")

    with database.transaction() as session:
        found = counts.comment_counts(session, [ARTICLE_KEY, "bahnstreik-2026", "unbekannt"])

    assert found == {ARTICLE_KEY: 2, "bahnstreik-2026": 1, "unbekannt": 0}


def test_revisions_name_only_known_articles(database, clock):
    with database.transaction() as session:
        add_comment(session, clock())

    with database.transaction() as session:
        assert set(counts.revisions(session, [ARTICLE_KEY, "unbekannt"])) == {ARTICLE_KEY}
