"""What an editor reads around a comment, and what arrived in a queue view since a moment:
service rules without HTTP."""

from __future__ import annotations

from datetime import timedelta

from moderation.domain import CommentStatus
from moderation.services import queue, surroundings
from tests.support.records import add_appeal, add_comment, add_report

REVIEW = CommentStatus.REVIEW


def test_the_thread_is_the_parent_and_the_direct_replies_oldest_first(database, clock):
    with database.transaction() as session:
        parent = add_comment(session, clock(), body="Oben")
        comment = add_comment(session, clock(), body="Mitte", parent=parent)
        clock.advance(seconds=2)
        later = add_comment(session, clock(), body="Später", parent=comment)
        clock.advance(seconds=-1)
        earlier = add_comment(session, clock(), body="Früher", parent=comment,
                              status=CommentStatus.REJECTED)
        add_comment(session, clock(), body="Enkel", parent=later)

        thread = surroundings.thread_around(session, comment)

        assert thread.parent is parent
        assert [reply.body for reply in thread.replies] == [earlier.body, later.body]
        assert not thread.more_replies
        assert surroundings.thread_around(session, parent).replies == [comment]


def test_the_authors_other_comments_are_found_by_the_normalised_email(database, clock):
    with database.transaction() as session:
        comment = add_comment(session, clock(), author_email="Kalle.Grosse@Web.de")
        clock.advance(seconds=1)
        same = add_comment(session, clock(), author_email="kalle.grosse@web.de",
                           article_key="bahnstreik", status=CommentStatus.REJECTED)
        add_comment(session, clock(), author_email="olaf@web.de")
        anonymous = add_comment(session, clock())

        assert surroundings.authors_comments(session, comment).comments == [same]
        assert surroundings.authors_comments(session, same).comments == [comment]
        assert surroundings.authors_comments(session, anonymous).comments == []


def test_open_reports_are_grouped_per_comment_in_one_query(database, clock):
    with database.transaction() as session:
        reported = add_comment(session, clock())
        plain = add_comment(session, clock())
        first = add_report(session, reported, clock(), explanation="Eins")
        add_report(session, reported, clock(), explanation="Erledigt").status = "dismissed"
        second = add_report(session, reported, clock(), explanation="Zwei")
        session.flush()

        found = surroundings.open_reports(session, [reported, plain])

        assert found == {reported.id: [first, second], plain.id: []}
        assert surroundings.open_reports(session, []) == {}


def test_arrivals_count_what_came_into_each_view_after_the_moment(database, clock):
    with database.transaction() as session:
        add_comment(session, clock(), status=REVIEW)
        appealed_before = add_comment(session, clock(), status=REVIEW)
        add_appeal(session, appealed_before, clock())
        since = clock()
        clock.advance(seconds=1)
        add_comment(session, clock(), status=REVIEW)
        add_comment(session, clock(), status=REVIEW, article_key="bahnstreik")
        add_comment(session, clock(), status=CommentStatus.APPROVED)
        reported = add_comment(session, clock() - timedelta(days=1))
        add_report(session, reported, clock())
        reported.open_reports = 1
        add_appeal(session, add_comment(session, clock(), status=REVIEW), clock())
        session.flush()

        def arrived(view: str, **which) -> int:
            return queue.arrived(session, view, queue.QueueFilter(**which), since)

        assert arrived("review") == 3
        assert arrived("review", article_key="bahnstreik") == 1
        assert arrived("reported") == 1
        assert arrived("appealed") == 1
        assert arrived("all") == 4  # written since: not the reported one of yesterday
        assert arrived("review", text="nichts dergleichen") == 0
