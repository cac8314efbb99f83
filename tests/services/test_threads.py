"""The public thread at the service level: how many replies a page carries, what it counts,
and how the replies it leaves out are read."""

from __future__ import annotations

from datetime import timedelta

import pytest

from moderation.domain import CommentStatus
from moderation.errors import Invalid, NotFound
from moderation.services import threads
from tests.support.queries import counted_queries
from tests.support.records import ARTICLE_KEY, add_comment, comment_by_id


def thread_page(database, **query):
    query = {"cursor": None, "limit": 50, "replies": 3, "newest_first": False, **query}
    with database.transaction() as session:
        return threads.public_thread_page(session, ARTICLE_KEY, **query)


def replies_page(database, comment_id: str, cursor: str | None = None, limit: int = 50,
                 article_key: str = ARTICLE_KEY):
    with database.transaction() as session:
        return threads.public_replies_page(session, article_key, comment_id, cursor=cursor,
                                           limit=limit)


def all_replies(database, comment_id: str, cursor: str | None, limit: int) -> list[str]:
    """Every reply read page by page, as a widget's "more replies" link does."""
    ids = []
    while True:
        page = replies_page(database, comment_id, cursor, limit)
        assert len(page.comments) <= limit
        ids += [c.public_id for c in page.comments]
        if page.next_cursor is None:
            assert page.more_replies == 0
            return ids
        cursor = page.next_cursor


@pytest.fixture
def discussion(database, clock):
    """A top-level comment with seven replies, some of them nested, in thread order:
    a, a1, a1x, a2, b, c, c1 (a1x answers a1, c1 answers c)."""
    made = {}
    with database.transaction() as session:
        def add(name, parent=None, status=CommentStatus.APPROVED):
            clock.advance(minutes=1)
            made[name] = add_comment(session, clock(), body=f"Kommentar {name}",
                                     parent=made.get(parent), status=status)

        add("root")
        add("a", "root")
        add("b", "root")
        add("a1", "a")
        add("c", "root")
        add("a2", "a")
        add("a1x", "a1")
        add("c1", "c")
        return {name: comment.public_id for name, comment in made.items()}


def names(discussion, comments) -> list[str]:
    by_id = {public_id: name for name, public_id in discussion.items()}
    return [by_id[c.public_id] for c in comments]


def test_a_page_shows_the_first_replies_in_thread_order_and_counts_the_rest(database,
                                                                           discussion):
    page = thread_page(database)
    assert names(discussion, page.comments) == ["root", "a", "a1", "a1x"]
    root = page.comments[0]
    assert (root.reply_count, root.more_replies) == (7, 4)
    assert [c.reply_count for c in page.comments[1:]] == [None, None, None]
    assert [c.parent_public_id for c in page.comments] == [
        None, discussion["root"], discussion["a"], discussion["a1"]]

    rest = replies_page(database, discussion["root"], root.replies_cursor)
    assert names(discussion, rest.comments) == ["a2", "b", "c", "c1"]
    assert (rest.more_replies, rest.next_cursor) == (0, None)
    assert rest.comments[0].parent_public_id == discussion["a"]


def test_replies_are_read_page_by_page_to_the_end(database, discussion):
    root = thread_page(database, replies=1).comments[0]
    assert root.more_replies == 6
    first = replies_page(database, discussion["root"], root.replies_cursor, limit=4)
    assert names(discussion, first.comments) == ["a1", "a1x", "a2", "b"]
    assert first.more_replies == 2
    second = replies_page(database, discussion["root"], first.next_cursor, limit=4)
    assert names(discussion, second.comments) == ["c", "c1"]
    assert second.next_cursor is None


def test_without_replies_in_the_page_the_cursor_starts_at_the_first_reply(database,
                                                                         discussion):
    page = thread_page(database, replies=0)
    assert names(discussion, page.comments) == ["root"]
    root = page.comments[0]
    assert (root.reply_count, root.more_replies) == (7, 7)
    assert all_replies(database, discussion["root"], root.replies_cursor, 3) == [
        discussion[name] for name in ("a", "a1", "a1x", "a2", "b", "c", "c1")]


