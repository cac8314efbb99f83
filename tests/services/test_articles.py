"""The editors' list of articles at the service level: what it counts, how it filters and
sorts, and pages that walk every article once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from moderation.domain import CommentStatus, ModerationMode
from moderation.errors import Invalid
from moderation.pagination import encode_cursor
from moderation.services import articles
from tests.support.records import add_comment

REVIEW, APPROVED, REJECTED = CommentStatus.REVIEW, CommentStatus.APPROVED, CommentStatus.REJECTED


def listed(database, which: articles.ArticleFilter | None = None, *, sort: str = "activity",
           limit: int = 50) -> list[str]:
    """The keys of every article listed, page after page."""
    keys, cursor = [], None
    while True:
        with database.transaction() as session:
            page = articles.list_articles(session, which or articles.ArticleFilter(),
                                          sort=sort, cursor=cursor, limit=limit)
        assert len(page.articles) <= limit
        keys += [overview.article.key for overview in page.articles]
        if page.next_cursor is None:
            return keys
        cursor = page.next_cursor


def comment_on(session, key: str, when, status=APPROVED, **fields):
    return add_comment(session, when, status=status, article_key=key, **fields)


@pytest.fixture
def newsroom(database, clock):
    """Four articles: one closed, one pre-moderated, two with comments in review, one
    without comments."""
    start = clock()
    with database.transaction() as session:
        leer = articles.update_article(session, "2026/09/leer", {"title": "Noch leer"}, start)
        leer.comments_open = False
        comment_on(session, "2026/11/ärger-am-bau", start + timedelta(hours=1), REVIEW)
        comment_on(session, "2026/11/ärger-am-bau", start + timedelta(hours=2))
        comment_on(session, "2026/11/ärger-am-bau", start + timedelta(hours=3), REJECTED)
        for minutes in (10, 20, 30):
            comment_on(session, "2026/10/wahl", start + timedelta(minutes=minutes), REVIEW)
        articles.update_article(session, "2026/10/wahl",
                                {"moderation_mode": ModerationMode.PRE,
                                 "title": "Die STRASSENWAHL"}, start)
        comment_on(session, "kultur/oper", start + timedelta(hours=5))
    return start


def test_each_article_comes_with_its_counts_and_newest_comment(database, newsroom):
    with database.transaction() as session:
        page = articles.list_articles(session, articles.ArticleFilter(), sort="key",
                                      cursor=None, limit=50)
    by_key = {o.article.key: o for o in page.articles}
    bau = by_key["2026/11/ärger-am-bau"]
    assert bau.counts == {"pending": 0, "review": 1, "approved": 1, "rejected": 1}
    assert (bau.in_review, bau.last_comment_at) == (1, newsroom + timedelta(hours=3))
    assert by_key["2026/10/wahl"].in_review == 3
    empty = by_key["2026/09/leer"]
    assert (sum(empty.counts.values()), empty.in_review, empty.last_comment_at) == (0, 0, None)


def test_sorted_by_newest_activity_most_in_review_or_key(database, newsroom):
    assert listed(database) == ["kultur/oper", "2026/11/ärger-am-bau", "2026/10/wahl",
                                "2026/09/leer"]
    assert listed(database, sort="review")[:2] == ["2026/10/wahl", "2026/11/ärger-am-bau"]
    assert listed(database, sort="key") == ["2026/09/leer", "2026/10/wahl",
                                            "2026/11/ärger-am-bau", "kultur/oper"]


@pytest.mark.parametrize("sort", ["activity", "review", "key"])
def test_pages_walk_every_article_once_in_the_same_order(database, newsroom, sort):
    assert listed(database, sort=sort, limit=1) == listed(database, sort=sort)


@pytest.mark.parametrize(("which", "keys"), [
    (articles.ArticleFilter(mode=ModerationMode.PRE), ["2026/10/wahl"]),
    (articles.ArticleFilter(comments_open=False), ["2026/09/leer"]),
    (articles.ArticleFilter(in_review=True), ["2026/10/wahl", "2026/11/ärger-am-bau"]),
    (articles.ArticleFilter(in_review=False), ["2026/09/leer", "kultur/oper"]),
    (articles.ArticleFilter(key_prefix="2026/1"), ["2026/10/wahl", "2026/11/ärger-am-bau"]),
    (articles.ArticleFilter(key_prefix="2026/_"), []),  # _ is no wildcard
    (articles.ArticleFilter(key_prefix="KULTUR/"), []),  # keys compare exactly, case too
    (articles.ArticleFilter(key_prefix="2026/11/ä"), ["2026/11/ärger-am-bau"]),
    (articles.ArticleFilter(text="ÄRGER"), ["2026/11/ärger-am-bau"]),
    (articles.ArticleFilter(text="straße"), ["2026/10/wahl"]),  # in the title
    (articles.ArticleFilter(text="noch LEER"), ["2026/09/leer"]),
    (articles.ArticleFilter(key_prefix="2026/", in_review=True, mode=ModerationMode.AUTO),
     ["2026/11/ärger-am-bau"]),
])
def test_filters(database, newsroom, which, keys):
    assert listed(database, which, sort="key") == keys


def test_an_erased_comment_waits_in_no_review_queue(database, newsroom, clock):
    with database.transaction() as session:
        comment_on(session, "kultur/oper", clock(), REVIEW, erased_at=clock())
    assert "kultur/oper" not in listed(database, articles.ArticleFilter(in_review=True))


@pytest.mark.parametrize(("sort", "cursor"), [
    ("key", encode_cursor(7, 1)),
    ("key", encode_cursor("a\x00b", 1)),
    ("key", encode_cursor("\ud800", 1)),
    ("activity", encode_cursor("gestern", 1)),
    ("review", encode_cursor("viele", 1)),
])
def test_a_cursor_of_another_order_is_refused(database, newsroom, sort, cursor):
    with database.transaction() as session, pytest.raises(Invalid):
        articles.list_articles(session, articles.ArticleFilter(), sort=sort, cursor=cursor,
                               limit=10)