def test_a_thread_shown_whole_hands_out_no_cursor(database, discussion):
    root = thread_page(database, replies=7).comments[0]
    assert (root.reply_count, root.more_replies, root.replies_cursor) == (7, 0, None)


def test_the_replies_below_a_reply_are_its_subthread_only(database, discussion):
    below_a = replies_page(database, discussion["a"])
    assert names(discussion, below_a.comments) == ["a1", "a1x", "a2"]
    assert names(discussion, replies_page(database, discussion["c1"]).comments) == []


def test_replies_below_a_comment_that_is_not_public_are_counted_nowhere(database, clock,
                                                                        discussion):
    with database.transaction() as session:
        hidden = add_comment(session, clock(), body="Noch in Prüfung",
                             status=CommentStatus.REVIEW)
        add_comment(session, clock() + timedelta(minutes=1), body="Antwort darauf",
                    parent=hidden)
        hidden_id = hidden.public_id
        # a reply to a rejected reply: its whole branch is out of sight
        rejected = add_comment(session, clock() + timedelta(minutes=2), body="Abgelehnt",
                               status=CommentStatus.REJECTED,
                               parent=comment_by_id(session, discussion["c1"]))
        add_comment(session, clock() + timedelta(minutes=3), body="Darunter", parent=rejected)

    root = thread_page(database).comments[0]
    assert root.reply_count == 7
    assert len(all_replies(database, discussion["root"], None, 2)) == 7
    with pytest.raises(NotFound):
        replies_page(database, hidden_id)


def test_a_cursor_stays_good_when_its_reply_is_taken_down(database, discussion):
    root = thread_page(database).comments[0]  # root, a, a1, a1x: the cursor names a1x
    with database.transaction() as session:
        comment_by_id(session, discussion["a1x"]).status = CommentStatus.REJECTED
        comment_by_id(session, discussion["b"]).status = CommentStatus.REJECTED
    rest = replies_page(database, discussion["root"], root.replies_cursor)
    assert names(discussion, rest.comments) == ["a2", "c", "c1"]


def test_a_page_is_read_in_three_statements_however_many_threads_it_shows(database, clock):
    """The article with its count of comments, the page's top-level comments, their
    threads: no statement per thread."""
    with database.transaction() as session:
        for i in range(4):
            clock.advance(minutes=1)
            root = add_comment(session, clock(), body=f"Kommentar {i}")
            add_comment(session, clock(), body="Antwort", parent=root)

    for limit in (1, 4):
        with counted_queries(database.engine) as statements:
            page = thread_page(database, limit=limit)
        assert (len(page.comments), page.total) == (2 * limit, 8)
        assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 3


def test_a_page_ends_early_rather_than_hold_more_than_the_bound(database, clock):
    roots = []
    with database.transaction() as session:
        for i in range(6):
            clock.advance(minutes=1)
            root = add_comment(session, clock(), body=f"Kommentar {i}")
            roots.append(root.public_id)
            for _ in range(threads.MAX_REPLIES):
                add_comment(session, clock(), body="Antwort", parent=root)

    first = thread_page(database, limit=6, replies=threads.MAX_REPLIES)
    per_thread = 1 + threads.MAX_REPLIES
    kept = threads.MAX_PAGE_COMMENTS // per_thread
    assert len(first.comments) == kept * per_thread <= threads.MAX_PAGE_COMMENTS
    assert [c.public_id for c in first.comments if c.depth == 0] == roots[:kept]
    second = thread_page(database, limit=6, replies=threads.MAX_REPLIES,
                         cursor=first.next_cursor)
    assert [c.public_id for c in second.comments if c.depth == 0] == roots[kept:2 * kept]


def test_replies_of_another_article_or_thread_are_refused(database, clock, discussion):
    with database.transaction() as session:
        other = add_comment(session, clock(), body="Anderer Faden").public_id
    with pytest.raises(NotFound):
        replies_page(database, discussion["root"], article_key="anderer-artikel")
    with pytest.raises(NotFound):
        replies_page(database, "gibt-es-nicht")
    foreign = thread_page(database).comments[0].replies_cursor  # a cursor of another thread
    with pytest.raises(Invalid) as refused:
        replies_page(database, other, foreign)
    assert "cursor" in refused.value.errors
